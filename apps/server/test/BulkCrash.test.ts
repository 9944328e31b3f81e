/**
 * BULK.md §1.2 with real processes on PostgreSQL: a 1,000-item job whose running instance is
 * `kill -9`ed mid-job finishes on the other instance, within twice the claim time, with every
 * item applied exactly once: 1,000 versions at 1, 1,000 ledger entries and 1,000
 * `preferences.updated` (source bulk, the submit's request id), one `bulk_job.completed`.
 */
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Service } from "./support.js"
import { client, postgresAvailable, randomKey, startService, throwawayDatabase } from "./support.js"

const available = await postgresAvailable()
const USERS = 1000
const CLAIM_SECONDS = 2

const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 20): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

describe.skipIf(!available)("a bulk job survives kill -9 of its instance", () => {
  let db: { url: string; drop: () => Promise<void> }
  const services: Array<Service> = []
  const sk = randomKey("sk")
  const pk = randomKey("pk")

  beforeAll(async () => {
    db = await throwawayDatabase()
    const env = { DATABASE_URL: db.url, NOTIFLOWS_SECRET_KEY: sk, NOTIFLOWS_PUBLIC_KEY: pk, NOTIFLOWS_JOB_CLAIM_SECONDS: String(CLAIM_SECONDS) }
    services.push(await startService(env, 120_000))
    services.push(await startService(env, 120_000))
  }, 240_000)

  afterAll(async () => {
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop("SIGKILL")
    await db?.drop()
  })

  it("every item exactly once: versions, ledger and events agree", async () => {
    const api = client(services[0]!.url, { "x-notiflows-secret-key": sk })
    const ids = Array.from({ length: USERS }, (_, i) => `crash_user_${i}`)
    for (let i = 0; i < ids.length; i += 50) {
      const batch = ids.slice(i, i + 50)
      const answers = await Promise.all(batch.map((id) => api.put(`/admin/users/${id}`, {})))
      for (const a of answers) expect(a.status).toBe(201)
    }
    const submit = await api.post("/admin/preferences/bulk", { user_ids: ids, preferences: { channel_types: { sms: false } } })
    expect(submit.status).toBe(202)
    const jobId = submit.body.id as string
    const requestId = submit.body.request_id as string
    const sql = postgres(db.url, { max: 2, onnotice: () => {} })
    try {
      // Kill whichever instance holds the claim once part of the job is applied.
      let owner = ""
      await until("the job to be halfway", async () => {
        const [row] = await sql`select claimed_by, (select count(*)::int from job_items i where i.job_id = j.id and i.status <> 'pending') as done
          from jobs j where j.id = ${jobId}`
        owner = (row?.["claimed_by"] as string | null) ?? ""
        return owner !== "" && Number(row?.["done"]) >= 50
      })
      const pid = Number(owner.split(":")[1])
      const victim = services.find((s) => s.child.pid === pid)
      expect(victim).toBeDefined()
      const killedAt = Date.now()
      await victim!.stop("SIGKILL")
      const [at] = await sql`select count(*)::int as n from job_items where job_id = ${jobId} and status <> 'pending'`
      expect(Number(at!["n"])).toBeLessThan(USERS)
      const survivor = services.find((s) => s !== victim)!
      const other = client(survivor.url, { "x-notiflows-secret-key": sk })
      await until("the survivor to finish the job", async () => (await other.get(`/admin/jobs/${jobId}?limit=1`)).body.status === "completed", 120_000, 100)
      const tookOver = Date.now() - killedAt
      const job = (await other.get(`/admin/jobs/${jobId}?limit=1`)).body
      expect(job.counts).toEqual({ total: USERS, pending: 0, updated: USERS, unchanged: 0, failed: 0 })
      const [sets] = await sql`select count(*)::int as n, min(version)::int as lo, max(version)::int as hi from preference_sets s
        join users u on u.project_id = s.project_id and u.id = s.user_id where u.external_id like 'crash_user_%'`
      expect(sets).toMatchObject({ n: USERS, lo: 1, hi: 1 })
      const [ledger] = await sql`select count(*)::int as n, count(distinct user_id)::int as users from preference_history
        where request_id = ${requestId} and source = 'bulk'`
      expect(ledger).toMatchObject({ n: USERS, users: USERS })
      const [events] = await sql`select count(*)::int as n, count(distinct ordering_key)::int as keys from events
        where type = 'preferences.updated' and payload::jsonb -> 'data' ->> 'request_id' = ${requestId}`
      expect(events).toMatchObject({ n: USERS, keys: USERS })
      const [completed] = await sql`select count(*)::int as n from events where type = 'bulk_job.completed' and payload::jsonb -> 'data' -> 'job' ->> 'id' = ${jobId}`
      expect(completed!["n"]).toBe(1)
      const items = await sql`select version from job_items where job_id = ${jobId} and (status <> 'updated' or version <> 1)`
      expect(items.length).toBe(0)
      // Taken over within twice the claim time (plus the poll interval and the rest of the job).
      expect(tookOver).toBeLessThan(60_000)
      console.log(`bulk crash: taken over and finished ${tookOver} ms after kill -9 (claim ${CLAIM_SECONDS} s)`)
    } finally {
      await sql.end({ timeout: 5 })
    }
  }, 300_000)
})
