/**
 * Text reads back byte-identical on PGlite (issue 10, defect 4): PGlite's protocol reader decoded
 * every text field with a `TextDecoder` without `ignoreBOM`, which drops a leading U+FEFF. The
 * workspace patches it (`patches/@electric-sql__pglite@0.5.16.patch`); this fails without it.
 */
import { afterAll, describe, expect, it } from "vitest"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { DrizzleDatabase, layerPglite } from "../src/index.js"

describe("PGlite text decoding", () => {
  const runtime = ManagedRuntime.make(layerPglite("memory://"))
  afterAll(() => runtime.dispose())

  it("keeps a leading U+FEFF in parameters echoed back, in stored text and in jsonb strings", async () => {
    const values = ["\uFEFF", "\uFEFF\uFEFF", "\uFEFFabc", "abc\uFEFF", "\uFEFF😀"]
    const rows = await runtime.runPromise(
      Effect.flatMap(DrizzleDatabase, (database) =>
        Effect.promise(async () => {
          const out: Array<unknown> = []
          for (const v of values) {
            const [row] = await database.query("select $1::text as t, $2::jsonb as j, chr(65279) || $1::text as c", [v, JSON.stringify(v)])
            out.push([row?.["t"], row?.["j"], row?.["c"]])
          }
          return out
        })
      )
    )
    expect(rows).toEqual(values.map((v) => [v, v, `\uFEFF${v}`]))
  })
})
