/**
 * `createPreferenceReplica`: a live in-process copy of a project's preference state (issue 15).
 * Snapshot: a feed cursor first (`GET /admin/events?after=now`), then the catalog, categories,
 * project and tenant defaults and every set (`GET /admin/preferences/sets`); then the feed from
 * that cursor, applying `preferences.updated` by version and the catalog and defaults events
 * (`notiflow.*`, `category.*`, `defaults.updated`, `tenant_defaults.updated`) by revision, in feed
 * order. A `410 cursor_expired` takes a fresh snapshot. A full reload of the catalog and defaults
 * every `refreshMs` (default 5 min) is only a safety net (see docs/replica.md).
 */
import type { ChannelType, PreferenceChoicesV2, TenantDefaults } from "@notiflows/domain"
import type { AdminClient } from "../AdminClient.js"
import { isNotiflowsError } from "../Errors.js"
import type { CatalogChange, NotiflowItem, ReplicaCatalog } from "./Catalog.js"
import { applyCatalogEvent, applyMemberships, catalogOf, toModel } from "./Catalog.js"
import type { ReplicaEvaluation, ReplicaModel, ReplicaUser } from "./Model.js"
import { addUser, applySet, evaluateIn, forgetTenant } from "./Model.js"

export interface PreferenceReplicaOptions {
  readonly client: AdminClient
  /** Only these tenants' sets and defaults are kept (default: every tenant). */
  readonly tenants?: ReadonlyArray<string> | undefined
  /** Feed poll interval when caught up (default 250 ms). */
  readonly pollMs?: number | undefined
  /**
   * Safety-net reload of the catalog, categories and defaults (default 300,000 ms; `0` or
   * `Infinity`: never). Their changes arrive by the feed's events within `pollMs`.
   */
  readonly refreshMs?: number | undefined
  /** Called with every failure the replica recovers from by itself (it keeps serving its copy). */
  readonly onError?: ((error: unknown) => void) | undefined
}

export interface ReplicaLag {
  /** Milliseconds since the last event was applied (`null`: none yet). */
  readonly sinceLastEventMs: number | null
  /** Milliseconds since the feed was last read to its end (`null`: not yet). */
  readonly sinceCaughtUpMs: number | null
  /** The feed position the copy includes. */
  readonly cursor: string | null
}

export interface PreferenceReplica {
  /** Resolves once the first snapshot is loaded (rejects if it fails). */
  readonly ready: Promise<void>
  /** M§3 decisions from the copy; `undefined` when the notiflow is unknown or deleted. */
  evaluate(userId: string, notiflowId: string, channels: ReadonlyArray<ChannelType>, options?: { readonly tenantId?: string | undefined }): ReplicaEvaluation | undefined
  lag(): ReplicaLag
  /** Reads the feed to its current end now. */
  catchUp(): Promise<void>
  /** Reloads the catalog, categories and defaults now (in turn with the feed reader). */
  refresh(): Promise<void>
  /** Stops polling and refreshing. */
  close(): void
}

type FeedEvent = { readonly type: string; readonly data: Record<string, unknown> }
interface SetsItem { readonly user_id: string; readonly tenant_id: string | null; readonly version: number; readonly preferences: PreferenceChoicesV2 }

export const createPreferenceReplica = (options: PreferenceReplicaOptions): PreferenceReplica => {
  const { client } = options
  const only = options.tenants === undefined ? undefined : new Set(options.tenants)
  const keeps = (tenantId: string | null) => tenantId === null || only === undefined || only.has(tenantId)
  let model: ReplicaModel | undefined
  let catalog: ReplicaCatalog | undefined
  let users = new Map<string, ReplicaUser>()
  let cursor: string | null = null
  let lastEventAt: number | null = null
  let caughtUpAt: number | null = null
  let closed = false
  const timers: Array<ReturnType<typeof setTimeout>> = []
  const report = (e: unknown) => options.onError?.(e)

  const listNotiflows = () => client.notiflows.list({ limit: 1000 }).toArray(100_000) as Promise<ReadonlyArray<NotiflowItem>>
  const loadCatalog = async (): Promise<ReplicaCatalog> => {
    const [notiflows, categories, defaults] = await Promise.all([
      listNotiflows(),
      client.categories.list({ limit: 1000 }).toArray(100_000),
      client.defaults.explicit()
    ])
    const ids = only !== undefined ? [...only] : (await client.tenants.list({ limit: 1000 }).toArray(1_000_000)).map((t) => t.id)
    const tenants = new Map<string, TenantDefaults>()
    for (const id of ids) tenants.set(id, (await client.tenants.defaults.get(id)).data as unknown as TenantDefaults)
    return catalogOf({ notiflows, categories, defaults: defaults.data, tenants })
  }

  const snapshot = async () => {
    const start = await client.request("get", "/admin/v1/events", { query: { after: "now", limit: 1 } })
    const nextCatalog = await loadCatalog()
    const next = new Map<string, ReplicaUser>()
    for await (const set of client.preferences.sets({ limit: 1000 }) as AsyncIterable<SetsItem>) {
      if (!keeps(set.tenant_id)) {
        addUser(next, set.user_id)
        continue
      }
      applySet(next, set.user_id, set.tenant_id, { version: set.version, preferences: set.preferences })
    }
    catalog = nextCatalog
    model = toModel(nextCatalog)
    users = next
    cursor = start.data.page.after ?? null
  }

  const apply = (event: FeedEvent): CatalogChange => {
    const d = event.data
    // An erased user's earlier events are redacted in place (EVENTS.md §1.3); its user.deleted follows.
    if (d["redacted"] === true) return undefined
    if (event.type === "preferences.updated") {
      const tenantId = d["tenant_id"] as string | null
      if (!keeps(tenantId)) addUser(users, d["user_id"] as string)
      else applySet(users, d["user_id"] as string, tenantId, { version: d["version"] as number, preferences: d["preferences"] as PreferenceChoicesV2 })
    } else if (event.type === "user.created" || event.type === "user.updated") {
      addUser(users, (d["user"] as { readonly external_id: string }).external_id)
    } else if (event.type === "user.deleted") {
      users.delete(d["user_id"] as string)
    } else if (catalog !== undefined) {
      return applyCatalogEvent(catalog, event.type, d, keeps)
    }
    return undefined
  }

  /** One page's catalog changes, applied to the model once the page's events are in. */
  const settle = async (changes: ReadonlyArray<Exclude<CatalogChange, undefined>>) => {
    if (changes.length === 0 || catalog === undefined || model === undefined) return
    const rebuild = changes.some((c) => c.kind !== "tenant")
    if (rebuild) model = toModel(catalog)
    else for (const c of changes) if (c.kind === "tenant") forgetTenant(model, c.tenantId)
    if (changes.some((c) => c.kind === "category")) {
      const listed = await listNotiflows()
      applyMemberships(catalog, listed)
      model = toModel(catalog)
    }
  }

  const readFeed = async () => {
    for (;;) {
      try {
        const page = await client.request("get", "/admin/v1/events", { query: { ...(cursor === null ? {} : { after: cursor }), limit: 1000 } })
        const changes: Array<Exclude<CatalogChange, undefined>> = []
        for (const event of page.data.items as unknown as ReadonlyArray<FeedEvent>) {
          const change = apply(event)
          if (change !== undefined) changes.push(change)
          lastEventAt = Date.now()
        }
        await settle(changes)
        cursor = page.data.page.after ?? cursor
        if (!page.data.page.has_more_after) {
          caughtUpAt = Date.now()
          return
        }
      } catch (e) {
        if (!(isNotiflowsError(e) && e.code === "cursor_expired")) throw e
        report(e)
        await snapshot()
      }
    }
  }

  // One feed reader at a time: the poll loop and `catchUp` share it.
  let running: Promise<void> = Promise.resolve()
  const serial = (f: () => Promise<void>) => (running = running.then(f, f))

  // Ready once the copy has also read the feed past its snapshot: an entity changed while the
  // snapshot was read is then never answered at the older value its replayed event carries.
  // A failure of that first read is reported, not fatal: the poll retries it.
  const ready = serial(async () => {
    await snapshot()
    await readFeed().catch(report)
  })
  const poll = () => {
    if (closed) return
    serial(readFeed)
      .catch(report)
      .finally(() => {
        if (!closed) timers.push(setTimeout(poll, options.pollMs ?? 250))
      })
  }
  // The reload keeps the revisions known from events: an event older than one applied stays ignored.
  const refresh = () =>
    serial(async () => {
      const loaded = await loadCatalog()
      if (catalog !== undefined) for (const [k, v] of catalog.revisions) loaded.revisions.set(k, v)
      catalog = loaded
      model = toModel(loaded)
    })
  const refreshMs = options.refreshMs ?? 300_000
  const refreshLoop = () => {
    if (closed) return
    refresh()
      .catch(report)
      .finally(() => {
        if (!closed) timers.push(setTimeout(refreshLoop, refreshMs))
      })
  }
  ready.then(
    () => {
      poll()
      if (refreshMs > 0 && Number.isFinite(refreshMs)) timers.push(setTimeout(refreshLoop, refreshMs))
    },
    () => undefined
  )

  return {
    ready,
    evaluate: (userId, notiflowId, channels, opts) => {
      if (model === undefined) throw new Error("the replica is not ready: await replica.ready")
      // No default object for `opts`: this runs once per decision.
      const tenantId = opts?.tenantId
      if (tenantId !== undefined && !keeps(tenantId)) throw new RangeError(`tenant ${tenantId} is not replicated`)
      return evaluateIn(model, users, userId, notiflowId, channels, tenantId)
    },
    lag: () => ({
      sinceLastEventMs: lastEventAt === null ? null : Date.now() - lastEventAt,
      sinceCaughtUpMs: caughtUpAt === null ? null : Date.now() - caughtUpAt,
      cursor
    }),
    catchUp: () => serial(readFeed),
    refresh,
    close: () => {
      closed = true
      for (const t of timers) clearTimeout(t)
    }
  }
}
