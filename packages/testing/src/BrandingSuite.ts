/**
 * Conformance (LINKS.md §2.4): branding GET with defaults filled, merge-patch PUT (`null` = the
 * default), every 422 reason, the `If-Match` precondition and the repository's revision checks.
 */
import { assert, describe } from "@effect/vitest"
import * as Effect from "effect/Effect"
import {
  BrandingRepository,
  CHANNEL_TYPES,
  DEFAULT_ACCENT_COLOR,
  PreconditionFailed,
  ValidationFailed,
  VersionConflict,
  getBranding,
  updateBranding
} from "@notiflows/domain"
import { flipFailure, freshProject } from "./internal/fixtures.js"
import type { ModelIt, ModelLayer } from "./internal/modelHarness.js"
import { pid, runModelSuite } from "./internal/modelHarness.js"

const fields = (e: unknown) => (e instanceof ValidationFailed ? e.issues.map((i) => `${i.field}|${i.reason}`).sort() : e)

export const brandingCases = (it: ModelIt): void => {
  describe("branding", () => {
    it.effect("defaults are filled: the project's name, the default accent, all six channel types", () =>
      Effect.gen(function* () {
        const project = yield* freshProject
        assert.deepStrictEqual(yield* getBranding(pid(project.id)), {
          name: project.name,
          logo_url: null,
          accent_color: DEFAULT_ACCENT_COLOR,
          help_url: null,
          privacy_url: null,
          channel_types: [...CHANNEL_TYPES]
        })
      }))

    it.effect("PUT merges; null restores the default; the body is the GET body", () =>
      Effect.gen(function* () {
        const project = yield* freshProject
        const id = pid(project.id)
        const first = yield* updateBranding(id, {
          name: "Acme Mail",
          logo_url: "https://cdn.example.com/logo.png",
          accent_color: "#0B5FFF",
          help_url: "http://help.example.com/",
          channel_types: ["sms", "email"]
        })
        assert.deepStrictEqual(first, {
          name: "Acme Mail",
          logo_url: "https://cdn.example.com/logo.png",
          accent_color: "#0b5fff",
          help_url: "http://help.example.com/",
          privacy_url: null,
          channel_types: ["sms", "email"]
        })
        assert.deepStrictEqual(yield* getBranding(id), first)
        const second = yield* updateBranding(id, { name: null, privacy_url: "https://example.com/privacy", channel_types: null })
        assert.deepStrictEqual(second, { ...first, name: project.name, privacy_url: "https://example.com/privacy", channel_types: [...CHANNEL_TYPES] })
        assert.deepStrictEqual(yield* getBranding(id), second)
        // An empty patch changes nothing and writes nothing.
        const before = yield* Effect.flatMap(BrandingRepository, (r) => r.load(id))
        assert.deepStrictEqual(yield* updateBranding(id, {}), second)
        assert.strictEqual((yield* Effect.flatMap(BrandingRepository, (r) => r.load(id))).revision, before.revision)
      }))

    it.effect("422 lists every problem and writes nothing", () =>
      Effect.gen(function* () {
        const project = yield* freshProject
        const id = pid(project.id)
        const e = yield* flipFailure(
          updateBranding(id, {
            name: "x".repeat(101),
            logo_url: "http://insecure.example.com/logo.png",
            accent_color: "#ffff00",
            help_url: `https://example.com/${"a".repeat(2048)}`,
            privacy_url: "javascript:alert(1)",
            channel_types: ["email", "email", "fax"],
            colour: "red"
          })
        )
        assert.deepStrictEqual(fields(e), [
          "accent_color|insufficient_contrast",
          "channel_types.2|unknown_channel_type",
          "colour|unknown_field",
          "help_url|too_long",
          "logo_url|invalid_format",
          "name|too_long",
          "privacy_url|invalid_format"
        ])
        const more = yield* flipFailure(updateBranding(id, { name: "", accent_color: "blue", channel_types: [], help_url: 3 }))
        assert.deepStrictEqual(fields(more), ["accent_color|invalid_format", "channel_types|invalid_format", "help_url|invalid_type", "name|invalid_format"])
        assert.deepStrictEqual(fields(yield* flipFailure(updateBranding(id, { name: "a\u0007b", channel_types: ["sms", "sms"] }))), [
          "channel_types|invalid_format",
          "name|invalid_format"
        ])
        assert.deepStrictEqual(fields(yield* flipFailure(updateBranding(id, []))), ["|invalid_type"])
        assert.strictEqual((yield* Effect.flatMap(BrandingRepository, (r) => r.load(id))).revision, 0)
        // 100 code points (astral characters count once) are fine.
        const name = "😀".repeat(100)
        assert.strictEqual((yield* updateBranding(id, { name })).name, name)
      }))

    it.effect("a failed precondition answers the current tag and writes nothing", () =>
      Effect.gen(function* () {
        const project = yield* freshProject
        const id = pid(project.id)
        const e = yield* flipFailure(updateBranding(id, { name: "New" }, () => "\"current\""))
        assert.instanceOf(e, PreconditionFailed)
        assert.strictEqual((yield* getBranding(id)).name, project.name)
        const seen: Array<string> = []
        yield* updateBranding(id, { name: "New" }, (body) => (seen.push(body.name), undefined))
        assert.deepStrictEqual(seen, [project.name])
      }))

    it.effect("the repository compares and sets by revision", () =>
      Effect.gen(function* () {
        const repo = yield* BrandingRepository
        const project = yield* freshProject
        const id = pid(project.id)
        assert.deepStrictEqual(yield* repo.load(id), { settings: {}, revision: 0 })
        const saved = yield* repo.save(id, { name: "A" }, 0)
        assert.deepStrictEqual(saved, { settings: { name: "A" }, revision: 1 })
        const stale = yield* flipFailure(repo.save(id, { name: "B" }, 0))
        assert.instanceOf(stale, VersionConflict)
        assert.strictEqual((stale as VersionConflict).actual, 1)
        assert.deepStrictEqual(yield* repo.save(id, { accent_color: "#000000", channel_types: ["email"] }, 1), {
          settings: { accent_color: "#000000", channel_types: ["email"] },
          revision: 2
        })
        assert.deepStrictEqual(yield* repo.load(id), { settings: { accent_color: "#000000", channel_types: ["email"] }, revision: 2 })
      }))
  })
}

export const brandingSuite = (name: string, layer: ModelLayer): void => runModelSuite(name, layer, brandingCases)
