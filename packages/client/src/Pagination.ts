/**
 * List endpoints answer `{items, page: {after, has_more_after, …}}` (API.md §5, "paginated like
 * users"). A {@link Paginator} walks every page from the first (or from `after`) lazily, one
 * request per page: `for await (const user of admin.users.list())`.
 */
import type { ApiResponse } from "./Transport.js"

export interface Page<T> {
  readonly items: ReadonlyArray<T>
  readonly page: { readonly after?: string | null; readonly has_more_after: boolean }
}

/** Every item of every page, in the server's order; also page by page (`pages()`). */
export interface Paginator<T> extends AsyncIterable<T> {
  /** Each page as the server answered it (with its request id). */
  pages(): AsyncIterableIterator<ApiResponse<Page<T>>>
  /** Collects every item (bounded by `max`, default 10,000, so a mistake cannot exhaust memory). */
  toArray(max?: number): Promise<Array<T>>
}

/** `fetchPage(after)` gets one page; `undefined` asks for the first. */
export const paginate = <T>(fetchPage: (after: string | undefined) => Promise<ApiResponse<Page<T>>>, start?: string): Paginator<T> => {
  async function* pages(): AsyncIterableIterator<ApiResponse<Page<T>>> {
    let after = start
    for (;;) {
      const response = await fetchPage(after)
      yield response
      const next = response.data.page.after
      if (!response.data.page.has_more_after || next === undefined || next === null || next === after) return
      after = next
    }
  }
  async function* items(): AsyncIterableIterator<T> {
    for await (const page of pages()) yield* page.data.items
  }
  return {
    pages,
    [Symbol.asyncIterator]: items,
    toArray: async (max = 10_000) => {
      const out: Array<T> = []
      for await (const item of items()) {
        if (out.length >= max) throw new RangeError(`more than ${max} items: iterate instead of collecting`)
        out.push(item)
      }
      return out
    }
  }
}
