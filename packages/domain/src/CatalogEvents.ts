/**
 * The catalog and defaults events of EVENTS.md §2: `notiflow.*`, `category.*`, `defaults.updated`
 * and `tenant_defaults.updated`. The use case that commits a change builds its event here (what it
 * says) and hands it to the port, which writes it in the change's transaction (the outbox).
 *
 * `revision` is the entity's after the change (+1 per change); `changed_fields` the top-level
 * names of the GET object that changed; `defaults` the explicit defaults after the change,
 * verbatim (choices on deleted ids and tenant `locks` included); `changes` the leaf-level diff of
 * those defaults, as a ledger entry's (`null` = no explicit value).
 */
import * as Schema from "effect/Schema"
import type { StoredCategory } from "./Categories.js"
import { CategoryJson, categoryToJson } from "./Categories.js"
import type { StoredNotiflow } from "./Catalog.js"
import { NotiflowJsonV2, notiflowToJsonV2 } from "./Catalog.js"
import { Change, diffLeaves } from "./Changes.js"
import type { Attribution, EventInput } from "./Events.js"
import { attributionFields, eventEnvelope } from "./Events.js"
import { leavesV2 } from "./PatchV2.js"
import type { ProjectDefaults } from "./Preferences.js"
import { ProjectDefaults as ProjectDefaultsSchema } from "./Preferences.js"
import type { PreferenceChoicesV2, TenantDefaults } from "./PreferencesV2.js"
import { emptyChoicesV2, TenantDefaults as TenantDefaultsSchema } from "./PreferencesV2.js"
import type { TenantId } from "./Tenants.js"

/** Ordering keys (EVENTS.md §2): a delivery engine serialises the events of one key. */
export const notiflowOrderingKey = (id: string): string => `notiflow:${id}`
export const categoryOrderingKey = (id: string): string => `category:${id}`
export const PROJECT_ORDERING_KEY = "project"
export const tenantOrderingKey = (id: string): string => `tenant:${id}`

const by = (a: Attribution) => ({ actor: a.actor, source: a.source, request_id: a.requestId })

/** The top-level names whose JSON differs between two objects (`updated_at` aside: it moves with every change). */
export const changedFields = (before: Readonly<Record<string, unknown>>, after: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  Object.keys(after).filter((k) => k !== "updated_at" && k !== "created_at" && JSON.stringify(before[k]) !== JSON.stringify(after[k]))

/** The entity a save will store: its revision and times follow the adapters' rules (created kept, updated = now). */
export const afterSave = <E extends { readonly revision: number; readonly created_at: Date }>(
  entry: Omit<E, "revision" | "created_at" | "updated_at">,
  stored: E | undefined,
  at: Date
): E => ({ ...entry, revision: (stored?.revision ?? 0) + 1, created_at: stored?.created_at ?? at, updated_at: at }) as unknown as E

/** `notiflow.created` (create or restore), `.updated` (with `changed_fields`) or `.deleted` (`notiflow_id`). */
export const notiflowEvent = (input: {
  readonly type: "notiflow.created" | "notiflow.updated" | "notiflow.deleted"
  readonly notiflow: StoredNotiflow
  readonly categories: ReadonlyArray<string>
  readonly changedFields?: ReadonlyArray<string>
  readonly at: Date
  readonly by: Attribution
}): EventInput => ({
  type: input.type,
  occurredAt: input.at,
  orderingKey: notiflowOrderingKey(input.notiflow.id),
  aboutUser: false,
  data: () => ({
    ...(input.type === "notiflow.deleted" ? { notiflow_id: input.notiflow.id } : { notiflow: notiflowToJsonV2(input.notiflow, input.categories) }),
    revision: input.notiflow.revision,
    ...(input.type === "notiflow.updated" ? { changed_fields: input.changedFields ?? [] } : {}),
    ...by(input.by)
  })
})

/** `category.created` (create or restore), `.updated` (with `changed_fields`) or `.deleted` (`category_id`). */
export const categoryEvent = (input: {
  readonly type: "category.created" | "category.updated" | "category.deleted"
  readonly category: StoredCategory
  readonly changedFields?: ReadonlyArray<string>
  readonly at: Date
  readonly by: Attribution
}): EventInput => ({
  type: input.type,
  occurredAt: input.at,
  orderingKey: categoryOrderingKey(input.category.id),
  aboutUser: false,
  data: () => ({
    ...(input.type === "category.deleted" ? { category_id: input.category.id } : { category: categoryToJson(input.category) }),
    revision: input.category.revision,
    ...(input.type === "category.updated" ? { changed_fields: input.changedFields ?? [] } : {}),
    ...by(input.by)
  })
})

const choices = (c: PreferenceChoicesV2): PreferenceChoicesV2 => ({ channel_types: c.channel_types, categories: c.categories, notiflows: c.notiflows })

/** `defaults.updated`: the project's explicit channel defaults after the change. */
export const defaultsUpdatedEvent = (input: {
  readonly before: ProjectDefaults
  readonly after: ProjectDefaults
  readonly revision: number
  readonly at: Date
  readonly by: Attribution
}): EventInput => ({
  type: "defaults.updated",
  occurredAt: input.at,
  orderingKey: PROJECT_ORDERING_KEY,
  aboutUser: false,
  data: () => ({
    defaults: { channel_types: input.after.channel_types },
    changes: diffLeaves(leavesV2({ ...emptyChoicesV2, ...input.before }), leavesV2({ ...emptyChoicesV2, ...input.after })),
    revision: input.revision,
    ...by(input.by)
  })
})

/** The leaf changes of tenant defaults: values as a set's paths, locks under `locks.`. */
export const tenantDefaultsChanges = (before: TenantDefaults, after: TenantDefaults): ReadonlyArray<Change> => {
  const withLocks = (d: TenantDefaults) => {
    const out = leavesV2(choices(d))
    for (const [path, v] of leavesV2(choices(d.locks))) out.set(`locks.${path}`, v)
    return out
  }
  return diffLeaves(withLocks(before), withLocks(after))
}

/** `tenant_defaults.updated`: a PUT or a DELETE (which leaves every value and lock `to: null`). */
export const tenantDefaultsUpdatedEvent = (input: {
  readonly tenantId: TenantId
  readonly before: TenantDefaults
  readonly after: TenantDefaults
  readonly revision: number
  readonly at: Date
  readonly by: Attribution
}): EventInput => ({
  type: "tenant_defaults.updated",
  occurredAt: input.at,
  orderingKey: tenantOrderingKey(input.tenantId),
  aboutUser: false,
  data: () => ({
    tenant_id: input.tenantId,
    defaults: { ...choices(input.after), locks: choices(input.after.locks) },
    changes: tenantDefaultsChanges(input.before, input.after),
    revision: input.revision,
    ...by(input.by)
  })
})

// --- as sent (feed items, webhook bodies; /openapi.json `webhooks`) -----------------------------

const revision = { revision: Schema.Int }
const changed = { changed_fields: Schema.Array(Schema.String) }

export const NotiflowCreatedEvent = eventEnvelope("notiflow.created", { notiflow: NotiflowJsonV2, ...revision, ...attributionFields }, "NotiflowCreatedEvent")
export const NotiflowUpdatedEvent = eventEnvelope(
  "notiflow.updated",
  { notiflow: NotiflowJsonV2, ...revision, ...changed, ...attributionFields },
  "NotiflowUpdatedEvent"
)
export const NotiflowDeletedEvent = eventEnvelope("notiflow.deleted", { notiflow_id: Schema.String, ...revision, ...attributionFields }, "NotiflowDeletedEvent")
export const CategoryCreatedEvent = eventEnvelope("category.created", { category: CategoryJson, ...revision, ...attributionFields }, "CategoryCreatedEvent")
export const CategoryUpdatedEvent = eventEnvelope(
  "category.updated",
  { category: CategoryJson, ...revision, ...changed, ...attributionFields },
  "CategoryUpdatedEvent"
)
export const CategoryDeletedEvent = eventEnvelope("category.deleted", { category_id: Schema.String, ...revision, ...attributionFields }, "CategoryDeletedEvent")
export const DefaultsUpdatedEvent = eventEnvelope(
  "defaults.updated",
  { defaults: ProjectDefaultsSchema, changes: Schema.Array(Change), ...revision, ...attributionFields },
  "DefaultsUpdatedEvent"
)
export const TenantDefaultsUpdatedEvent = eventEnvelope(
  "tenant_defaults.updated",
  { tenant_id: Schema.String, defaults: TenantDefaultsSchema, changes: Schema.Array(Change), ...revision, ...attributionFields },
  "TenantDefaultsUpdatedEvent"
)
