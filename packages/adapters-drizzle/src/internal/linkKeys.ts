/**
 * Link key material (LINKS.md §2.3): 32 random bytes under a random 4-byte kid, and the insert
 * of a project's active key that concurrent callers may all attempt (`ON CONFLICT DO NOTHING` on
 * the unique partial index `link_keys_one_active`, or on a kid drawn twice).
 */
import { randomBytes } from "node:crypto"
import type { ProjectId } from "@notiflows/domain"
import { and, eq } from "drizzle-orm"
import { linkKeys } from "../schema.js"
import type { NotiflowsDatabase } from "./database.js"

export const newKid = (): string => randomBytes(4).toString("hex")
export const newLinkSecret = (): string => randomBytes(32).toString("base64url")
export const newScopeRecordId = (): string => {
  for (;;) {
    const id = randomBytes(8).toString("hex")
    // All zero means "no record" in a token.
    if (id !== "0000000000000000") return id
  }
}

/** Inserts an active key unless the project has one; true when this call inserted it. */
export const insertActiveLinkKey = async (tx: NotiflowsDatabase, projectId: ProjectId, at: Date): Promise<boolean> => {
  const rows = await tx
    .insert(linkKeys)
    .values({ projectId, kid: newKid(), secret: newLinkSecret(), active: true, createdAt: at, revokedAt: null })
    .onConflictDoNothing()
    .returning({ kid: linkKeys.kid })
  return rows.length > 0
}

/** Retires the project's active key and inserts a new active one (rotation); the new key's row. */
export const replaceActiveLinkKey = async (tx: NotiflowsDatabase, projectId: ProjectId, at: Date) => {
  await tx.update(linkKeys).set({ active: false }).where(and(eq(linkKeys.projectId, projectId), eq(linkKeys.active, true)))
  const [row] = await tx
    .insert(linkKeys)
    .values({ projectId, kid: newKid(), secret: newLinkSecret(), active: true, createdAt: at, revokedAt: null })
    .returning()
  if (row === undefined) throw new Error("insert returned no row")
  return row
}
