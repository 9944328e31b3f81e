/**
 * The Schemas are what `/openapi.json` is generated from: their JSON Schema must state the
 * constraints the decoders enforce, mark read-only fields, and carry no `$id` (effect emits
 * `$id: "/schemas/unknown"` for a bare `Schema.Unknown`; duplicates make the document invalid).
 */
import { assert, describe, it } from "@effect/vitest"
import * as JSONSchema from "effect/JSONSchema"
import type * as Schema from "effect/Schema"
import { notiflowToJson, NotiflowUpsertSchema } from "../src/Catalog.js"
import { BatchEvaluateRequest, BatchEvaluateResponse, EvaluateRequest, EvaluateResponse } from "../src/EvaluationService.js"
import { historyToJson, HistoryEntryJson } from "../src/History.js"
import { PageInfo } from "../src/Pagination.js"
import { PreferencePatchSchema } from "../src/PreferencePatch.js"
import { ExternalUserId, UserId } from "../src/Preferences.js"
import { UserJson, userToJson, UserUpsertSchema } from "../src/Users.js"
import { ExplicitPreferencesView, PreferencesView } from "../src/View.js"
import { notiflow } from "./fixtures.js"

type Json = Record<string, any>

const document = (): Record<string, Json> => {
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const all: ReadonlyArray<Schema.Schema.Any> = [
    PreferencePatchSchema, UserUpsertSchema, NotiflowUpsertSchema, EvaluateRequest, BatchEvaluateRequest,
    EvaluateResponse, BatchEvaluateResponse, UserJson, HistoryEntryJson, PageInfo, PreferencesView, ExplicitPreferencesView
  ]
  for (const s of all) JSONSchema.fromAST(s.ast, { definitions, definitionPath: "#/components/schemas/", target: "openApi3.1" })
  return definitions as Record<string, Json>
}

describe("the Schemas as the document's source", () => {
  const defs = document()

  it("carry no $id (no bare Schema.Unknown)", () => {
    assert.notInclude(JSON.stringify(defs), "$id")
  })

  it("state the enforced constraints", () => {
    const notiflows = defs["PreferencePatch"]!["properties"]["notiflows"]
    assert.strictEqual(notiflows.maxProperties, 1000)
    assert.strictEqual(notiflows.propertyNames.pattern, "^[A-Za-z0-9_:-]{1,64}$")
    assert.deepStrictEqual(notiflows.propertyNames.not, { enum: ["__proto__", "constructor", "prototype"] })
    const batch = defs["BatchEvaluateRequest"]!["properties"]
    assert.include(batch.user_ids, { minItems: 1, maxItems: 1000 })
    assert.include(batch.user_ids.items, { minLength: 1, maxLength: 255 })
    assert.include(batch.channel_types, { minItems: 1, uniqueItems: true })
    assert.strictEqual(batch.notiflow_id.pattern, "^[A-Za-z0-9_:-]{1,64}$")
    const user = defs["UserUpsert"]!["properties"]
    assert.strictEqual(user.email.anyOf[0].format, "email")
    assert.strictEqual(user.avatar.anyOf[0].format, "uri")
    // The user upsert's preferences are the preference patch, not "anything".
    assert.include(JSON.stringify(user.preferences), "#/components/schemas/PreferencePatch")
    // Integers are typed as integers.
    assert.deepStrictEqual(defs["PageInfo"]!["properties"]["limit"], { $ref: "#/components/schemas/Int" })
    assert.deepStrictEqual(defs["PreferenceHistoryEntry"]!["properties"]["version"], { $ref: "#/components/schemas/Int" })
    assert.strictEqual(defs["Int"]!["type"], "integer")
  })

  it("mark read-only fields, accepted and ignored", () => {
    for (const name of ["UserUpsert", "NotiflowUpsert"]) {
      for (const field of ["id", "created_at", "updated_at"]) assert.isTrue(defs[name]!["properties"][field].readOnly, `${name}.${field}`)
    }
    assert.isTrue(defs["NotiflowPreferencesPatch"]!["properties"]["name"].readOnly)
  })

  it("declare every evaluate decision optional: only the requested types are answered", () => {
    assert.deepStrictEqual(defs["Decisions"]!["required"], [])
    assert.strictEqual(Object.keys(defs["Decisions"]!["properties"]).length, 6)
  })
})

describe("responses encoded by the Schemas", () => {
  const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5))

  it("timestamps are ISO 8601 with milliseconds; internal fields are dropped", () => {
    const n = notiflowToJson({ ...notiflow("n1"), revision: 3, created_at: at, updated_at: at })
    assert.strictEqual(n.created_at, "2026-01-02T03:04:05.000Z")
    assert.notProperty(n, "revision")
    assert.notProperty(n, "deleted")
    const u = userToJson({
      id: UserId.make("01890000-0000-7000-8000-000000000001"), external_id: ExternalUserId.make("x"), email: null, phone: null, first_name: null, last_name: null, avatar: null, locale: null, timezone: null,
      custom_fields: { a: [1, { b: null }] }, created_at: at, updated_at: at, revision: 2
    })
    assert.deepStrictEqual(u.updated_at, "2026-01-02T03:04:05.000Z")
    assert.notProperty(u, "revision")
    const h = historyToJson({ id: "h", version: 1, changed_at: at, actor: { type: "system", id: "s" }, request_id: null, changes: [] })
    assert.strictEqual(h.changed_at, "2026-01-02T03:04:05.000Z")
  })
})
