/**
 * Catalog files for the CLI (MODEL.md §1, §5): `notiflows import` takes notiflows (each may
 * carry its ordered `categories`) and, optionally, the categories they name; `categories
 * import` takes categories alone. Categories are upserted before notiflows, so a file can
 * create a category and its members at once. Every entry goes through the API's use cases
 * (the same Schemas, limits and messages).
 */
import * as Effect from "effect/Effect"
import type { Attribution, ProjectId } from "@notiflows/domain"
import { isCategoryId, isNotiflowId, upsertCategory, upsertNotiflowV2 } from "@notiflows/domain"

/** Who writes an imported catalog (EVENTS.md §2: catalog events of `notiflows import` have `source: import`). */
const IMPORT_ATTRIBUTION: Attribution = { actor: { type: "system", id: "cli" }, source: "import", requestId: null }

/** A problem with the file or one of its entries (the CLI prints it with exit code 2). */
export class ImportError extends Error {}

/** What a catalog file holds. */
export interface CatalogFile {
  readonly categories: ReadonlyArray<Record<string, unknown>>
  readonly notiflows: ReadonlyArray<Record<string, unknown>>
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const entries = (value: unknown, what: string): ReadonlyArray<Record<string, unknown>> => {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new ImportError(`"${what}" must be a JSON array`)
  return value.map((item, i) => {
    if (!isObject(item)) throw new ImportError(`${what} entry ${i} must be a JSON object`)
    return item
  })
}

/**
 * Reads a parsed file. `notiflows`: an array of notiflows, or `{"categories"?: [...],
 * "notiflows": [...]}`. `categories`: an array of categories, or `{"categories": [...]}`.
 */
export const readCatalogFile = (parsed: unknown, kind: "notiflows" | "categories"): CatalogFile => {
  if (Array.isArray(parsed)) return kind === "notiflows" ? { categories: [], notiflows: entries(parsed, "notiflows") } : { categories: entries(parsed, "categories"), notiflows: [] }
  if (!isObject(parsed) || !Object.hasOwn(parsed, kind)) {
    throw new ImportError(
      kind === "notiflows"
        ? 'the file must hold a JSON array of notiflows or {"categories"?: [...], "notiflows": [...]}'
        : 'the file must hold a JSON array of categories or {"categories": [...]}'
    )
  }
  const extra = Object.keys(parsed).filter((k) => k !== "categories" && (kind === "categories" || k !== "notiflows"))
  if (extra.length > 0) throw new ImportError(`unknown key in the file: ${extra.join(", ")}`)
  return { categories: entries(parsed["categories"], "categories"), notiflows: kind === "notiflows" ? entries(parsed["notiflows"], "notiflows") : [] }
}

interface Counts {
  imported: number
  created: number
  updated: number
}

const describeIssues = (what: string, i: number, id: string, issues: ReadonlyArray<{ readonly field: string; readonly message: string }>) =>
  new ImportError(`${what} entry ${i} (${id}): ${issues.map((x) => `${x.field || "body"}: ${x.message}`).join("; ")}`)

const idOf = (item: Record<string, unknown>, what: string, i: number, valid: (s: string) => boolean): string => {
  const id = item["id"]
  if (typeof id !== "string" || !valid(id)) throw new ImportError(`${what} entry ${i}: "id" must be a valid ${what === "categories" ? "category" : "notiflow"} id`)
  return id
}

/**
 * Upserts the file's categories, then its notiflows (with their memberships). Ids are checked
 * before anything is written; an entry the API refuses stops the import there (earlier entries stay).
 */
export const importCatalog = (projectId: ProjectId, file: CatalogFile) =>
  Effect.gen(function* () {
    const [categoryIds, notiflowIds] = yield* Effect.try({
      try: () => [file.categories.map((c, i) => idOf(c, "categories", i, isCategoryId)), file.notiflows.map((n, i) => idOf(n, "notiflows", i, isNotiflowId))] as const,
      catch: (e) => (e instanceof ImportError ? e : new ImportError("unreadable entry"))
    })
    const categories: Counts = { imported: 0, created: 0, updated: 0 }
    for (const [i, item] of file.categories.entries()) {
      const id = categoryIds[i]!
      const { id: _, ...body } = item
      const result = yield* Effect.mapError(upsertCategory(projectId, id as never, body, IMPORT_ATTRIBUTION), (e) =>
        e._tag === "ValidationFailed" ? describeIssues("categories", i, id, e.issues) : e
      )
      categories.imported++
      if (result.created) categories.created++
      else categories.updated++
    }
    const notiflows: Counts = { imported: 0, created: 0, updated: 0 }
    for (const [i, item] of file.notiflows.entries()) {
      const id = notiflowIds[i]!
      const { id: _, ...body } = item
      const result = yield* Effect.mapError(upsertNotiflowV2(projectId, id as never, body, IMPORT_ATTRIBUTION), (e) =>
        e._tag === "ValidationFailed" ? describeIssues("notiflows", i, id, e.issues) : e
      )
      notiflows.imported++
      if (result.created) notiflows.created++
      else notiflows.updated++
    }
    return { categories, notiflows }
  })
