/**
 * Helpers for the domain tests. Every helper builds fresh values: no shared mutable fixtures.
 */
import * as Schema from "effect/Schema"
import type { Decoded, FieldIssue } from "../src/Issues.js"
import type { PatchContext } from "../src/PreferencePatch.js"
import type { Audience, NotiflowCatalogEntry, PreferenceChoices, PreferenceSet } from "../src/Preferences.js"
import { NotiflowId } from "../src/Preferences.js"

export const SEED_ID = "01HQXYZ123456789ABCDEFGHIJ"

/** A catalog entry with the built-in defaults of API.md §1, overridable. */
export const notiflow = (
  id: string,
  overrides: Partial<Omit<NotiflowCatalogEntry, "id">> = {}
): NotiflowCatalogEntry => ({
  id: Schema.decodeSync(NotiflowId)(id),
  name: `Notiflow ${id}`,
  include_in_preferences: true,
  required: false,
  default_enabled: true,
  default_channel_types: {},
  deleted: false,
  ...overrides
})

/** A patch context over a catalog (deleted entries included, as the port answers them). */
export const contextOf = (catalog: ReadonlyArray<NotiflowCatalogEntry>, audience: Audience = "admin"): PatchContext => {
  const byId = new Map<string, NotiflowCatalogEntry>(catalog.map((e) => [e.id, e]))
  return { audience, notiflow: (id) => byId.get(id) }
}

export const choices = (c: Partial<PreferenceChoices> = {}): PreferenceChoices => ({
  channel_types: c.channel_types ?? {},
  notiflows: c.notiflows ?? {}
})

export const prefSet = (c: Partial<PreferenceChoices> = {}, version = 3): PreferenceSet => ({
  version,
  ...choices(c)
})

/** The decoded value, or a test failure listing the issues. */
export const expectOk = <A>(decoded: Decoded<A>): A => {
  if (!decoded.ok) throw new Error(`expected a valid input, got issues ${JSON.stringify(decoded.issues)}`)
  return decoded.value
}

/** The issues, or a test failure when the input was accepted. */
export const expectIssues = <A>(decoded: Decoded<A>): ReadonlyArray<FieldIssue> => {
  if (decoded.ok) throw new Error(`expected issues, got value ${JSON.stringify(decoded.value)}`)
  return decoded.issues
}

/** `field|reason` pairs, sorted, for exact comparisons that ignore message wording. */
export const summary = (issues: ReadonlyArray<FieldIssue>): ReadonlyArray<string> =>
  issues.map((i) => `${i.field}|${i.reason}`).sort()

/** Recursively freezes a value so any mutation by the code under test throws. */
export const deepFreeze = <A>(value: A): A => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** A snapshot of `Object.prototype` to prove no input touched it. */
export const prototypeSnapshot = (): string =>
  JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort()) + String(Object.getPrototypeOf(Object.prototype))

/** Asserts plain objects gained nothing from the prototype. */
export const assertPrototypeClean = (before: string): void => {
  const probe: Record<string, unknown> = {}
  if (prototypeSnapshot() !== before) throw new Error("Object.prototype was modified")
  for (const k of ["enabled", "channel_types", "email", "polluted", "notiflows", "a"]) {
    if (probe[k] !== undefined) throw new Error(`Object.prototype gained ${k}`)
  }
}
