/**
 * Streamed replies (Send.ts), deterministically with a stand-in response: the next chunk is
 * produced only after the previous one was taken (`drain` after a full buffer), a closed
 * connection stops the stream, and a failure after the first byte destroys the socket.
 */
import { EventEmitter } from "node:events"
import type { Request, Response } from "express"
import { describe, expect, it } from "vitest"
import { ConnectionClosed, sendReply } from "../src/internal/Send.js"

/** A response whose `write` reports a full buffer until the test emits `drain`. */
const fakeResponse = () => {
  const res = new EventEmitter() as EventEmitter & Record<string, unknown>
  const written: Array<string> = []
  Object.assign(res, {
    headersSent: false,
    destroyed: false,
    writableEnded: false,
    statusCode: 0,
    headers: {} as Record<string, string>,
    setHeader: (k: string, v: string) => ((res["headers"] as Record<string, string>)[k] = v),
    write: (chunk: string) => {
      written.push(chunk)
      return false
    },
    end: () => {
      res["writableEnded"] = true
    },
    destroy: () => {
      res["destroyed"] = true
      res.emit("close")
    }
  })
  return { res: res as unknown as Response & EventEmitter, written }
}

const get = { method: "GET" } as Request
const tick = () => new Promise((resolve) => setImmediate(resolve))

describe("streamed replies", () => {
  it("produces the next chunk only after the previous one drained", async () => {
    const { res, written } = fakeResponse()
    const produced: Array<number> = []
    const done = sendReply(get, res, {
      status: 200,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      stream: async (write) => {
        for (let i = 0; i < 3; i++) {
          produced.push(i)
          await write(`chunk${i}`)
        }
      }
    }, {})
    await tick()
    expect(produced).toEqual([0])
    expect(written).toEqual(["chunk0"])
    res.emit("drain")
    await tick()
    expect(produced).toEqual([0, 1])
    res.emit("drain")
    await tick()
    res.emit("drain")
    await done
    expect(written).toEqual(["chunk0", "chunk1", "chunk2"])
    expect((res as unknown as { writableEnded: boolean }).writableEnded).toBe(true)
    expect((res as unknown as { headers: Record<string, string> }).headers["Content-Length"]).toBeUndefined()
  })

  it("a closed connection stops the stream (ConnectionClosed); a failure destroys the socket", async () => {
    const closed = fakeResponse()
    const errors: Array<unknown> = []
    let after = false
    const done = sendReply(get, closed.res, {
      status: 200,
      stream: async (write) => {
        await write("first")
        after = true
      }
    }, {}, (e) => errors.push(e))
    await tick()
    closed.res.emit("close")
    await done
    expect(after).toBe(false)
    expect(errors[0]).toBeInstanceOf(ConnectionClosed)

    const failing = fakeResponse()
    const failures: Array<unknown> = []
    await sendReply(get, failing.res, {
      status: 200,
      stream: async () => {
        throw new Error("database down")
      }
    }, {}, (e) => failures.push(e))
    expect(failures).toHaveLength(1)
    expect((failing.res as unknown as { destroyed: boolean }).destroyed).toBe(true)
    expect((failing.res as unknown as { writableEnded: boolean }).writableEnded).toBe(false)
  })
})
