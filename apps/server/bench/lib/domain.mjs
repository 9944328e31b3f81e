/**
 * Domain micro-benchmarks (tinybench) on the built @notiflows/domain: the pure functions on the
 * request path. Sub-microsecond operations run `inner` times per sample so the timer's
 * resolution does not dominate; ns/op is the mean sample time divided by `inner`.
 */
import { Bench } from "tinybench"
import {
  applyPatch,
  CHANNEL_TYPES,
  decodePatch,
  evaluateBatch,
  evaluateChannel,
  evaluateChannelV2,
  evaluatePrepared,
  prepareEvaluation,
  view
} from "@notiflows/domain"
import { notiflowId, SEED_NOTIFLOW, userId } from "./ids.mjs"

/** The seed page's patch, as parsed from the request body. */
export const SEED_PATCH = {
  channel_types: { sms: false },
  notiflows: { [SEED_NOTIFLOW]: { channel_types: { email: false }, enabled: true } }
}

const catalogOf = (n) =>
  Array.from({ length: n }, (_, k) => {
    const i = k + 1
    return {
      id: notiflowId(i),
      name: i === 1 ? "Order Updates" : `Notiflow ${i}`,
      include_in_preferences: true,
      required: false,
      default_enabled: true,
      default_channel_types: i % 5 === 0 ? { sms: false } : {},
      deleted: false
    }
  })

/** Explicit choices with `n` notiflow entries (the seed's notiflow not among them). */
const choicesWith = (n, offset = 0) => ({
  channel_types: { sms: false, chat: true },
  notiflows: Object.fromEntries(
    Array.from({ length: n }, (_, k) => [
      notiflowId(2 + ((k + offset) % 49)),
      k % 2 === 0 ? { enabled: true, channel_types: { email: false } } : { channel_types: { sms: true } }
    ])
  )
})

/** Issue 11: three categories of a notiflow, a v2 global set, a tenant with defaults and a lock. */
const emptyV2 = { channel_types: {}, categories: {}, notiflows: {} }

const modelV2 = () => {
  const category = (i, channels = {}) => ({
    id: `category_${i}`,
    name: `Category ${i}`,
    include_in_preferences: true,
    default_enabled: true,
    default_channel_types: channels,
    deleted: false
  })
  const categories = [category(1), category(2), category(3, { push: false })]
  const global = {
    channel_types: { sms: false },
    categories: { category_1: { channel_types: { chat: false } }, category_3: { enabled: true } },
    notiflows: {}
  }
  const tenant = {
    channel_types: { chat: false },
    categories: { category_2: { channel_types: { email: false } }, category_3: { channel_types: { in_app: false } } },
    notiflows: {},
    locks: { channel_types: {}, categories: { category_3: { channel_types: { in_app: true } } }, notiflows: {} }
  }
  const tenantSet = { channel_types: {}, categories: { category_2: { channel_types: { email: true } } }, notiflows: {} }
  return {
    categories,
    globalScope: { global, tenantSet: undefined, tenant: undefined },
    tenantScope: { global, tenantSet, tenant }
  }
}

export const runDomainBenchmarks = async ({ time = 1000, warmupTime = 250 } = {}) => {
  const catalog = catalogOf(50)
  const byId = new Map(catalog.map((e) => [e.id, e]))
  const context = { audience: "admin", notiflow: (id) => byId.get(id) }
  const defaults = { channel_types: {} }
  const set = { version: 7, ...choicesWith(20) }
  const seedNotiflow = byId.get(SEED_NOTIFLOW)

  const batchIds = Array.from({ length: 1000 }, (_, k) => userId(k + 1))
  const stored = new Map(batchIds.map((id, k) => [id, k % 3 === 0 ? choicesWith(3, k) : { channel_types: {}, notiflows: {} }]))
  const lookup = (id) => stored.get(id)

  // Sanity: the measured calls do what they claim.
  const decoded = decodePatch(SEED_PATCH, context)
  if (!decoded.ok) throw new Error(`the seed patch does not decode: ${JSON.stringify(decoded.issues)}`)
  if (applyPatch(set, decoded.value) === set) throw new Error("the seed patch changes nothing on the benchmark set")
  if (Object.keys(view(set, catalog, defaults, "admin").notiflows).length !== 50) throw new Error("view does not list 50 notiflows")
  if (evaluateBatch(batchIds, lookup, seedNotiflow, defaults, CHANNEL_TYPES).length !== 1000) throw new Error("batch size")

  const v2 = modelV2()
  // email passes every category (the tenant default is overridden by the user×tenant set); the
  // whole chain of 3 categories is walked, the costliest path for a delivered decision.
  const v2Global = evaluateChannelV2(v2.globalScope, seedNotiflow, v2.categories, defaults, "email")
  const v2Tenant = evaluateChannelV2(v2.tenantScope, seedNotiflow, v2.categories, defaults, "email")
  if (!v2Global.deliver || !v2Tenant.deliver) throw new Error("evaluateChannelV2: email is not delivered on the benchmark sets")
  if (evaluateChannelV2(v2.tenantScope, seedNotiflow, v2.categories, defaults, "in_app").source !== "tenant_lock") throw new Error("the lock does not decide in_app")

  // The batch of `POST /admin/preferences/evaluate` (issue 11): 1,000 users, six channels, the
  // notiflow in 3 categories; every fourth user holds a user×tenant set (as the HTTP seed).
  const v2Users = batchIds.map((_, k) => ({ global: k % 3 === 0 ? v2.globalScope.global : emptyV2, tenantSet: k % 4 === 0 ? v2.tenantScope.tenantSet : emptyV2 }))
  const batchV2 = (tenant) => {
    const prepared = prepareEvaluation(tenant, seedNotiflow, v2.categories, defaults, CHANNEL_TYPES)
    let delivered = 0
    for (const u of v2Users) if (evaluatePrepared(prepared, u.global, tenant === undefined ? undefined : u.tenantSet).email.deliver) delivered++
    return delivered
  }
  if (batchV2(undefined) === 0 || batchV2(v2.tenantScope.tenant) === 0) throw new Error("evaluatePrepared: nothing delivered on the benchmark sets")

  let sink = 0
  const cases = [
    {
      name: "decodePatch + applyPatch (seed patch, 20 notiflow choices)",
      inner: 100,
      fn: () => {
        const d = decodePatch(SEED_PATCH, context)
        if (d.ok) sink ^= applyPatch(set, d.value).version
      }
    },
    { name: "view (catalog of 50 notiflows)", inner: 20, fn: () => (sink ^= Object.keys(view(set, catalog, defaults, "admin").notiflows).length) },
    { name: "evaluateChannel (one channel)", inner: 1000, fn: () => (sink ^= evaluateChannel(set, seedNotiflow, defaults, "email").deliver ? 1 : 0) },
    {
      name: "evaluateChannelV2 (3 categories, global scope)",
      inner: 1000,
      fn: () => (sink ^= evaluateChannelV2(v2.globalScope, seedNotiflow, v2.categories, defaults, "email").deliver ? 1 : 0)
    },
    {
      name: "evaluateChannelV2 (3 categories, tenant with defaults and a lock)",
      inner: 1000,
      fn: () => (sink ^= evaluateChannelV2(v2.tenantScope, seedNotiflow, v2.categories, defaults, "email").deliver ? 1 : 0)
    },
    {
      name: "evaluateBatch (1,000 users, all six channel types)",
      inner: 1,
      fn: () => (sink ^= evaluateBatch(batchIds, lookup, seedNotiflow, defaults, CHANNEL_TYPES).length)
    },
    { name: "evaluatePrepared batch v2 (1,000 users, six channels, 3 categories, global scope)", inner: 1, fn: () => (sink ^= batchV2(undefined)) },
    { name: "evaluatePrepared batch v2 (1,000 users, six channels, 3 categories, tenant)", inner: 1, fn: () => (sink ^= batchV2(v2.tenantScope.tenant)) }
  ]

  const bench = new Bench({ time, warmupTime })
  for (const c of cases) {
    const { fn, inner } = c
    bench.add(c.name, () => {
      for (let i = 0; i < inner; i++) fn()
    })
  }
  await bench.run()
  // Keep the results observable so no call can be optimised away.
  globalThis.__notiflowsBenchSink = sink
  return cases.map((c, i) => {
    const result = bench.tasks[i].result
    if (result?.latency === undefined) throw new Error(`${c.name}: ${result?.error ?? "no result"}`)
    const nsPerOp = (result.latency.mean * 1e6) / c.inner
    return {
      name: c.name,
      nsPerOp,
      opsPerSecond: 1e9 / nsPerOp,
      rmePercent: result.latency.rme,
      samples: result.latency.samplesCount ?? result.latency.samples?.length
    }
  })
}
