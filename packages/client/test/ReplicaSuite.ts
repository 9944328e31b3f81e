/**
 * `@notiflows/client/replica` against the real router: after random writes through the admin API
 * (global and tenant sets, tenant defaults with locks, catalog with categories), the replica
 * converges and answers what `POST /admin/preferences/evaluate` answers, for every user, notiflow,
 * scope and channel; catalog and defaults changes (notiflows created, changed, deleted and restored,
 * categories changed, deleted and restored, project defaults, tenant defaults and locks, a tenant's
 * DELETE) between writes reach it through the feed's events, with its timed reload turned off;
 * a `410 cursor_expired` after retention resyncs by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { AdminClient } from "../src/index.js"
import { createAdminClient, isNotiflowsError } from "../src/index.js"
import type { PreferenceReplica } from "../src/replica.js"
import { createPreferenceReplica } from "../src/replica.js"
import type { TestService } from "./support.js"

const CHANNELS = ["chat", "email", "in_app", "mobile_push", "sms", "web_push"] as const
const TENANTS = ["acme", "globex"] as const
const CATEGORIES = ["cat_marketing", "cat_billing"] as const

/** A small seeded PRNG (mulberry32), so a failure can be replayed from its seed. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** Random choices over the live configurable notiflows (`configurable`). */
const randomChoices = (rnd: () => number, configurable: ReadonlyArray<string>, categories: ReadonlyArray<string>) => {
  const pick = <T>(xs: ReadonlyArray<T>): T => xs[Math.floor(rnd() * xs.length)]!
  const bool = () => pick([true, false, null] as const)
  const channels = () => Object.fromEntries(CHANNELS.filter(() => rnd() < 0.3).map((c) => [c, bool()]))
  const entry = () => (rnd() < 0.5 ? { enabled: bool() } : { channel_types: channels() })
  return {
    channel_types: channels(),
    categories: Object.fromEntries(categories.filter(() => rnd() < 0.4).map((k) => [k, entry()])),
    notiflows: Object.fromEntries(configurable.filter(() => rnd() < 0.4).map((n) => [n, entry()]))
  }
}

/** Random project defaults: every channel type set `true`, `false` or removed (`null`), or left alone. */
const randomDefaults = (rnd: () => number) => ({
  channel_types: Object.fromEntries(CHANNELS.filter(() => rnd() < 0.6).map((c) => [c, [true, false, null][Math.floor(rnd() * 3)]!]))
})

/** Field for field, `source` included (a stored project default of `true` is `project_default`). */
const sameDecision = (service: unknown, replica: unknown) => JSON.stringify(service) === JSON.stringify(replica)

export const replicaSuite = (name: string, start: () => Promise<TestService>, seed: number): void => {
  let service: TestService
  let admin: AdminClient
  const users: Array<string> = []
  /** The live notiflows (the service evaluates these; the replica answers `undefined` for others). */
  const notiflows = new Set<string>(["nf_digest", "nf_invoice", "nf_plain", "nf_required"])
  const deleted = new Set<string>()
  const categories = new Set<string>(CATEGORIES)
  const rnd = prng(seed)

  const writeSets = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const user = rnd() < 0.3 || users.length === 0 ? `user_${users.length}_${seed}` : users[Math.floor(rnd() * users.length)]!
      const known = users.includes(user)
      if (!known) {
        users.push(user)
        await admin.users.upsert(user, { first_name: `User ${users.length}` })
      }
      const tenantId = rnd() < 0.5 ? undefined : TENANTS[Math.floor(rnd() * TENANTS.length)]
      if (known && rnd() < 0.1) await admin.preferences.reset(user, { tenantId })
      else await admin.preferences.update(user, randomChoices(rnd, [...notiflows].filter((n) => n !== "nf_required"), [...categories]), { tenantId }).catch(lockRefused)
    }
  }

  /** A tenant-scoped write that opens a locked leaf is refused (422, `locked`): nothing changed. */
  const lockRefused = (e: unknown) => {
    const locked = isNotiflowsError(e) && e.code === "validation_error" && JSON.stringify(e.details).includes('"locked"')
    if (!locked) throw isNotiflowsError(e) ? new Error(`${e.code}: ${JSON.stringify(e.details)}`) : e
  }

  /** Every (user, notiflow, scope) of the service's batch evaluation against the replica's. */
  const mismatches = async (replica: PreferenceReplica) => {
    const out: Array<unknown> = []
    const ids = [...users, `unknown_${seed}`]
    for (const tenantId of [undefined, ...TENANTS]) {
      for (const notiflow_id of deleted) {
        if (replica.evaluate(ids[0]!, notiflow_id, CHANNELS, { tenantId }) !== undefined) out.push({ tenantId, notiflow_id, deleted: true })
      }
      for (const notiflow_id of notiflows) {
        const answer = await admin.preferences.evaluateMany({ notiflow_id, user_ids: ids, channel_types: [...CHANNELS] }, { tenantId })
        for (const result of answer.data.results) {
          const mine = replica.evaluate(result.user_id, notiflow_id, CHANNELS, { tenantId })
          const ok =
            mine !== undefined &&
            mine.user_found === result.user_found &&
            CHANNELS.every((c) => sameDecision(result.channel_types[c]!, mine.channel_types[c]!))
          if (!ok) out.push({ tenantId, notiflow_id, user: result.user_id, service: result, replica: mine })
        }
      }
    }
    return out
  }

  /** Reads the feed until the copy matches (PostgreSQL's feed is not read-your-writes). */
  const converge = async (replica: PreferenceReplica) => {
    const deadline = Date.now() + 20_000
    for (;;) {
      await replica.catchUp()
      const wrong = await mismatches(replica)
      if (wrong.length === 0 || Date.now() > deadline) return wrong
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  /** Catalog and defaults changes between set writes: every kind of catalog event, in turn. */
  const changeCatalog = async () => {
    await admin.notiflows.upsert("nf_new", { name: "New", categories: ["cat_billing"], default_channel_types: { sms: true, email: false } })
    notiflows.add("nf_new")
    await writeSets(4)
    await admin.categories.upsert("cat_billing", { name: "Billing", default_enabled: true, default_channel_types: { email: false } })
    await admin.notiflows.upsert("nf_plain", { name: "Plain", categories: ["cat_billing"], default_channel_types: { chat: false } })
    await writeSets(4)
    // Locks hold `false` at their leaf (MODEL.md: a lock can only restrict).
    await admin.tenants.defaults.update("acme", { notiflows: { nf_new: { enabled: false } }, locks: { notiflows: { nf_new: { enabled: true } } } })
    await admin.tenants.defaults.update("globex", {
      notiflows: { nf_digest: { channel_types: { email: false } } },
      locks: { notiflows: { nf_digest: { channel_types: { email: true } } } }
    })
    await admin.defaults.update({ channel_types: { in_app: false } })
    await writeSets(4)
  }

  /** A category and a notiflow deleted, then restored; a tenant's defaults deleted. */
  const deleteAndRestore = async (replica: PreferenceReplica) => {
    await admin.categories.delete("cat_marketing")
    categories.delete("cat_marketing")
    await admin.notiflows.delete("nf_plain")
    notiflows.delete("nf_plain")
    deleted.add("nf_plain")
    await admin.tenants.defaults.reset("globex")
    await writeSets(4)
    expect(await converge(replica)).toEqual([])
    // nf_invoice changed while cat_marketing is deleted: its GET object no longer names it.
    await admin.notiflows.upsert("nf_invoice", { name: "Invoice (renamed)" })
    await writeSets(2)
    expect(await converge(replica)).toEqual([])
    // Restored: the notiflows that kept the membership name it again (no notiflow event says so).
    await admin.categories.upsert("cat_marketing", { name: "Marketing", default_enabled: false })
    categories.add("cat_marketing")
    await admin.notiflows.upsert("nf_plain", { name: "Plain again" })
    deleted.delete("nf_plain")
    notiflows.add("nf_plain")
    await admin.tenants.defaults.update("globex", {
      channel_types: { sms: false },
      categories: { cat_marketing: { enabled: false } },
      locks: { categories: { cat_marketing: { enabled: true } } }
    })
    await writeSets(4)
  }

  describe(`replica (${name})`, () => {
    beforeAll(async () => {
      service = await start()
      admin = createAdminClient({ baseUrl: service.url, secretKey: service.secretKey })
      await admin.categories.upsert("cat_marketing", { name: "Marketing", default_enabled: true, default_channel_types: { sms: false } })
      await admin.categories.upsert("cat_billing", { name: "Billing", default_enabled: false })
      await admin.notiflows.upsert("nf_digest", { name: "Digest", categories: ["cat_marketing"], default_channel_types: { email: true, sms: false } })
      await admin.notiflows.upsert("nf_invoice", { name: "Invoice", categories: ["cat_billing", "cat_marketing"], default_enabled: true })
      await admin.notiflows.upsert("nf_plain", { name: "Plain", default_enabled: false })
      await admin.notiflows.upsert("nf_required", { name: "Required", required: true })
      await admin.defaults.update({ channel_types: { web_push: false, chat: true } })
      await admin.tenants.defaults.update("acme", { channel_types: { email: false }, locks: { channel_types: { sms: false }, categories: { cat_marketing: { enabled: false } } } })
      await admin.tenants.defaults.update("globex", { notiflows: { nf_plain: { enabled: true } } })
      await writeSets(30)
    }, 120_000)
    afterAll(async () => {
      await service?.close()
    })

    it("snapshots, follows the feed and answers exactly what the service's evaluation answers", async () => {
      const errors: Array<unknown> = []
      // No timed reload: every catalog and defaults change below reaches it by the feed alone.
      const replica = createPreferenceReplica({ client: admin, refreshMs: 0, onError: (e) => errors.push(e) })
      try {
        await replica.ready
        expect(await mismatches(replica)).toEqual([])
        await writeSets(60)
        await admin.users.upsert(`fresh_${seed}`, { first_name: "Fresh" })
        users.push(`fresh_${seed}`)
        expect(await converge(replica)).toEqual([])
        expect(replica.lag().cursor).not.toBeNull()
        // Catalog and defaults changes arrive as events, in feed order with the sets around them.
        await changeCatalog()
        expect(await converge(replica)).toEqual([])
        await deleteAndRestore(replica)
        expect(await converge(replica)).toEqual([])
        // Stored project defaults, `true` among them (`defaults.updated` carries the stored
        // defaults): the replica answers the service's `source` too.
        for (let round = 0; round < 3; round++) {
          await admin.defaults.update(randomDefaults(rnd))
          await writeSets(2)
          expect(await converge(replica)).toEqual([])
        }
        await admin.defaults.update({ channel_types: { chat: true, sms: true, email: null } })
        expect((await admin.defaults.explicit()).data.channel_types).toMatchObject({ chat: true, sms: true })
        expect(await converge(replica)).toEqual([])
        // A reload (the safety net) agrees with what the events built.
        await replica.refresh()
        expect(await mismatches(replica)).toEqual([])
        expect(replica.evaluate("anyone", "nf_nope", ["email"])).toBeUndefined()
        expect(errors).toEqual([])
      } finally {
        replica.close()
      }
    }, 120_000)

    it("resyncs by itself when its cursor expired (410 cursor_expired after retention)", async () => {
      const errors: Array<unknown> = []
      const replica = createPreferenceReplica({ client: admin, pollMs: 3_600_000, onError: (e) => errors.push(e) })
      try {
        await replica.ready
        await replica.catchUp()
        await writeSets(20)
        // A catalog change whose event retention removes: the resync's snapshot brings it.
        await admin.notiflows.upsert("nf_digest", { name: "Digest", default_enabled: false })
        expect(await service.purgeEvents()).toBeGreaterThan(0)
        await writeSets(10)
        expect(await converge(replica)).toEqual([])
        expect(errors.some((e) => isNotiflowsError(e) && e.code === "cursor_expired")).toBe(true)
      } finally {
        replica.close()
      }
    }, 120_000)
  })
}
