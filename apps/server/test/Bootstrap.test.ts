/**
 * Concurrent first start (issue 10, defect 1): several instances started at once on an empty
 * PostgreSQL database must end with ONE project holding the configured keys (or one default
 * project), and every instance up and serving it. Each round uses a throwaway database and starts
 * the processes in parallel. PostgreSQL only (processes cannot share a PGlite directory); outside
 * CI an unreachable server reports the cases as skipped.
 */
import postgres from "postgres"
import { createHash, generateKeyPairSync } from "node:crypto"
import { describe, expect, it } from "vitest"
import { client, postgresAvailable, randomKey, runCli, startService, throwawayDatabase, type Service } from "./support.js"

const INSTANCES = 3
// Rounds: the defect this guards (a split project) failed 7 of 20 keyed and 4 of 10 keyless rounds
// before its fix (9 of 20 with the fix's first half), so 14 keyed rounds miss it with a chance of
// 0.65^14 ≈ 0.2% and 6 keyless ones 0.6^6 ≈ 5% (rates from few rounds, measured when a process took
// ~1.8 s to start, ~0.8 s since the bundled entry point: a narrower race window may fail less
// often). Each round starts three services; 20 + 8 rounds were 154 s of CI (2026-12-01).
const ROUNDS = 14
const DEFAULT_ROUNDS = 6

const sha256 = (s: string): string => createHash("sha256").update(s).digest("hex")

/** A user-token signing key, so the rounds also race on storing it. */
const signingPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString()

// Unreachable outside CI: reported as skipped (in CI the probe fails the file).
const available = await postgresAvailable()
const describePg = describe.skipIf(!available)

interface Round {
  readonly problems: Array<string>
}

/** Starts `INSTANCES` services at once; failed starts are recorded as problems. */
const startAll = async (env: Record<string, string>, round: Round): Promise<Array<Service>> => {
  const settled = await Promise.allSettled(Array.from({ length: INSTANCES }, () => startService(env, 30_000)))
  const up: Array<Service> = []
  for (const [i, s] of settled.entries()) {
    if (s.status === "fulfilled") up.push(s.value)
    else round.problems.push(`instance ${i} did not start: ${String(s.reason).split("\n").slice(0, 3).join(" | ")}`)
  }
  return up
}

/** Stored projects and keys, read straight from the database. */
const storedState = async (url: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    const projects = await sql<Array<{ id: string; name: string }>>`select id, name from projects order by created_at, id`
    const keys = await sql<Array<{ project_id: string; kind: string; hash: string }>>`select project_id, kind, hash from api_keys`
    const signing = await sql<Array<{ project_id: string }>>`select project_id from project_signing_keys`
    return { projects, keys, signing }
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** Every instance ready, answering an admin write and a public-key read of the same project. */
const checkServing = async (services: ReadonlyArray<Service>, secretKey: string, publicKey: string, round: Round) => {
  await Promise.all(
    services.map(async (s, i) => {
      const ready = await fetch(`${s.url}/readyz`)
      if (ready.status !== 200) round.problems.push(`instance ${i}: /readyz ${ready.status}`)
      const userId = `boot-user-${i}`
      const put = await client(s.url, { "x-notiflows-secret-key": secretKey }).put(`/admin/users/${userId}`, {})
      if (put.status !== 201 && put.status !== 200) round.problems.push(`instance ${i}: admin PUT ${put.status}`)
      // The public key must resolve to the project the secret key wrote to.
      const mine = await client(s.url, { "x-notiflows-api-key": publicKey, "x-notiflows-user-id": userId }).get("/user/preferences")
      if (mine.status !== 200) round.problems.push(`instance ${i}: user GET with the public key ${mine.status}`)
    })
  )
}

/** Runs the rounds one after the other; answers the problems of each failed round. */
const rounds = async (count: number, body: (url: string, round: Round) => Promise<void>): Promise<Array<string>> => {
  const failed: Array<string> = []
  for (let n = 0; n < count; n++) {
    const db = await throwawayDatabase()
    const round: Round = { problems: [] }
    try {
      await body(db.url, round)
    } finally {
      await db.drop()
    }
    if (round.problems.length > 0) failed.push(`round ${n}: ${round.problems.join("; ")}`)
  }
  return failed
}

describePg(`concurrent first start: ${INSTANCES} instances on an empty PostgreSQL database`, () => {
  it(`with NOTIFLOWS_* keys and a signing key: one project holding them, every instance serving it (${ROUNDS} rounds)`, { timeout: 240_000 }, async () => {
    const failed = await rounds(ROUNDS, async (url, round) => {
      const secretKey = randomKey("sk")
      const publicKey = randomKey("pk")
      const env = {
        DATABASE_URL: url,
        NOTIFLOWS_SECRET_KEY: secretKey,
        NOTIFLOWS_PUBLIC_KEY: publicKey,
        NOTIFLOWS_SECURITY_MODE: "off",
        NOTIFLOWS_USER_SIGNING_PUBLIC_KEY: signingPem
      }
      const services = await startAll(env, round)
      try {
        const { projects, keys, signing } = await storedState(url)
        if (signing.length !== 1) round.problems.push(`${signing.length} signing keys stored`)
        if (projects.length !== 1) round.problems.push(`${projects.length} projects`)
        const projectId = projects[0]?.id
        for (const [kind, key] of [["secret", secretKey], ["public", publicKey]] as const) {
          const rows = keys.filter((k) => k.hash === sha256(key))
          if (rows.length !== 1 || rows[0]?.project_id !== projectId || rows[0]?.kind !== kind) {
            round.problems.push(`${kind} key stored ${rows.length} times (${rows.map((r) => `${r.kind}@${r.project_id === projectId ? "first" : "other"}`).join(",")})`)
          }
        }
        await checkServing(services, secretKey, publicKey, round)
      } finally {
        await Promise.all(services.map((s) => s.stop()))
      }
    })
    expect(failed, `${failed.length} of ${ROUNDS} rounds failed`).toEqual([])
  })

  it(`without keys: one default project, its keys printed once and served by every instance (${DEFAULT_ROUNDS} rounds)`, { timeout: 240_000 }, async () => {
    const failed = await rounds(DEFAULT_ROUNDS, async (url, round) => {
      const services = await startAll({ DATABASE_URL: url, NOTIFLOWS_SECURITY_MODE: "off" }, round)
      try {
        const { projects, keys } = await storedState(url)
        if (projects.length !== 1) round.problems.push(`${projects.length} projects`)
        if (keys.length !== 2) round.problems.push(`${keys.length} keys`)
        const printed = services.flatMap((s) => {
          const secret = /secret key: (\S+)/.exec(s.stdout())?.[1]
          const pub = /public key: (\S+)/.exec(s.stdout())?.[1]
          return secret !== undefined && pub !== undefined ? [{ secret, pub }] : []
        })
        if (printed.length !== 1) round.problems.push(`keys printed by ${printed.length} instances`)
        const shown = printed[0]
        if (shown !== undefined) {
          if (!keys.some((k) => k.hash === sha256(shown.secret) && k.project_id === projects[0]?.id)) round.problems.push("printed secret key not stored")
          await checkServing(services, shown.secret, shown.pub, round)
        }
      } finally {
        await Promise.all(services.map((s) => s.stop()))
      }
    })
    expect(failed, `${failed.length} of ${DEFAULT_ROUNDS} rounds failed`).toEqual([])
  })
})

describePg("a database split by concurrent starts before the fix", () => {
  it("does not start: the message names the duplicated keys' ids and the repair, never the hash or SQL", { timeout: 60_000 }, async () => {
    const db = await throwawayDatabase()
    try {
      expect((await runCli(["migrate"], { DATABASE_URL: db.url })).code).toBe(0)
      const hash = sha256(randomKey("sk"))
      const sql = postgres(db.url, { max: 1, onnotice: () => {} })
      try {
        // Back to the schema before migration 0002 (undoing 0003 too), then the state the race left: one secret key in two projects.
        await sql.unsafe(`drop table tenant_preference_history, tenant_preference_sets, tenant_defaults, notiflow_categories, categories;
          alter table preference_sets drop column categories;
          drop index api_keys_hash_unique;
          alter table api_keys add constraint api_keys_project_hash_unique unique (project_id, hash);
          create index api_keys_hash_idx on api_keys (hash);
          delete from drizzle.__drizzle_migrations where id not in (select id from drizzle.__drizzle_migrations order by created_at limit 2);
          insert into projects (id, name, created_at, updated_at) values
            ('0190a000-0000-7000-8000-000000000001', 'a', now(), now()), ('0190a000-0000-7000-8000-000000000002', 'b', now(), now());
          insert into api_keys (project_id, id, kind, prefix, hash, created_at) values
            ('0190a000-0000-7000-8000-000000000001', '0190a000-0000-7000-8000-0000000000a1', 'secret', 'sk_x', '${hash}', now()),
            ('0190a000-0000-7000-8000-000000000002', '0190a000-0000-7000-8000-0000000000a2', 'secret', 'sk_x', '${hash}', now())`)
      } finally {
        await sql.end({ timeout: 5 })
      }
      const failure = await startService({ DATABASE_URL: db.url }, 30_000).then(
        async (s) => (await s.stop(), "started"),
        (e: unknown) => String(e)
      )
      expect(failure).toContain("0190a000-0000-7000-8000-0000000000a1")
      expect(failure).toContain("0190a000-0000-7000-8000-0000000000a2")
      expect(failure).toContain("Duplicate key hashes")
      expect(failure).not.toContain(hash)
      expect(failure.toLowerCase()).not.toMatch(/select |insert into|create unique index/)
    } finally {
      await db.drop()
    }
  })
})
