/**
 * The replica part of `pnpm bench` (issue 15), driver side: forks `replicaChild.mjs` (its own
 * process, `--expose-gc`) against a running service and answers its measurements, or
 * `{failed}` when it did not finish.
 */
import { fork } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const childJs = path.join(path.dirname(fileURLToPath(import.meta.url)), "replicaChild.mjs")

/**
 * `spec`: `{url, secretKey, users, notiflows, seconds, samples, pollMs}`; `timeoutMs` bounds the
 * whole measurement (snapshot, three throughput runs, the staleness samples); `nodeArgs`, e.g.
 * `--cpu-prof`, go to the replica's process.
 */
export const measureReplica = (spec, timeoutMs, nodeArgs = []) =>
  new Promise((resolve) => {
    const child = fork(childJs, [], { execArgv: ["--expose-gc", ...nodeArgs], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    let settled = false
    const settle = (value) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(value)
    }
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      settle({ failed: `no answer within ${Math.round(timeoutMs / 1000)} s` })
    }, timeoutMs)
    child.on("message", (msg) => settle(msg.type === "result" ? msg.result : { failed: msg.message }))
    child.on("exit", (code) => settle({ failed: `the replica's process exited with ${code} before answering` }))
    child.send(spec)
  })

/** Targets of issue 15: judged on the one-channel global case, the snapshot and the staleness p99. */
export const REPLICA_TARGETS = {
  evaluatePerSecond: 1_000_000,
  snapshotMs: 15_000,
  stalenessP99Ms: 1_500
}
