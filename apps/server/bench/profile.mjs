#!/usr/bin/env node
/**
 * Summarises V8 CPU profiles (`node --cpu-prof`) of the service: where the busy (non-idle) main
 * thread time went, by package and by function (self time).
 *
 *   BENCH_PARTS=postgres BENCH_KINDS=put BENCH_CONCURRENCY=16 \
 *   BENCH_SERVICE_NODE_ARGS=--cpu-prof,--cpu-prof-dir=/tmp/prof node apps/server/bench/run.mjs
 *   node apps/server/bench/profile.mjs /tmp/prof            # newest profile in the directory
 *   node apps/server/bench/profile.mjs /tmp/prof/CPU.….cpuprofile [top]
 *
 *   PROFILE_WINDOWS=/tmp/windows.json  only the samples inside these [start, end] µs windows of the
 *     monotonic clock (V8's profile clock and `process.hrtime` are both CLOCK_MONOTONIC on Linux; the
 *     bulk bench writes its jobs' windows there with BENCH_PROFILE_WINDOWS)
 *   PROFILE_INCLUSIVE=1  also the functions by inclusive time (on the stack)
 */
import * as fs from "node:fs"
import { SourceMap } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const [target, topArg] = process.argv.slice(2)
if (target === undefined) {
  process.stderr.write("usage: node apps/server/bench/profile.mjs <file.cpuprofile | directory> [top=25]\n")
  process.exit(2)
}
const top = Number(topArg ?? 25)
let file = target
if (fs.statSync(target).isDirectory()) {
  const files = fs
    .readdirSync(target)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(target, f))
    .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs)
  if (files.length === 0) throw new Error(`no .cpuprofile in ${target}`)
  file = files[files.length - 1]
}

const profile = JSON.parse(fs.readFileSync(file, "utf8"))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const windows = process.env.PROFILE_WINDOWS ? JSON.parse(fs.readFileSync(process.env.PROFILE_WINDOWS, "utf8")) : undefined
const inWindow = (t) => windows === undefined || windows.some(([a, b]) => t >= a && t <= b)
const selfTime = new Map()
let clock = profile.startTime
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0
  if (inWindow(clock)) selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
})

/**
 * A frame of a bundle (dist/main.js, one file of many sources: its `.map` beside it names them) as
 * the frame of the source it came from, so packages and functions are told apart as without the
 * bundle. Frames of other files stay as they are.
 */
const bundles = new Map()
const bundleOf = (url) => {
  if (!bundles.has(url)) {
    let map
    try {
      const payload = JSON.parse(fs.readFileSync(`${fileURLToPath(url)}.map`, "utf8"))
      if ((payload.sources?.length ?? 0) > 1) map = new SourceMap(payload)
    } catch {}
    bundles.set(url, map)
  }
  return bundles.get(url)
}
const originalFrames = new Map()
const original = (frame) => {
  if (!frame.url?.startsWith("file:") || frame.lineNumber < 0) return frame
  const map = bundleOf(frame.url)
  if (map === undefined) return frame
  const key = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}:${frame.functionName}`
  if (!originalFrames.has(key)) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber)
    originalFrames.set(
      key,
      entry?.originalSource === undefined
        ? frame
        : { ...frame, url: new URL(entry.originalSource, frame.url).href, lineNumber: entry.originalLine, columnNumber: entry.originalColumn }
    )
  }
  return originalFrames.get(key)
}

const groupOf = (frame) => {
  const url = frame.url ?? ""
  const pnpm = /node_modules\/\.pnpm\/((?:@[^+/]+\+)?[^@/]+)@/.exec(url)
  if (pnpm) return pnpm[1].replace("+", "/")
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (nm) return nm[1]
  const ws = /\/(packages|apps)\/([^/]+)\//.exec(url)
  if (ws) return `${ws[1]}/${ws[2]}`
  if (url.startsWith("node:")) return "node core (js)"
  if (url === "") return frame.functionName.startsWith("(") ? frame.functionName : `native: ${frame.functionName}`
  return url
}

let total = 0
let idle = 0
const groups = new Map()
const functions = new Map()
for (const [id, t] of selfTime) {
  const frame = original(nodes.get(id).callFrame)
  total += t
  if (frame.functionName === "(idle)") {
    idle += t
    continue
  }
  const g = groupOf(frame)
  groups.set(g, (groups.get(g) ?? 0) + t)
  const key = `${frame.functionName || "(anonymous)"}  ${(frame.url ?? "").replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(packages|apps)\//, "$1/")}:${frame.lineNumber + 1}`
  functions.set(key, (functions.get(key) ?? 0) + t)
}
const busy = total - idle
const pct = (t) => `${((t / busy) * 100).toFixed(1).padStart(5)}%`
const ms = (t) => `${(t / 1000).toFixed(0).padStart(7)} ms`
process.stdout.write(`${file}\nprofiled ${ms(total).trim()}, busy ${ms(busy).trim()} (${((busy / total) * 100).toFixed(0)}%); shares below are of busy time\n\nby package\n`)
for (const [g, t] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t)} ${ms(t)}  ${g}\n`)
process.stdout.write("\nby function (self time)\n")
for (const [f, t] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(t)} ${ms(t)}  ${f}\n`)
if (process.env.PROFILE_INCLUSIVE === "1") {
  const parent = new Map()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map()
  for (const [id, t] of selfTime) {
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const frame = original(nodes.get(at).callFrame)
      if (frame.functionName === "(idle)" || frame.functionName === "(root)") continue
      const key = `${frame.functionName || "(anonymous)"}  ${(frame.url ?? "").replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(packages|apps)\//, "$1/")}:${frame.lineNumber + 1}`
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + t)
    }
  }
  process.stdout.write("\nby function (inclusive)\n")
  for (const [f, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top * 2)) process.stdout.write(`${pct(t)} ${ms(t)}  ${f}\n`)
}
