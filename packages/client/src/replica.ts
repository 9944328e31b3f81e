/**
 * `@notiflows/client/replica` (Node): a live in-process copy of a project's preferences that
 * evaluates with the domain's own rules. Depends on `@notiflows/domain`; the browser entries do not.
 */
export { createPreferenceReplica } from "./replica/Replica.js"
export type { PreferenceReplica, PreferenceReplicaOptions, ReplicaLag } from "./replica/Replica.js"
export type { ReplicaEvaluation } from "./replica/Model.js"
