/**
 * Child processes of the benchmark: spawn with a log file, wait for HTTP, stop, and read a
 * process's RSS and CPU time from /proc (Linux).
 */
import { spawn, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import * as net from "node:net"

/** A free TCP port on 127.0.0.1. */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

/**
 * Spawns `node <args>` with stdout and stderr appended to `logFile` (so the orchestrator's event
 * loop never carries the child's output).
 */
export const startNode = (name, args, { env, cwd, logFile }) => {
  const fd = fs.openSync(logFile, "a")
  const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", fd, fd] })
  fs.closeSync(fd)
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
  let done = false
  exited.then(() => (done = true))
  return { name, child, pid: child.pid, logFile, exited, get done() { return done } }
}

/** The last `n` lines of a log file (for error messages). */
export const tail = (file, n = 20) => {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n")
  } catch {
    return "(no log)"
  }
}

const probe = (url) =>
  new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume()
      res.on("end", () => resolve(res.statusCode))
    })
    req.on("timeout", () => req.destroy())
    req.on("error", () => resolve(undefined))
  })

/**
 * Waits until `url` answers HTTP (any status: the service listens only after its start-up work),
 * failing early when the process exits.
 */
export const waitHttp = async (proc, url, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.done) throw new Error(`${proc.name} exited before answering ${url}:\n${tail(proc.logFile)}`)
    const status = await probe(url)
    if (status !== undefined) return status
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms:\n${tail(proc.logFile)}`)
}

/** SIGTERM, then SIGKILL after `timeoutMs`. Resolves with the exit. */
export const stop = async (proc, timeoutMs = 20_000) => {
  if (proc.done) return proc.exited
  proc.child.kill("SIGTERM")
  const timer = setTimeout(() => {
    if (!proc.done) proc.child.kill("SIGKILL")
  }, timeoutMs)
  const result = await proc.exited
  clearTimeout(timer)
  return result
}

/** Resident set size of a process in bytes (0 when it is gone). */
export const rss = (pid) => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

let clockTicks
/** User + system CPU time of a process in milliseconds. */
export const cpuMs = (pid) => {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100
    } catch {
      return 100
    }
  })()
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks
  } catch {
    return 0
  }
}

/**
 * The machine's CPU time so far, all cores (`/proc/stat`'s first line, in clock ticks: user, nice,
 * system, idle, iowait, irq, softirq, steal; guest time is already in user and nice): `busy` is
 * every state but idle and iowait, so it holds every process on the machine and steal. Two
 * readings give the share of all cores busy between them.
 */
export const machineTicks = () => {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n", 1)[0]
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number)
    const total = t.reduce((a, b) => a + b, 0)
    return { busy: total - t[3] - t[4], total }
  } catch {
    return { busy: 0, total: 0 }
  }
}

/** The share of all cores busy between two {@link machineTicks} readings (undefined without /proc or a first reading). */
export const busyShare = (a, b) => (a !== undefined && b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : undefined)

/** Samples a process's RSS every `everyMs` until stopped; answers the peak and the last value. */
export const sampleRss = (pid, everyMs = 250) => {
  let peak = rss(pid)
  let last = peak
  const timer = setInterval(() => {
    last = rss(pid)
    if (last > peak) peak = last
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      const now = rss(pid)
      if (now > 0) last = now
      if (last > peak) peak = last
      return { peak, last }
    }
  }
}

/** A process and all its descendants (a `serve --workers N` primary and its workers), from /proc. */
export const processTree = (pid) => {
  const out = [pid]
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of fs.readdirSync(`/proc/${out[i]}/task`)) {
        const children = fs.readFileSync(`/proc/${out[i]}/task/${task}/children`, "utf8").trim()
        if (children !== "") out.push(...children.split(/\s+/).map(Number))
      }
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** {@link cpuMs} summed over the process tree. */
export const treeCpuMs = (pid) => processTree(pid).reduce((sum, p) => sum + cpuMs(p), 0)

/** {@link rss} summed over the process tree. */
export const treeRss = (pid) => processTree(pid).reduce((sum, p) => sum + rss(p), 0)

/** {@link sampleRss} of the whole process tree. */
export const sampleTreeRss = (pid, everyMs = 250) => {
  let peak = treeRss(pid)
  let last = peak
  const timer = setInterval(() => {
    last = treeRss(pid)
    if (last > peak) peak = last
  }, everyMs)
  return {
    stop: () => {
      clearInterval(timer)
      const now = treeRss(pid)
      if (now > 0) last = now
      if (last > peak) peak = last
      return { peak, last }
    }
  }
}

/** Waits until the log file holds `text` (a cluster primary announces itself once every worker listens). */
export const waitLog = async (proc, text, timeoutMs = 120_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.done) throw new Error(`${proc.name} exited:\n${tail(proc.logFile)}`)
    try {
      if (fs.readFileSync(proc.logFile, "utf8").includes(text)) return
    } catch {
      // not written yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${proc.name} did not log ${JSON.stringify(text)} within ${timeoutMs} ms:\n${tail(proc.logFile)}`)
}
