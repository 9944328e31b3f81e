/**
 * A notiflow's membership list written as a compare-and-set (`MembershipChange`), inside a
 * transaction that holds the notiflow's row lock (its save's UPDATE/INSERT, or `FOR UPDATE`), so
 * list writes and saves of one notiflow are ordered and a stale writer conflicts instead of
 * overwriting a newer list.
 */
import { and, eq } from "drizzle-orm"
import type { MembershipChange, NotiflowId, ProjectId } from "@notiflows/domain"
import { sameIds, VersionConflict } from "@notiflows/domain"
import { notiflowCategories } from "../schema.js"
import type { NotiflowsDatabase } from "./database.js"
import { Abort } from "./promiseToEffect.js"

/** Replaces the list when it still is `change.expected`; else aborts the transaction with `VersionConflict`. */
export const replaceMemberships = async (
  tx: NotiflowsDatabase,
  projectId: ProjectId,
  notiflowId: NotiflowId,
  change: MembershipChange,
  revision: number | null
): Promise<void> => {
  const where = and(eq(notiflowCategories.projectId, projectId), eq(notiflowCategories.notiflowId, notiflowId))
  const stored = await tx.select({ categoryId: notiflowCategories.categoryId }).from(notiflowCategories).where(where).orderBy(notiflowCategories.position)
  if (!sameIds(stored.map((r) => r.categoryId), change.expected)) {
    throw new Abort(new VersionConflict({ expected: revision, actual: revision }))
  }
  await tx.delete(notiflowCategories).where(where)
  if (change.next.length > 0) {
    await tx.insert(notiflowCategories).values(change.next.map((categoryId, position) => ({ projectId, notiflowId, categoryId, position })))
  }
}
