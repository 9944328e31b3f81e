/**
 * Start-up provisioning (`ensureProjectWithKeys`, `ensureFirstProject`): ONE transaction under a
 * transaction-level advisory lock every instance takes, so instances starting together on an
 * empty database serialise: the first creates, the others wait and then find what it created
 * (READ COMMITTED: each statement after the lock sees what committed before it). The lock is
 * released with the transaction, also when the client gives up waiting.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type { ApiKeyKind, ApiKeyMaterial, EnsureProject, EnsureProjectWithKeys, Project, ProjectId, SigningKey } from "@notiflows/domain"
import { ApiKeyConflict, planEnsureWithKeys } from "@notiflows/domain"
import { apiKeys, projects, projectSigningKeys } from "../schema.js"
import type { NotiflowsDatabase } from "./database.js"
import { isUniqueViolation } from "./errors.js"
import { newApiKeyId, newProjectId } from "./ids.js"
import { insertActiveLinkKey } from "./linkKeys.js"
import { projectSelection, toProject } from "./projectRows.js"
import { Abort } from "./promiseToEffect.js"

/** An arbitrary constant (next to the migrator's): the advisory lock every provisioning takes. */
export const PROVISIONING_LOCK_KEY = 7_361_150_422

const lock = (tx: NotiflowsDatabase) => tx.execute(sql`select pg_advisory_xact_lock(${PROVISIONING_LOCK_KEY})`)

/** Inserts a key; a hash stored already rolls back with `ApiKeyConflict`. */
export const insertKey = async (tx: NotiflowsDatabase, projectId: ProjectId, kind: ApiKeyKind, key: ApiKeyMaterial, at: Date) => {
  try {
    return await tx
      .insert(apiKeys)
      .values({ projectId, id: newApiKeyId(), kind, prefix: key.prefix, hash: key.hash, createdAt: at, revokedAt: null })
      .returning()
  } catch (error) {
    if (isUniqueViolation(error)) throw new Abort(new ApiKeyConflict({ kind, reason: "hash_taken" }))
    throw error
  }
}

const createWithKeys = async (tx: NotiflowsDatabase, input: EnsureProject, at: Date): Promise<ProjectId> => {
  const id = newProjectId()
  await tx.insert(projects).values({ id, name: input.name, securityMode: input.securityMode, createdAt: at, updatedAt: at })
  await insertKey(tx, id, "secret", input.secretKey, at)
  await insertKey(tx, id, "public", input.publicKey, at)
  // LINKS.md §2.3: a project's first link key is made in its creation transaction.
  await insertActiveLinkKey(tx, id, at)
  return id
}

/** Adds a signing key at the end, replacing one with the same kid (as `withSigningKey`). */
const putSigningKey = async (tx: NotiflowsDatabase, projectId: ProjectId, key: SigningKey) => {
  await tx.delete(projectSigningKeys).where(and(eq(projectSigningKeys.projectId, projectId), eq(projectSigningKeys.kid, key.kid)))
  const [last] = await tx
    .select({ next: sql<number>`coalesce(max(${projectSigningKeys.position}) + 1, 0)` })
    .from(projectSigningKeys)
    .where(eq(projectSigningKeys.projectId, projectId))
  await tx.insert(projectSigningKeys).values({ projectId, kid: key.kid, publicKeyPem: key.publicKeyPem, position: Number(last?.next ?? 0) })
}

const readProject = async (tx: NotiflowsDatabase, projectId: ProjectId): Promise<Project> => {
  const [row] = await tx.select(projectSelection).from(projects).where(eq(projects.id, projectId))
  if (row === undefined) throw new Error("the ensured project vanished inside its transaction")
  return toProject(row)
}

export interface Ensured {
  readonly project: Project
  readonly created: boolean
}

/** The body of `ensureProjectWithKeys` (run it with `runTransaction`). */
export const ensureWithKeys = (db: NotiflowsDatabase, input: EnsureProjectWithKeys, at: Date): Promise<Ensured> =>
  db.transaction(async (tx) => {
    await lock(tx)
    const found = await tx
      .select({ hash: apiKeys.hash, projectId: apiKeys.projectId, kind: apiKeys.kind })
      .from(apiKeys)
      .where(inArray(apiKeys.hash, [input.secretKey.hash, input.publicKey.hash]))
    const stored = (hash: string) => Option.fromNullable(found.find((k) => k.hash === hash))
    const plan = planEnsureWithKeys(stored(input.secretKey.hash), stored(input.publicKey.hash))
    if (Either.isLeft(plan)) throw new Abort(plan.left)
    let projectId: ProjectId
    if (plan.right._tag === "Create") {
      projectId = await createWithKeys(tx, input, at)
    } else {
      projectId = plan.right.projectId
      if (plan.right.addPublicKey) await insertKey(tx, projectId, "public", input.publicKey, at)
    }
    await tx.update(projects).set({ securityMode: input.securityMode, updatedAt: at }).where(eq(projects.id, projectId))
    if (input.signingKey !== undefined) await putSigningKey(tx, projectId, input.signingKey)
    return { project: await readProject(tx, projectId), created: plan.right._tag === "Create" }
  })

/** The body of `ensureFirstProject` (run it with `runTransaction`). */
export const ensureFirst = (db: NotiflowsDatabase, input: EnsureProject, at: Date): Promise<Ensured> =>
  db.transaction(async (tx) => {
    await lock(tx)
    const [first] = await tx.select({ id: projects.id }).from(projects).orderBy(asc(projects.createdAt), asc(projects.id)).limit(1)
    if (first !== undefined) return { project: await readProject(tx, first.id), created: false }
    const projectId = await createWithKeys(tx, input, at)
    return { project: await readProject(tx, projectId), created: true }
  })
