import { assert, describe, it } from "@effect/vitest"
import * as Schema from "effect/Schema"
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, MAX_PAGE_LIMIT, PageInfo, toPage } from "../src/Pagination.js"

interface Item {
  readonly key: string
}
const items = (...keys: ReadonlyArray<string>): ReadonlyArray<Item> => keys.map((key) => ({ key }))
const keyOf = (i: Item) => i.key

describe("cursors", () => {
  it("round-trip any key, including unicode and separators", () => {
    for (const key of ["0190a3c4-7d1e-7000-8000-000000000001", "42", "", "a:b:c", "v1:nested", "ünïcødé 😀", "+/="]) {
      const cursor = encodeCursor(key)
      assert.match(cursor, /^[A-Za-z0-9_-]+$/)
      assert.strictEqual(decodeCursor(cursor), key)
    }
  })

  it("are opaque: not the raw key", () => {
    assert.notStrictEqual(encodeCursor("42"), "42")
  })

  it("anything else decodes to undefined", () => {
    const notOurs = btoa("v2:42").replace(/=+$/, "")
    for (const bad of ["", "!!!", "a b", "x".repeat(600), notOurs, "A", btoa("\u00ff\u00fe").replace(/=+$/, "")]) {
      assert.isUndefined(decodeCursor(bad))
    }
  })
})

describe("toPage", () => {
  it("first page: cursors of the first and last items, nothing newer", () => {
    const page = toPage({ items: items("c", "b"), hasMore: true }, { limit: 2 }, keyOf)
    assert.deepStrictEqual(page.items, items("c", "b"))
    assert.deepStrictEqual(page.page, {
      after: encodeCursor("b"),
      before: encodeCursor("c"),
      has_more_after: true,
      has_more_before: false,
      limit: 2
    })
    assert.deepStrictEqual(Schema.decodeUnknownSync(PageInfo)(page.page), page.page)
  })

  it("last page read forward: no more after, more before", () => {
    const page = toPage({ items: items("a"), hasMore: false }, { limit: 2, after: "b" }, keyOf)
    assert.strictEqual(page.page.has_more_after, false)
    assert.strictEqual(page.page.has_more_before, true)
  })

  it("reading backward: more after (the cursor's own item), hasMore is about newer items", () => {
    const page = toPage({ items: items("e", "d"), hasMore: true }, { limit: 2, before: "c" }, keyOf)
    assert.deepStrictEqual(page.page, {
      after: encodeCursor("d"),
      before: encodeCursor("e"),
      has_more_after: true,
      has_more_before: true,
      limit: 2
    })
    const newest = toPage({ items: items("e", "d"), hasMore: false }, { limit: 2, before: "c" }, keyOf)
    assert.strictEqual(newest.page.has_more_before, false)
  })

  it("an empty page has null cursors", () => {
    const page = toPage<Item, string>({ items: [], hasMore: false }, { limit: DEFAULT_PAGE_LIMIT }, keyOf)
    assert.deepStrictEqual(page, {
      items: [],
      page: { after: null, before: null, has_more_after: false, has_more_before: false, limit: DEFAULT_PAGE_LIMIT }
    })
  })

  it("limits", () => {
    assert.strictEqual(DEFAULT_PAGE_LIMIT, 25)
    assert.strictEqual(MAX_PAGE_LIMIT, 1000)
  })
})

describe("toPage on an empty page", () => {
  it("keeps the cursor it was read from, so a client can page back", () => {
    const after = toPage({ items: [], hasMore: false }, { limit: 10, after: "k5" }, (x: string) => x)
    assert.deepStrictEqual(after.page, { after: null, before: encodeCursor("k5"), has_more_after: false, has_more_before: true, limit: 10 })
    const before = toPage({ items: [], hasMore: false }, { limit: 10, before: "k5" }, (x: string) => x)
    assert.deepStrictEqual(before.page, { after: encodeCursor("k5"), before: null, has_more_after: true, has_more_before: false, limit: 10 })
  })
})

