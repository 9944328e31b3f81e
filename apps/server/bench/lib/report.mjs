/**
 * Turns a run's results into the printed report and the markdown summary: the table, the ratios
 * to the baselines, the issue's targets and the validity verdict (a run with errors, timeouts or
 * non-2xx answers is not a result).
 */

import { f, MiB, pct, ratio, table, x } from "./format.mjs"
import { judgedConcurrency, pairMedian as pairsMedian } from "./pairs.mjs"
import { replicaSection } from "./replicaReport.mjs"

// autocannon counts timeouts among errors too.
const warmupBad = (c) => (c.warmup?.errors ?? 0) + (c.warmup?.non2xx ?? 0) > 0
const isBad = (c) => c.failed !== undefined || c.errors + c.non2xx > 0 || c.requests === 0 || warmupBad(c)

export const render = (results) => {
  const { cases, config, domain } = results
  const get = (database, system, kind, connections) =>
    cases.find((c) => c.database === database && c.system === system && c.kind === kind && c.connections === connections && c.failed === undefined)
  const sections = [] // [{title, text, md}]
  const add = (title, body) => sections.push({ title, ...body })
  const note = (title, s) => sections.push({ title, text: s, md: s })

  // ---- validity ----
  const bad = cases.filter(isBad)
  const replicaFailed = results.replica?.failed
  const valid = bad.length === 0 && replicaFailed === undefined
  const verdict = valid
    ? `Valid: no errors, timeouts or non-2xx answers in ${cases.length} load cases${results.replica ? "; the replica part ran" : ""}.`
    : `NOT A RESULT: ${bad.length} of ${cases.length} load cases had errors, timeouts, non-2xx answers or did not run:\n` +
      bad
        .map(
          (c) =>
            `  - ${c.database} ${c.label} ${c.kind} c=${c.connections}: ${
              c.failed ??
              (c.requests === 0
                ? "no response completed within the measured window"
                : `errors ${c.errors} (timeouts ${c.timeouts}), non-2xx ${c.non2xx} ${JSON.stringify(c.statusCodes)}; ` +
                  `warm-up: errors ${c.warmup?.errors ?? 0}, non-2xx ${c.warmup?.non2xx ?? 0} ${JSON.stringify(c.warmup?.statusCodes ?? {})}`)
            }`
        )
        .join("\n") +
      (replicaFailed === undefined ? "" : `\n  - replica: ${replicaFailed}`)
  const smoke = results.smoke
    ? "SMOKE RUN (shortened configuration): proves the harness works; the figures are not the benchmark.\n"
    : ""

  // ---- domain ----
  if (domain.length > 0) {
    add(
      "Domain micro-benchmarks",
      table(
        ["operation", "ops/s", "ns/op", "±%"],
        domain.map((d) => [d.name, f(d.opsPerSecond), f(d.nsPerOp), f(d.rmePercent, 1)]),
        ["l"]
      )
    )
  }

  // ---- load tables ----
  for (const database of ["postgres", "pglite"]) {
    const rows = cases.filter((c) => c.database === database)
    if (rows.length === 0) continue
    add(
      `HTTP load on ${database === "postgres" ? `PostgreSQL ${results.machine.postgres ?? ""}` : `PGlite ${results.machine.pglite ?? ""}`}`,
      table(
        ["system", "request", "conc", "req/s", "p50 ms", "p99 ms", "errors", "non-2xx", "decisions/s", "CPU µs/req", "RSS MiB"],
        rows.map((c) =>
          c.failed !== undefined
            ? [c.label, c.kind, c.connections, "NOT RUN", "-", "-", "-", "-", "-", "-", "-"]
            : [
                c.label,
                c.kind,
                c.connections,
                f(c.rps),
                f(c.latency.p50, 2),
                f(c.latency.p99, 2),
                f(c.errors),
                f(c.non2xx),
                c.kind.startsWith("evaluate") ? f(c.rps * config.batch) : "",
                f(c.serverCpuUsPerRequest),
                f(c.rssPeak / MiB)
              ]
        ),
        ["l", "l"]
      )
    )
  }

  // ---- ratios (PostgreSQL) ----
  const summary = { targets: [] }
  if (cases.some((c) => c.database === "postgres")) {
    /** The PostgreSQL cases a ratio compares, at one concurrency. */
    const at = (n) => ({
      put: get("postgres", "service", "put", n),
      a: get("postgres", "baseline-a", "put", n),
      b: get("postgres", "baseline-b", "put", n),
      c: get("postgres", "baseline-c", "put", n),
      r: get("postgres", "baseline-r", "put", n),
      g: get("postgres", "service", "get", n),
      d: get("postgres", "baseline-d", "get", n),
      ev: get("postgres", "service", "evaluate", n),
      e: get("postgres", "baseline-e", "evaluate", n),
      evt: get("postgres", "service", "evaluate-tenant", n),
      evl: get("postgres", "service", "evaluate-links", n),
      uns: get("postgres", "service", "unsubscribe", n),
      fd: get("postgres", "service", "feed", n),
      fb: get("postgres", "baseline-f", "feed", n)
    })
    const rows = config.concurrencies.map((n) => {
      const { put, a, b, c, r, g, d, ev, e, evt } = at(n)
      return [
        n,
        pct(ratio(put?.rps, a?.rps)),
        pct(ratio(put?.rps, b?.rps)),
        x(ratio(put?.rps, c?.rps)),
        pct(ratio(r?.rps, b?.rps)),
        pct(ratio(put?.rps, r?.rps)),
        x(ratio(put?.latency.p99, b?.latency.p99)),
        pct(ratio(g?.rps, d?.rps)),
        x(ratio(ev?.latency.p50, e?.latency.p50)),
        x(ratio(ev?.latency.p99, e?.latency.p99)),
        x(ratio(evt?.latency.p50, ev?.latency.p50)),
        x(ratio(ev?.rps, evt?.rps))
      ]
    })
    add(
      "Service as a ratio to the baselines (PostgreSQL)",
      table(
        ["conc", "PUT/(a) req/s", "PUT/(b) req/s", "PUT/(c) req/s", "(r)/(b) req/s", "PUT/(r) req/s", "PUT p99/(b) p99", "GET/(d) req/s", "evaluate p50/(e) p50", "evaluate p99/(e) p99", "tenant/global evaluate p50", "global/tenant evaluate req/s"],
        rows
      )
    )

    // ---- targets ----
    const n = judgedConcurrency(config)
    const { put, b, c, g, d, ev, e, evt, evl, uns, fd, fb } = at(n)
    const linksP50 = ratio(evl?.latency.p50, ev?.latency.p50)
    const oneClick = ratio(uns?.rps, b?.rps)
    const putCases = cases.filter((k) => k.database === "postgres" && k.system === "service" && k.kind === "put")
    const decodeApply = domain.find((k) => k.name.startsWith("decodePatch"))
    const evalOne = domain.find((k) => k.name.startsWith("evaluateChannel ("))
    const evalV2 = domain.filter((k) => k.name.startsWith("evaluateChannelV2"))
    const pairs = results.tenantInterleaved ?? []
    const tenantPairs = pairsMedian(pairs, "ratio")
    const pairMedian = tenantPairs?.value
    const pairRatios = [...(tenantPairs?.all ?? [])].sort((a, b) => a - b)
    const tenantP50 = pairMedian ?? ratio(evt?.latency.p50, ev?.latency.p50)
    const tenantName =
      pairMedian === undefined
        ? "batch evaluate in a tenant p50 vs global p50 (issue 11)"
        : `batch evaluate in a tenant p50 vs global p50, median of ${pairs.length} back-to-back pairs (${pairRatios.map((r) => r.toFixed(2)).join(", ")}) (issue 11)`
    const feedP50 = ratio(fd?.latency.p50, fb?.latency.p50)
    const check = (name, value, shown, target, ok) => {
      const status = value === undefined ? "n/a" : ok(value) ? "PASS" : "MISS"
      summary.targets.push({ name, value, status, target })
      return [name, shown, target, status]
    }
    // Issue 16's ratios to (b), (c), (d): judged on the back-to-back pairs' median when the run has
    // pairs (lib/pairs.mjs), else on the sequential cases at concurrency n.
    const ratioPairs = results.ratioPairs ?? {}
    const judged = (pairName, key, sequential, show) => {
      const m = pairsMedian(ratioPairs[pairName], key)
      if (m === undefined) return { value: sequential, shown: show(sequential), how: "" }
      const each = m.all.map((v) => show(v)).join(", ")
      return {
        value: m.value,
        shown: `${show(m.value)} (sequential cases: ${show(sequential)})`,
        how: `, median of ${m.all.length} back-to-back pairs (${each})${m.reused ? ", tokens reused" : ""}`
      }
    }
    const putB = judged("put-b", "rps", ratio(put?.rps, b?.rps), pct)
    const putC = judged("put-c", "rps", ratio(put?.rps, c?.rps), x)
    const putP99 = judged("put-b", "p99", ratio(put?.latency.p99, b?.latency.p99), x)
    const putCpu = judged("put-b", "cpu", ratio(put?.serverCpuUsPerRequest, b?.serverCpuUsPerRequest), x)
    const getD = judged("get-d", "rps", ratio(g?.rps, d?.rps), pct)
    const getCpu = judged("get-d", "cpu", ratio(g?.serverCpuUsPerRequest, d?.serverCpuUsPerRequest), x)
    const oneClickJ = judged("unsubscribe-b", "rps", oneClick, pct)
    const putErrors = putCases.length === 0 ? undefined : putCases.reduce((s, k) => s + (k.failed ? 1 : k.errors + k.non2xx), 0)
    const cpuShare = decodeApply && put?.serverCpuUsPerRequest > 0 ? (decodeApply.nsPerOp / 1000) / put.serverCpuUsPerRequest : undefined
    add(
      `Targets (issues 6, 11 and 16), judged at concurrency ${n} on PostgreSQL`,
      table(
        ["target", "measured", "goal", "status"],
        [
          check(`PUT req/s vs (b)${putB.how}`, putB.value, putB.shown, ">= 50%", (v) => v >= 0.5),
          check(`PUT req/s vs (c)${putC.how}`, putC.value, putC.shown, ">= 1.5x", (v) => v >= 1.5),
          check(`PUT p99 vs (b) p99${putP99.how}`, putP99.value, putP99.shown, "<= 2x", (v) => v <= 2),
          check(`PUT server CPU/request vs (b)'s (issue 16)${putCpu.how}`, putCpu.value, putCpu.shown, "<= 2.5x", (v) => v <= 2.5),
          check("PUT errors + non-2xx (all concurrencies)", putErrors, f(putErrors), "0", (v) => v === 0),
          check(`GET req/s vs (d)${getD.how}`, getD.value, getD.shown, ">= 60%", (v) => v >= 0.6),
          check(`GET server CPU/request vs (d)'s (issue 16)${getCpu.how}`, getCpu.value, getCpu.shown, "<= 2x", (v) => v <= 2),
          check("batch evaluate p50 vs (e) p50 (issue 16; issue 6 asked 3x)", ratio(ev?.latency.p50, e?.latency.p50), x(ratio(ev?.latency.p50, e?.latency.p50)), "<= 1.5x", (v) => v <= 1.5),
          check(
            "decodePatch+applyPatch share of PUT server CPU/request",
            cpuShare,
            cpuShare === undefined ? "-" : `${pct(cpuShare)} (${f(decodeApply.nsPerOp / 1000, 1)} of ${f(put.serverCpuUsPerRequest)} µs)`,
            "< 10%",
            (v) => v < 0.1
          ),
          check("evaluateChannel (one channel)", evalOne?.nsPerOp, evalOne ? `${f(evalOne.nsPerOp)} ns` : "-", "< 1,000 ns", (v) => v < 1000),
          // Issue 11: model v2 (3 categories per notiflow).
          check(tenantName, tenantP50, x(tenantP50), "<= 1.2x", (v) => v <= 1.2),
          ...evalV2.map((k) => check(`${k.name} (issue 11)`, k.nsPerOp, `${f(k.nsPerOp)} ns`, "< 1,000 ns", (v) => v < 1000)),
          // Issue 16's rows for LINKS.md.
          check("batch evaluate with both links p50 vs without (issue 16)", linksP50, x(linksP50), "<= 1.3x", (v) => v <= 1.3),
          check(`one-click POST /l/unsubscribe req/s vs (b) (issue 16)${oneClickJ.how}`, oneClickJ.value, oneClickJ.shown, ">= 50%", (v) => v >= 0.5),
          check("feed GET /admin/events?limit=1000 p50 vs (f) p50 (issue 16)", feedP50, x(feedP50), "<= 2x", (v) => v <= 2)
        ],
        ["l", "r", "r", "l"]
      )
    )

    // ---- serve --workers N (issue 16) ----
    const counts = (config.workers ?? []).filter((w) => w > 1)
    if (counts.length > 0) {
      const kinds = config.kinds.filter((k) => k === "put" || k === "get")
      const rows = []
      for (const w of counts)
        for (const kind of kinds)
          for (const conc of config.concurrencies) {
            const one = get("postgres", "service", kind, conc)
            const many = get("postgres", `service-w${w}`, kind, conc)
            // 1 / the one-worker case's busy share: the gain at which every core would be busy if
            // all busy time grew with the request rate.
            const ceiling = ratio(1, one?.machineBusy)
            rows.push([
              w, kind, conc, f(one?.rps), f(many?.rps), x(ratio(many?.rps, one?.rps)), f(one?.serverCpuUsPerRequest), f(many?.serverCpuUsPerRequest), f(many?.latency.p99, 2),
              pct(one?.machineBusy), pct(many?.machineBusy), x(ceiling)
            ])
          }
      const busyNote =
        "Machine busy: the share of all cores not idle or in iowait during the case's measured window (/proc/stat: every process on the machine, mostly the service, PostgreSQL and the load generator, plus irq, softirq and steal). Ceiling = 1 / the one-worker busy share: the gain at which all cores would be busy if all busy time grew with the request rate and no process's CPU per request grew. Fixed load (other processes, steal, pollers) makes the real limit somewhat higher; the extra workers' own fixed load makes it lower. The one-worker case is the sequential one, not run back to back with the N-worker case; at concurrency 1 throughput is bound by latency, not CPU, and the ceiling means little there."
      const workersTable = table(
        ["workers", "request", "conc", "1 worker req/s", "N workers req/s", "ratio", "1 worker CPU µs/req", "N workers CPU µs/req", "N workers p99 ms", "machine busy, 1 worker", "machine busy, N workers", "ceiling (1 / busy)"],
        rows,
        ["r", "l"]
      )
      add("serve --workers N vs one process (PostgreSQL; the load generator and PostgreSQL share the same cores)", {
        text: `${workersTable.text}\n${busyNote}`,
        md: `${workersTable.md}\n\n${busyNote}`
      })
      const w2 = counts.includes(2) ? 2 : counts[0]
      const ratioAt = (kind) => ratio(get("postgres", `service-w${w2}`, kind, n)?.rps, get("postgres", "service", kind, n)?.rps)
      add(
        `Targets (issue 16), judged at concurrency ${n} on PostgreSQL`,
        table(
          ["target", "measured", "goal", "status"],
          kinds.map((kind) => check(`${kind.toUpperCase()} req/s, ${w2} workers vs 1`, ratioAt(kind), x(ratioAt(kind)), ">= 1.2x", (v) => v >= 1.2)),
          ["l", "r", "r", "l"]
        )
      )
    }
  }

  // ---- PGlite vs bare ----
  if (cases.some((c) => c.database === "pglite")) {
    const bareOf = { put: "bare-b", get: "bare-d", evaluate: "bare-e", feed: "bare-f" }
    const rows = []
    for (const kind of config.kinds) {
      for (const n of config.concurrencies) {
        const s = get("pglite", "service", kind, n)
        const b = get("pglite", bareOf[kind], kind, n)
        rows.push([kind, n, f(s?.rps), f(b?.rps), pct(ratio(s?.rps, b?.rps)), f(s?.latency.p99, 2), f(b?.latency.p99, 2)])
      }
    }
    add(
      "PGlite: service vs a bare PGlite process holding the same data (no ratio target)",
      table(["request", "conc", "service req/s", "bare req/s", "service/bare", "service p99 ms", "bare p99 ms"], rows, ["l"])
    )
    if (config.kinds.includes("evaluate-tenant")) {
      const tenantRows = config.concurrencies.map((n) => {
        const ev = get("pglite", "service", "evaluate", n)
        const evt = get("pglite", "service", "evaluate-tenant", n)
        return [n, f(ev?.latency.p50, 2), f(evt?.latency.p50, 2), x(ratio(evt?.latency.p50, ev?.latency.p50)), x(ratio(ev?.rps, evt?.rps))]
      })
      add(
        "PGlite: batch evaluate in a tenant vs without (issue 11's 1.2x is judged on PostgreSQL)",
        table(["conc", "global p50 ms", "tenant p50 ms", "tenant/global p50", "global/tenant req/s"], tenantRows)
      )
    }
    const peak = (system) => Math.max(0, ...cases.filter((c) => c.database === "pglite" && c.system.startsWith(system) && c.rssPeak).map((c) => c.rssPeak))
    const idle = results.memory.pglite ?? {}
    summary.pgliteMemory = { serviceFresh: idle.serviceFresh, serviceIdle: idle.serviceIdle, bareIdle: idle.bareIdle, servicePeak: peak("service"), barePeak: peak("bare") }
    // Issue 16: right after start, no higher than before wave 2 (about 860 MiB fresh, 361 MiB existing).
    const memCheck = (name, value, before) => {
      const status = value === undefined ? "n/a" : value / MiB <= before ? "PASS" : "MISS"
      summary.targets.push({ name, value, status, target: `<= ${before} MiB` })
      return [name, f(value / MiB), `<= ${before} MiB (before wave 2)`, status]
    }
    add(
      "PGlite memory (RSS)",
      table(
        ["process", "idle MiB", "peak under load MiB"],
        [
          ["service", f(idle.serviceIdle / MiB), f(summary.pgliteMemory.servicePeak / MiB)],
          ["bare PGlite", f(idle.bareIdle / MiB), f(summary.pgliteMemory.barePeak / MiB)]
        ],
        ["l"]
      )
    )
    add(
      "Target (issue 16): PGlite service RSS right after start",
      table(
        ["target", "measured MiB", "goal", "status"],
        [memCheck("fresh data directory (created and migrated)", idle.serviceFresh, 860), memCheck("existing data directory (seeded)", idle.serviceIdle, 361)],
        ["l", "r", "r", "l"]
      )
    )
  }

  // ---- the replica (issue 15) ----
  const replica = replicaSection(results.replica, config)
  sections.push(...replica.sections)
  summary.targets.push(...replica.targets)

  const m = results.machine
  const header =
    `Run ${results.startedAt}${results.git ? ` at ${results.git.commit}${results.git.dirty ? " (uncommitted changes)" : ""}` : ""}; ` +
    `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}` +
    `${m.postgres ? `, PostgreSQL ${m.postgres}` : ""}${m.pglite ? `, PGlite ${m.pglite}` : ""}; load average at start ${m.loadAverageAtStart.join(" ")}.\n` +
    `${config.duration} s per case after a ${config.warmup} s warm-up; concurrency ${config.concurrencies.join(", ")}; ` +
    `${f(config.users)} users, ${config.notiflows} notiflows, evaluate batches of ${f(config.batch)}; pool size ${config.poolSize}; service LOG_LEVEL=${config.logLevel}.`

  const text = [smoke + verdict, header, ...sections.map((s) => `${s.title}\n${s.text}`)].join("\n\n")
  const markdown =
    [
      `# Benchmark ${results.startedAt}${results.smoke ? " (smoke run)" : ""}`,
      header,
      `**${smoke.trim()}${smoke ? " " : ""}${verdict.split("\n")[0]}**${valid ? "" : `\n\n${verdict.split("\n").slice(1).join("\n")}`}`,
      ...sections.map((s) => `## ${s.title}\n\n${s.md}`)
    ].join("\n\n") + "\n"
  return { text, markdown, valid, summary }
}
