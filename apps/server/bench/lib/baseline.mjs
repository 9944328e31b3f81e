/**
 * A bare Express 5 app: the baselines of the benchmark, each run in its own process on the same
 * database and table shape as the service (the service's own `users` and `preference_sets`
 * tables, in a copy of the seeded database). No auth, no logging, no validation beyond (a).
 *
 *   (a) PUT    decode the JSON body with the patch's Schema, answer a small JSON (transport ceiling)
 *   (b) PUT    one raw postgres.js `UPDATE ... SET choices = choices || $1 ... RETURNING`
 *   (c) PUT    the naive drizzle transaction: SELECT ... FOR UPDATE, merge in JS, UPDATE
 *   (d) GET    one raw single-row SELECT
 *   (e) POST   /preferences/evaluate: one raw `SELECT ... WHERE external_id = ANY($2)` of the batch
 *   (f) GET    /events?after=&limit=: the feed's page query as one raw statement, the rows' stored
 *              JSON texts answered in the feed's envelope (lib/feed.mjs)
 *   (r) PUT    the floor of a PUT in two round trips: one raw read of the set, the merge in JS, one
 *              raw compare-and-set `UPDATE` (retried on a lost race). No validation, history, event,
 *              view or ETag: what two statements cost by themselves, next to (b)'s one
 *
 * Environment: BASELINE (comma list of a-f, r), BASELINE_DB (postgres | pglite | none), DATABASE_URL
 * or PGLITE_DIR, PROJECT_ID, PORT, POOL_SIZE.
 */
import * as http from "node:http"
import express from "express"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { PreferencePatchSchema } from "@notiflows/domain"
import { decodeCursor, FEED_BASELINE_SQL, feedCursor } from "./feed.mjs"
import { and, eq } from "drizzle-orm"
import { integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core"

const env = process.env
const which = new Set((env.BASELINE ?? "").split(",").filter(Boolean))
const driver = env.BASELINE_DB ?? "none"
const projectId = env.PROJECT_ID
const port = Number(env.PORT ?? 0)
const poolSize = Number(env.POOL_SIZE ?? 10)

// ---- database -------------------------------------------------------------------------------
let query // (text, params) => Promise<rows>
let db // drizzle
let close = async () => {}
if (driver === "postgres") {
  const { default: postgres } = await import("postgres")
  const sql = postgres(env.DATABASE_URL, { max: poolSize, prepare: true, onnotice: () => {} })
  query = (text, params) => sql.unsafe(text, params, { prepare: true })
  if (which.has("c")) {
    const { drizzle } = await import("drizzle-orm/postgres-js")
    db = drizzle(sql)
  }
  await sql`SELECT 1`
  close = () => sql.end({ timeout: 5 })
} else if (driver === "pglite") {
  const { PGlite } = await import("@electric-sql/pglite")
  const pg = new PGlite(env.PGLITE_DIR)
  await pg.waitReady
  query = (text, params) => pg.query(text, params).then((r) => r.rows)
  if (which.has("c")) {
    const { drizzle } = await import("drizzle-orm/pglite")
    db = drizzle(pg)
  }
  // Hold the data like the service does: open it and touch both tables once.
  await pg.query("SELECT count(*) FROM users")
  await pg.query("SELECT count(*) FROM preference_sets")
  close = () => pg.close()
}

// ---- the naive drizzle transaction (c) -------------------------------------------------------
const users = pgTable("users", {
  projectId: uuid("project_id").notNull(),
  id: uuid("id").notNull(),
  externalId: text("external_id").notNull()
})
const sets = pgTable("preference_sets", {
  projectId: uuid("project_id").notNull(),
  userId: uuid("user_id").notNull(),
  choices: jsonb("choices").notNull(),
  version: integer("version").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull()
})

/** RFC 7396 merge patch, as a team would write it by hand. */
const mergePatch = (target, patch) => {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key]
    else out[key] = mergePatch(out[key], value)
  }
  return out
}

// ---- routes ----------------------------------------------------------------------------------
const app = express()
app.disable("x-powered-by")
app.disable("etag")
app.use(express.json({ limit: "256kb" }))

const decodePatch = Schema.decodeUnknownEither(PreferencePatchSchema, { onExcessProperty: "error" })
const notFound = (res) => res.status(404).json({ error: { code: "not_found" } })

if (which.has("a")) {
  app.put("/admin/users/:userId/preferences", (req, res) => {
    const decoded = decodePatch(req.body)
    if (Either.isLeft(decoded)) return res.status(422).json({ error: { code: "validation_error" } })
    res.json({ ok: true, user_id: req.params.userId })
  })
}

if (which.has("b")) {
  const text = `UPDATE preference_sets AS p
                SET choices = p.choices || $3::jsonb, version = p.version + 1, updated_at = now()
                FROM users AS u
                WHERE u.project_id = $1 AND u.external_id = $2 AND p.project_id = u.project_id AND p.user_id = u.id
                RETURNING p.choices, p.version`
  app.put("/admin/users/:userId/preferences", async (req, res) => {
    const rows = await query(text, [projectId, req.params.userId, req.body])
    if (rows.length === 0) return notFound(res)
    res.json(rows[0])
  })
}

if (which.has("c")) {
  app.put("/admin/users/:userId/preferences", async (req, res) => {
    const result = await db.transaction(async (tx) => {
      const [row] = await tx
        .select({ userId: sets.userId, choices: sets.choices, version: sets.version })
        .from(sets)
        .innerJoin(users, and(eq(users.projectId, sets.projectId), eq(users.id, sets.userId)))
        .where(and(eq(users.projectId, projectId), eq(users.externalId, req.params.userId)))
        .for("update", { of: sets })
      if (row === undefined) return undefined
      const choices = mergePatch(row.choices, req.body)
      await tx
        .update(sets)
        .set({ choices, version: row.version + 1, updatedAt: new Date() })
        .where(and(eq(sets.projectId, projectId), eq(sets.userId, row.userId)))
      return { choices, version: row.version + 1 }
    })
    if (result === undefined) return notFound(res)
    res.json(result)
  })
}

if (which.has("r")) {
  const read = `SELECT p.user_id, p.choices, p.version
                FROM users AS u JOIN preference_sets AS p ON p.project_id = u.project_id AND p.user_id = u.id
                WHERE u.project_id = $1 AND u.external_id = $2`
  const cas = `UPDATE preference_sets SET choices = $3::jsonb, version = version + 1, updated_at = now()
               WHERE project_id = $1 AND user_id = $2 AND version = $4
               RETURNING version`
  app.put("/admin/users/:userId/preferences", async (req, res) => {
    for (;;) {
      const [row] = await query(read, [projectId, req.params.userId])
      if (row === undefined) return notFound(res)
      const choices = mergePatch(row.choices, req.body)
      const [written] = await query(cas, [projectId, row.user_id, choices, row.version])
      if (written !== undefined) return res.json({ choices, version: written.version })
    }
  })
}

if (which.has("d")) {
  const text = `SELECT p.choices, p.version
                FROM users AS u JOIN preference_sets AS p ON p.project_id = u.project_id AND p.user_id = u.id
                WHERE u.project_id = $1 AND u.external_id = $2`
  app.get("/admin/users/:userId/preferences", async (req, res) => {
    const rows = await query(text, [projectId, req.params.userId])
    if (rows.length === 0) return notFound(res)
    res.json(rows[0])
  })
}

if (which.has("e")) {
  const text = `SELECT u.external_id, p.choices
                FROM users AS u JOIN preference_sets AS p ON p.project_id = u.project_id AND p.user_id = u.id
                WHERE u.project_id = $1 AND u.external_id = ANY($2::text[])`
  app.post("/admin/preferences/evaluate", async (req, res) => {
    const ids = req.body?.user_ids
    if (!Array.isArray(ids) || ids.length === 0) return res.status(422).json({ error: { code: "validation_error" } })
    const rows = await query(text, [projectId, ids])
    res.json({ notiflow_id: req.body.notiflow_id, rows: rows.length })
  })
}

if (which.has("f")) {
  app.get("/admin/events", async (req, res) => {
    const from = decodeCursor(projectId, String(req.query.after ?? ""))
    const limit = Number(req.query.limit ?? 100)
    if (from === undefined || !(limit >= 1 && limit <= 1000)) return res.status(400).json({ error: { code: "invalid_param" } })
    const rows = await query(FEED_BASELINE_SQL, [projectId, from.major, from.minor, limit + 1])
    const kept = rows.slice(0, limit)
    const last = kept[kept.length - 1]
    const after = last === undefined ? String(req.query.after) : feedCursor(projectId, last.xid_text, last.seq_text)
    res.type("application/json").send(`{"items":[${kept.map((r) => r.payload).join(",")}],"page":${JSON.stringify({ after, has_more_after: rows.length > limit, limit })}}`)
  })
}

app.use((req, res) => res.status(404).json({ error: { code: "not_found", resource: "route" } }))
app.use((err, req, res, _next) => {
  process.stderr.write(`${err?.stack ?? err}\n`)
  res.status(err?.status ?? 500).json({ error: { code: "internal_error" } })
})

const server = http.createServer(app)
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`baseline ${[...which].join(",")} on ${driver} listening on ${server.address().port}\n`)
})
const shutdown = () => {
  server.close()
  server.closeAllConnections()
  close().finally(() => process.exit(0))
}
process.on("SIGTERM", shutdown)
process.on("SIGINT", shutdown)
