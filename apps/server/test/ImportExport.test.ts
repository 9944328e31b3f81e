/**
 * `notiflows-prefs import` / `export` (BULK.md §2) on PGlite and PostgreSQL: the round trip with
 * generated users (export → import into an empty project → export gives identical bytes), what a
 * line does in each mode, the ledger entries import writes, and bad lines.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as fc from "fast-check"
import { canonicalLine, compareUtf8, decodeImportLine, planLine } from "@notiflows/domain"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { DELETED_NOTIFLOWS, LIVE_CATEGORIES, LIVE_NOTIFLOWS, lines } from "./bulk/arbitraries.js"
import type { Harness } from "./bulk/harness.js"
import { openHarness } from "./bulk/harness.js"
import { postgresAvailable } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "notiflows-bulk-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let fileNo = 0
const writeLines = (content: string): string => {
  const file = join(dir, `in-${++fileNo}.ndjson`)
  writeFileSync(file, content)
  return file
}

/** What the canonical export of freshly imported lines must be (computed by the domain's rules). */
const expectedExport = (objects: ReadonlyArray<Record<string, unknown>>): string =>
  objects
    .map((o) => {
      const decoded = decodeImportLine(o)
      if (!decoded.ok) throw new Error(`generated an invalid line: ${JSON.stringify(decoded.issues)}`)
      const plan = planLine(undefined, decoded.value, "replace")
      const tenants = new Map(plan.sets.filter((s) => s.tenantId !== null).map((s) => [s.tenantId!, s.choices]))
      const global = plan.sets.find((s) => s.tenantId === null)?.choices ?? { channel_types: {}, categories: {}, notiflows: {} }
      return { id: decoded.value.externalId as string, line: canonicalLine(decoded.value.externalId, { profile: plan.profile, global, tenants }) }
    })
    .sort((a, b) => compareUtf8(a.id, b.id))
    .map((x) => `${x.line}\n`)
    .join("")

const summary = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1)!)

const available = await postgresAvailable()

describe.each(["PGlite", "PostgreSQL"] as const)("import and export on %s", (driver) => {
  let h: Harness
  beforeAll(async () => {
    if (driver === "PostgreSQL" && !available) return
    h = await openHarness(driver)
  })
  afterAll(async () => {
    await h?.close()
  })
  const skip = driver === "PostgreSQL" && !available

  it.skipIf(skip)("round trip: export → import into an empty project → export gives identical bytes", async () => {
    await fc.assert(
      fc.asyncProperty(lines(120), async (objects) => {
        const source = await h.newProject()
        for (const id of LIVE_NOTIFLOWS) await h.database.query("insert into notiflows (project_id, id, name, created_at, updated_at) values ($1, $2, $2, now(), now())", [source, id])
        for (const id of DELETED_NOTIFLOWS) await h.database.query("insert into notiflows (project_id, id, name, deleted_at, created_at, updated_at) values ($1, $2, $2, now(), now(), now())", [source, id])
        for (const id of LIVE_CATEGORIES) await h.database.query("insert into categories (project_id, id, name, created_at, updated_at) values ($1, $2, $2, now(), now())", [source, id])

        const first = await h.importFile(source, writeLines(objects.map((o) => JSON.stringify(o)).join("\n")), { batchSize: 37 })
        expect(first.stderr).toBe("")
        expect(first.code).toBe(0)
        expect(summary(first.stdout)).toMatchObject({ lines: objects.length, created: objects.length, updated: 0, unchanged: 0, skipped: 0, interrupted: false })

        const a = await h.exportAll(source)
        expect(a.code).toBe(0)
        expect(a.stdout.split("\n")).toHaveLength(objects.length + 1)
        expect(a.stdout).toBe(expectedExport(objects))
        expect(JSON.parse(a.stderr)).toMatchObject({ users: objects.length })

        const target = await h.newProject()
        for (const mode of ["merge", "replace"] as const) {
          const again = await h.importFile(target, writeLines(a.stdout), { mode })
          expect(again.code).toBe(0)
          // The second import (replace over the merge's result) changes nothing.
          expect(summary(again.stdout)).toMatchObject(mode === "merge" ? { created: objects.length } : { created: 0, updated: 0, unchanged: objects.length })
          const b = await h.exportAll(target)
          expect(b.stdout).toBe(a.stdout)
        }
      }),
      { numRuns: 3 }
    )
  })

  it.skipIf(skip)("replace and merge: profiles, custom fields, named and unnamed tenant sets, the ledger", async () => {
    const project = await h.newProject()
    const base = {
      external_id: "u1",
      email: "ada@example.com",
      first_name: "Ada",
      custom_fields: { plan: "pro", nested: { a: 1, b: 2 } },
      preferences: { channel_types: { sms: false } },
      tenants: { acme: { channel_types: { email: false } }, globex: { notiflows: { x: { enabled: false } } } }
    }
    const created = await h.importFile(project, writeLines(`${JSON.stringify(base)}\n`))
    expect(summary(created.stdout)).toMatchObject({ created: 1 })
    const runId = summary(created.stdout).run_id as string
    expect(runId).toMatch(/^imp_[A-Za-z0-9]{20}$/)

    const merge = await h.importFile(project, writeLines(`${JSON.stringify({ external_id: "u1", last_name: "Lovelace", custom_fields: { nested: { b: null, c: 3 } }, preferences: { channel_types: { sms: null, email: true } } })}\n`), { mode: "merge" })
    expect(summary(merge.stdout)).toMatchObject({ updated: 1 })
    expect((await h.exportAll(project)).stdout).toBe(
      '{"external_id":"u1","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","custom_fields":{"nested":{"a":1,"c":3},"plan":"pro"},"preferences":{"channel_types":{"email":true}},"tenants":{"acme":{"channel_types":{"email":false}},"globex":{"notiflows":{"x":{"enabled":false}}}}}\n'
    )

    const replace = await h.importFile(project, writeLines(`${JSON.stringify({ external_id: "u1", phone: "+14155550123", tenants: { acme: { channel_types: { sms: true } } } })}\r\n\r\n`))
    expect(summary(replace.stdout)).toMatchObject({ lines: 1, updated: 1 })
    expect((await h.exportAll(project)).stdout).toBe('{"external_id":"u1","phone":"+14155550123","preferences":{},"tenants":{"acme":{"channel_types":{"sms":true}}}}\n')

    // Ledger: one entry per changed set, actor system/cli, request_id = the run id; the reset of globex too.
    const global = await h.database.query(
      "select h.version, h.actor_type, h.actor_id, h.request_id, h.changes from preference_history h join users u on u.project_id = h.project_id and u.id = h.user_id where u.project_id = $1 order by h.version",
      [project]
    )
    expect(global.map((r) => [r["version"], r["actor_type"], r["actor_id"]])).toEqual([[1, "system", "cli"], [2, "system", "cli"], [3, "system", "cli"]])
    expect(global[0]!["request_id"]).toBe(runId)
    expect(global[2]!["changes"]).toEqual([{ path: "channel_types.email", from: true, to: null }])
    const globex = await h.database.query(
      "select t.version, t.changes from tenant_preference_history t join users u on u.project_id = t.project_id and u.id = t.user_id where u.project_id = $1 and t.tenant_id = 'globex' order by t.version",
      [project]
    )
    expect(globex.map((r) => r["version"])).toEqual([1, 2])
    expect(globex[1]!["changes"]).toEqual([{ path: "notiflows.x.enabled", from: false, to: null }])

    // EVENTS.md §1: source import; replace (default mode), patch (merge), reset (unnamed tenant set).
    const ledger = await h.database.query(
      `select tenant_id, version, operation, source, context from (
         select null as tenant_id, version, operation, source, context, project_id, user_id from preference_history
         union all select tenant_id, version, operation, source, context, project_id, user_id from tenant_preference_history) l
       join users u on u.project_id = l.project_id and u.id = l.user_id where u.project_id = $1 order by tenant_id nulls first, version`,
      [project]
    )
    expect(ledger.map((r) => [r["tenant_id"], r["version"], r["operation"], r["source"], r["context"]])).toEqual([
      [null, 1, "replace", "import", null],
      [null, 2, "patch", "import", null],
      [null, 3, "replace", "import", null],
      ["acme", 1, "replace", "import", null],
      ["acme", 2, "replace", "import", null],
      ["globex", 1, "replace", "import", null],
      ["globex", 2, "reset", "import", null]
    ])
    // The outbox: user.created for the new user and user.updated for a changed profile (EVENTS.md
    // Decision 5), then one preferences.updated per ledger entry, in the transaction's order.
    const events = (await h.database.query("select payload from events where project_id = $1 order by xid, seq", [project])).map((r) => JSON.parse(r["payload"] as string))
    const later = expect.stringMatching(/^imp_/)
    expect(events.map((e) => [e.type, e.data.tenant_id, e.data.version, e.data.operation, e.data.source, e.data.request_id])).toEqual([
      ["user.created", undefined, undefined, undefined, "import", runId],
      ["preferences.updated", null, 1, "replace", "import", runId],
      ["preferences.updated", "acme", 1, "replace", "import", runId],
      ["preferences.updated", "globex", 1, "replace", "import", runId],
      ["user.updated", undefined, undefined, undefined, "import", later],
      ["preferences.updated", null, 2, "patch", "import", later],
      ["user.updated", undefined, undefined, undefined, "import", later],
      ["preferences.updated", null, 3, "replace", "import", later],
      ["preferences.updated", "acme", 2, "replace", "import", later],
      ["preferences.updated", "globex", 2, "reset", "import", later]
    ])
    expect(events[0].data.user).toMatchObject({ external_id: "u1", email: "ada@example.com", first_name: "Ada", custom_fields: { plan: "pro", nested: { a: 1, b: 2 } } })
    expect(events[0].data.actor).toEqual({ type: "system", id: "cli" })
    expect([...events[4].data.changed_fields].sort()).toEqual(["custom_fields", "last_name"])
    expect(events[4].data.user).toMatchObject({ last_name: "Lovelace", custom_fields: { plan: "pro", nested: { a: 1, c: 3 } } })
    expect([...events[6].data.changed_fields].sort()).toEqual(["custom_fields", "email", "first_name", "last_name", "phone"])
    expect(events[6].data.user.created_at).toBe(events[0].data.user.created_at)
    expect(events[1].data).toMatchObject({ user_id: "u1", actor: { type: "system", id: "cli" }, preferences: { channel_types: { sms: false }, categories: {}, notiflows: {} } })
    expect(events[9].data.preferences).toEqual({ channel_types: {}, categories: {}, notiflows: {} })
  })

  it.skipIf(skip)("bad lines are skipped and reported by number; a repeated id applies in file order; --strict", async () => {
    const project = await h.newProject()
    const errors = join(dir, `errors-${++fileNo}.ndjson`)
    const content = [
      JSON.stringify({ external_id: "a", preferences: { channel_types: { sms: false } } }),
      "{not json",
      JSON.stringify({ external_id: "b", preferences: { channel_types: { fax: false } } }),
      "",
      JSON.stringify({ external_id: "a", preferences: { channel_types: { sms: true } }, note: 1 }),
      `{"external_id":"c","first_name":"${"x".repeat(300 * 1024)}"}`,
      JSON.stringify({ external_id: "a", preferences: { notiflows: { ghost: { enabled: false } } } }),
      JSON.stringify({ external_id: "a", first_name: "Later" })
    ].join("\n")
    const run = await h.importFile(project, writeLines(content), { errors })
    expect(run.code).toBe(3)
    expect(summary(run.stdout)).toMatchObject({ lines: 7, created: 1, updated: 2, skipped: 4, unknown_ids: 1 })
    expect(run.stderr.split("\n").filter(Boolean)).toEqual([
      "line 2: bad_request invalid_json the line is not valid JSON",
      "line 3: validation_error preferences.channel_types.fax unknown_channel_type",
      "line 5: validation_error note unknown_field",
      "line 6: payload_too_large a line holds at most 262144 bytes"
    ])
    const reported = readFileSync(errors, "utf8").trim().split("\n").map((l) => JSON.parse(l))
    expect(reported.map((r) => [r.line, r.external_id, r.error.code, r.error.status])).toEqual([
      [2, null, "bad_request", 400],
      [3, "b", "validation_error", 422],
      [5, "a", "validation_error", 422],
      [6, null, "payload_too_large", 413]
    ])
    // Later lines for "a" win: replace by the last one.
    expect((await h.exportAll(project)).stdout).toBe('{"external_id":"a","first_name":"Later","preferences":{}}\n')

    const strict = await h.importFile(project, writeLines(`${JSON.stringify({ external_id: "s", tenants: { acme: { categories: { nope: { enabled: false } } } } })}\n`), { strict: true })
    expect(strict.code).toBe(3)
    expect(strict.stderr).toBe("line 1: validation_error tenants.acme.categories.nope unknown_category\n")
  })
})
