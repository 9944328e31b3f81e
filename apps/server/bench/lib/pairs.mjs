/**
 * Issue 16's ratios to the raw baselines, measured as back-to-back pairs (since 2026-12-01, the
 * tenth session): the service's case and its baseline's case run one right after the other at the
 * concurrency the targets are judged at, `config.ratioPairs` times, alternating which goes first; the report judges
 * the median of the pairs' ratios (as issue 11's tenant ratio, `interleavedTenant` in run.mjs; both run
 * on {@link backToBack}).
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
 * Where the report judges the targets: the target concurrency, or the nearest one the run has.
 */
export const judgedConcurrency = (config) =>
  config.concurrencies.includes(config.targetConcurrency)
    ? config.targetConcurrency
    : config.concurrencies.reduce((best, c) => (Math.abs(c - config.targetConcurrency) < Math.abs(best - config.targetConcurrency) ? c : best))

/**
 * Two cases back to back, `count` times, alternating which runs first (`a` in even pairs), both
 * processes idle before each run. A side is `{target, kind, system, label(i), before?(target),
 * after?(target, result)}`. Every run is kept as a case, so its errors count against the run's
 * validity; a run that throws becomes a failed case (the run is then NOT A RESULT) and drops its
 * pair. Answers `[{a, b, first, index}]` (the two results) for the pairs that ran whole.
 */
export const backToBack = async ({ a, b, count, concurrency, runLoad, waitIdle, cases, log }) => {
  const pairs = []
  for (let i = 0; i < count; i++) {
    const order = i % 2 === 0 ? [["a", a], ["b", b]] : [["b", b], ["a", a]]
    const got = {}
    for (const [name, side] of order) {
      const base = { database: "postgres", system: side.system, label: side.label(i), kind: side.kind, connections: concurrency, ...side.extra }
      try {
        await side.before?.(side.target)
        await waitIdle(a.target.proc.pid)
        if (b.target !== a.target) await waitIdle(b.target.proc.pid)
        const r = await runLoad(side.target, side.kind, concurrency)
        side.after?.(side.target, r)
        cases.push({ ...base, ...r })
        got[name] = r
      } catch (error) {
        cases.push({ ...base, failed: String(error?.message ?? error) })
        log(`  ${base.label} FAILED: ${error?.message ?? error}`)
        break
      }
    }
    if (got.a !== undefined && got.b !== undefined) pairs.push({ a: got.a, b: got.b, first: order[0][0], index: i })
  }
  return pairs
}

/**
 * Runs the ratio pairs (the baseline is side `a`); answers `{[name]: [{rps, p99, cpu, first}]}`,
 * each a service/baseline ratio of one pair (req/s, p99 latency, server CPU per request). The
 * cases are `pair-service` and `pair-baseline-<letter>`.
 */
export const runRatioPairs = async ({ service, baselines, config, concurrency, runLoad, waitIdle, ensureTokens, cases, log, fmt, names }) => {
  const out = {}
  for (const p of wanted(config)) {
    const baseline = baselines[p.letter]
    if (baseline === undefined) continue
    // The one-click spends tokens: minted once, then the cursor moves past each run's.
    const tokens = (kind) => (kind === "unsubscribe" ? { before: ensureTokens, after: (target, r) => (target.tokenCursor += r.sent) } : {})
    const runs = await backToBack({
      a: { target: baseline, kind: p.baselineKind, system: `pair-baseline-${p.letter}`, label: (i) => `${names[p.letter]}, ${p.name} pair ${i + 1}`, extra: { pair: p.name }, ...tokens(p.baselineKind) },
      b: { target: service, kind: p.serviceKind, system: "pair-service", label: (i) => `service, ${p.name} pair ${i + 1}`, extra: { pair: p.name }, ...tokens(p.serviceKind) },
      count: config.ratioPairs,
      concurrency,
      runLoad,
      waitIdle,
      cases,
      log
    })
    out[p.name] = runs.map(({ a: b, b: s, first, index }) => {
      const pair = { rps: s.rps / b.rps, p99: s.latency.p99 / b.latency.p99, cpu: s.serverCpuUsPerRequest / b.serverCpuUsPerRequest, first: first === "a" ? "baseline" : "service" }
      // A one-click pair past the last minted token reuses tokens whose leaf is already off.
      if (p.serviceKind === "unsubscribe") pair.tokensReused = service.tokenCursor > config.users
      log(
        `  ${p.name} pair ${index + 1} (${pair.first} first): req/s ${fmt(s.rps)} vs ${fmt(b.rps)} = ${fmt(100 * pair.rps)}%, ` +
          `p99 ${fmt(pair.p99, 2)}x, CPU/request ${fmt(pair.cpu, 2)}x${pair.tokensReused ? " (tokens reused)" : ""}`
      )
      return pair
    })
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
