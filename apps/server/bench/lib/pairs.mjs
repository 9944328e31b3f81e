/**
 * Issue 16's ratios to the raw baselines, measured as back-to-back pairs (since 2026-12-01, the
 * tenth session): the service's case and its baseline's case run one right after the other at the
 * concurrency the targets are judged at, `config.ratioPairs` times, alternating which goes first; the report judges
 * the median of the pairs' ratios (as issue 11's tenant ratio, `interleavedTenant` in run.mjs).
 *
 * Why: the sequential cases of a kind run minutes apart (every baseline at three concurrencies,
 * then the service), and this host's speed drifts between them: two full runs of the same code,
 * 50 minutes apart, measured PUT vs (b) at 24% and 46% (docs/performance.md, ninth session).
 * A pair shares the host's minute. The sequential cases stay in the report, as before.
 *
 * The baselines a pair needs are kept running (idle) from their own cases until the pairs are done.
 */

/** Each judged ratio: the service's request kind against a baseline letter's. */
export const RATIO_PAIRS = [
  { name: "put-b", serviceKind: "put", letter: "b", baselineKind: "put" },
  { name: "put-c", serviceKind: "put", letter: "c", baselineKind: "put" },
  { name: "get-d", serviceKind: "get", letter: "d", baselineKind: "get" },
  // The one-click's yardstick is (b)'s PUT (LINKS.md's write against the raw one-statement write).
  { name: "unsubscribe-b", serviceKind: "unsubscribe", letter: "b", baselineKind: "put" }
]

const wanted = (config) => (config.ratioPairs > 0 ? RATIO_PAIRS.filter((p) => config.kinds.includes(p.serviceKind) && config.kinds.includes(p.baselineKind)) : [])

/** The baseline letters to keep running for the pairs. */
export const pairedLetters = (config) => new Set(wanted(config).map((p) => p.letter))

/**
 * Runs the pairs; answers `{[name]: [{rps, p99, cpu, first}]}`, each a service/baseline ratio of
 * one pair (req/s, p99 latency, server CPU per request). Every run is kept as a case
 * (`pair-service`, `pair-baseline-<letter>`), so its errors count against the run's validity.
 */
export const runRatioPairs = async ({ service, baselines, config, concurrency, runLoad, waitIdle, ensureTokens, cases, log, fmt, names }) => {
  const out = {}
  for (const p of wanted(config)) {
    const baseline = baselines[p.letter]
    if (baseline === undefined) continue
    const pairs = []
    for (let i = 0; i < config.ratioPairs; i++) {
      const order = i % 2 === 0 ? ["baseline", "service"] : ["service", "baseline"]
      const got = {}
      for (const side of order) {
        const target = side === "service" ? service : baseline
        const kind = side === "service" ? p.serviceKind : p.baselineKind
        const label = `${side === "service" ? "service" : names[p.letter]}, ${p.name} pair ${i + 1}`
        const base = { database: "postgres", system: side === "service" ? "pair-service" : `pair-baseline-${p.letter}`, label, kind, connections: concurrency, pair: p.name }
        try {
          if (kind === "unsubscribe") await ensureTokens(target)
          // Both sides idle: nothing left over from the previous run of either.
          await waitIdle(service.proc.pid)
          await waitIdle(baseline.proc.pid)
          const r = await runLoad(target, kind, concurrency)
          if (kind === "unsubscribe") target.tokenCursor += r.sent
          cases.push({ ...base, ...r })
          got[side] = r
        } catch (error) {
          // A failed case makes the run NOT A RESULT (the report's validity); the pair is dropped.
          cases.push({ ...base, failed: String(error?.message ?? error) })
          log(`  ${label} FAILED: ${error?.message ?? error}`)
          break
        }
      }
      if (got.service === undefined || got.baseline === undefined) continue
      const s = got.service
      const b = got.baseline
      const pair = { rps: s.rps / b.rps, p99: s.latency.p99 / b.latency.p99, cpu: s.serverCpuUsPerRequest / b.serverCpuUsPerRequest, first: order[0] }
      // A one-click pair past the last minted token reuses tokens whose leaf is already off.
      if (p.serviceKind === "unsubscribe") pair.tokensReused = service.tokenCursor > config.users
      pairs.push(pair)
      log(
        `  ${p.name} pair ${i + 1} (${order[0]} first): req/s ${fmt(s.rps)} vs ${fmt(b.rps)} = ${fmt(100 * pair.rps)}%, ` +
          `p99 ${fmt(pair.p99, 2)}x, CPU/request ${fmt(pair.cpu, 2)}x${pair.tokensReused ? " (tokens reused)" : ""}`
      )
    }
    out[p.name] = pairs
  }
  return out
}

/** The median of the pairs' `key` ratios, and each pair's, for the report; `undefined` without pairs. */
export const pairMedian = (pairs, key) => {
  if (pairs === undefined || pairs.length === 0) return undefined
  const all = pairs.map((p) => p[key])
  const sorted = [...all].sort((a, b) => a - b)
  const half = sorted.length >> 1
  const value = sorted.length % 2 === 1 ? sorted[half] : (sorted[half - 1] + sorted[half]) / 2
  return { value, all, reused: pairs.some((p) => p.tokensReused) }
}
