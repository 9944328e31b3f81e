/**
 * EVENTS.md §4.3, no two attempts of one delivery at once: the engine sends an attempt only while
 * its lease outlives the attempt's whole timeout plus SEND_MARGIN_MS; otherwise it gives the
 * attempt back unsent and records nothing. With enough lease left it sends and records once.
 */
import * as Effect from "effect/Effect"
import pino from "pino"
import { afterAll, describe, expect, it } from "vitest"
import type { ClaimedDelivery, Database } from "@notiflows/adapters-drizzle"
import { DrizzleDatabase } from "@notiflows/adapters-drizzle"
import type { ProjectId } from "@notiflows/domain"
import type { RecordAttempt } from "../../src/webhooks/Engine.js"
import { attempt, SEND_MARGIN_MS } from "../../src/webhooks/Engine.js"
import { startReceiver } from "./receiver.js"

const receiver = await startReceiver(() => ({ status: 204 }))
afterAll(() => receiver.close())

const settings = { allowPrivate: true, timeScale: 1, timeoutSeconds: 2, disableAfterDays: 5 }
const claimed = (leaseUntil: number): ClaimedDelivery => ({
  projectId: "00000000-0000-7000-8000-000000000001" as ProjectId,
  id: "00000000-0000-7000-8000-000000000002",
  webhookId: "00000000-0000-7000-8000-000000000003",
  eventId: "00000000-0000-7000-8000-000000000004",
  trigger: "test",
  attempt: 1,
  url: receiver.url,
  secrets: [`whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`],
  body: '{"id":"e"}',
  startedAt: new Date(),
  leaseUntil
})

const run = (d: ClaimedDelivery) => {
  const recorded: Array<unknown> = []
  let givenBack = 0
  const record: RecordAttempt = (f) => Effect.sync(() => void recorded.push(f)).pipe(Effect.as(null))
  const giveBack = Effect.sync(() => void givenBack++)
  // The attempt reads the database only to disable an endpoint, which a test ping never does.
  return Effect.runPromise(
    attempt(settings, record, d, pino({ level: "silent" }), giveBack).pipe(Effect.provideService(DrizzleDatabase, {} as Database), Effect.as({ recorded, givenBack: () => givenBack }))
  )
}

describe("an attempt is sent only while its lease outlives its timeout", () => {
  it("too little lease left: given back, not sent, nothing recorded", async () => {
    const before = receiver.received.length
    const result = await run(claimed(Date.now() + settings.timeoutSeconds * 1000 + SEND_MARGIN_MS - 200))
    expect(result.givenBack()).toBe(1)
    expect(result.recorded).toHaveLength(0)
    expect(receiver.received.length).toBe(before)
  })

  it("enough lease left: sent once and recorded, not given back", async () => {
    const before = receiver.received.length
    const result = await run(claimed(Date.now() + settings.timeoutSeconds * 1000 + SEND_MARGIN_MS + 2_000))
    expect(result.givenBack()).toBe(0)
    expect(result.recorded).toHaveLength(1)
    expect(receiver.received.length).toBe(before + 1)
  })
})
