/**
 * A TCP proxy the test controls, between the service and PostgreSQL: `cut("refused")` destroys
 * every piped connection and stops listening (new connects are refused), `cut("blackholed")`
 * destroys every piped connection and then accepts new ones without ever forwarding a byte (the
 * peer just stops answering), `cut("stalled")` keeps every piped connection open but stops
 * forwarding on them (a network partition: no FIN, no RST, just silence) and holds new ones like
 * "blackholed"; `restore()` pipes again (stalled connections resume where they stopped).
 */
import * as net from "node:net"

export type CutMode = "refused" | "blackholed" | "stalled"

export interface TcpProxy {
  /** The port the proxy listens on (stable across cuts). */
  readonly port: number
  /** Rewrites a postgres:// URL to go through the proxy. */
  readonly via: (url: string) => string
  readonly cut: (mode: CutMode) => Promise<void>
  readonly restore: () => Promise<void>
  /** Connections accepted so far (piped or blackholed). */
  readonly accepted: () => number
  readonly close: () => Promise<void>
}

export const startProxy = async (target: { host: string; port: number } = { host: "127.0.0.1", port: 5432 }): Promise<TcpProxy> => {
  let mode: "open" | CutMode = "open"
  let accepted = 0
  const sockets = new Set<net.Socket>()
  const pairs = new Set<readonly [net.Socket, net.Socket]>()
  const held = new Set<net.Socket>()
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.once("close", () => sockets.delete(socket))
    socket.on("error", () => socket.destroy())
  }
  const destroyAll = () => {
    for (const socket of sockets) socket.destroy()
    sockets.clear()
  }

  const server = net.createServer((client) => {
    accepted++
    track(client)
    if (mode === "blackholed" || mode === "stalled") {
      // accepted, never forwarded, never answered
      held.add(client)
      client.once("close", () => held.delete(client))
      return
    }
    if (mode !== "open") return void client.destroy()
    const upstream = net.connect(target.port, target.host)
    track(upstream)
    const pair = [client, upstream] as const
    pairs.add(pair)
    client.pipe(upstream)
    upstream.pipe(client)
    client.once("close", () => (pairs.delete(pair), upstream.destroy()))
    upstream.once("close", () => (pairs.delete(pair), client.destroy()))
  })

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject)
        resolve()
      })
    })
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))

  await listen(0)
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    via: (url) => {
      const u = new URL(url)
      u.hostname = "127.0.0.1"
      u.port = String(port)
      return u.toString()
    },
    cut: async (next) => {
      mode = next
      if (next === "refused") {
        // Closing the listener makes the kernel refuse new connects (nothing else binds the port).
        const closed = stopListening()
        destroyAll()
        await closed
      } else if (next === "blackholed") {
        destroyAll()
        if (!server.listening) await listen(port)
      } else {
        for (const [client, upstream] of pairs) {
          client.unpipe(upstream)
          upstream.unpipe(client)
          client.pause()
          upstream.pause()
        }
        if (!server.listening) await listen(port)
      }
    },
    restore: async () => {
      mode = "open"
      for (const socket of held) socket.destroy() // their clients gave up on them already
      held.clear()
      for (const [client, upstream] of pairs) {
        client.pipe(upstream)
        upstream.pipe(client)
      }
      if (!server.listening) await listen(port)
    },
    accepted: () => accepted,
    close: async () => {
      const closed = stopListening()
      destroyAll()
      await closed
    }
  }
}
