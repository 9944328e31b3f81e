/**
 * `GET /admin/users/{user_id}/export` (EVENTS.md §1.2): the head (profile and sets, one read)
 * decides 200 or 404 before any byte; the ledger follows in pages, each read only once the
 * previous one was taken by the client (`write` resolves on the socket's drain), so one page at
 * most is held and no database connection waits on the client; a failure after the first byte
 * aborts the connection (Send.ts).
 */
import type { LedgerKey, ProjectId, UserExport, UserExportPage } from "@notiflows/domain"
import { beginUserExport, USER_EXPORT_TAIL, userExportLedger } from "@notiflows/domain"
import type { Reply, RequestContext } from "../Http.js"
import { principalOf } from "../Http.js"
import { run } from "../internal/effectToPromise.js"
import type { RouterRuntime } from "../internal/effectToPromise.js"
import { userIdParam } from "./Params.js"
import type { HandlerDeps } from "./Route.js"

/**
 * Writes the document: the head, the ledger page by page (each page read after the previous
 * `write` resolved), then the tail. Rejects on any failure (the caller aborts the connection).
 */
export const writeUserExport = async (
  runtime: RouterRuntime,
  projectId: ProjectId,
  plan: UserExport,
  write: (chunk: string) => Promise<void>
): Promise<void> => {
  await write(plan.head)
  let after: LedgerKey | null = null
  let first = true
  for (;;) {
    const page: UserExportPage = await run(runtime, userExportLedger(projectId, plan, after))
    if (page.count > 0) await write(first ? page.text : `,${page.text}`)
    first = first && page.count === 0
    if (page.next === null) break
    after = page.next
  }
  await write(USER_EXPORT_TAIL)
}

export const exportUser = async (ctx: RequestContext, deps: HandlerDeps): Promise<Reply> => {
  const externalId = userIdParam(ctx)
  const projectId = principalOf(ctx).project.id as ProjectId
  const plan = await run(deps.runtime, beginUserExport(projectId, externalId))
  return {
    status: 200,
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      "Content-Disposition": `attachment; filename="user-${plan.userId}.json"`
    },
    stream: (write) => writeUserExport(deps.runtime, projectId, plan, write)
  }
}
