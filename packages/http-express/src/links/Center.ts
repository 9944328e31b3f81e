/**
 * The hosted preference center (LINKS.md §5): the user's view for the token's tenant with its
 * ETag; a save writes only the leaves the user changed (diff-only), with `If-Match` semantics,
 * and a stale save writes nothing and shows the current state with the user's changes kept.
 */
import * as Effect from "effect/Effect"
import type { ScopedSnapshot } from "@notiflows/domain"
import { liveCategoriesOf, PreconditionFailed, scopedView, scopeOf, updateScopedPreferences } from "@notiflows/domain"
import type { Branding, CenterForm, CenterState, PageModel } from "@notiflows/pages"
import { centerChanges, centerStateFromView, changesToPatch } from "@notiflows/pages"
import { snapshotOf } from "../internal/Direct.js"
import { viewTag } from "../internal/ViewText.js"
import { run } from "../internal/effectToPromise.js"
import type { ActionEnv } from "./Unsubscribe.js"
import type { VerifiedLink } from "./Verify.js"

const stateOf = (s: ScopedSnapshot): CenterState => {
  // Required notiflows are not in the user view; the center shows them read-only.
  const required = s.catalog.notiflows
    .filter((n) => n.required && !n.deleted && n.include_in_preferences)
    .map((n) => ({ id: n.id as string, name: n.name, categories: liveCategoriesOf(s.catalog, n.id).filter((c) => c.include_in_preferences).map((c) => c.id as string) }))
  return centerStateFromView({ view: scopedView(s, "user"), etag: viewTag(s, "user", "view"), tenantId: s.scope._tag === "Tenant" ? s.scope.tenantId : null, required })
}

const snapshot = (env: ActionEnv, link: VerifiedLink) => snapshotOf(env.runtime, link.projectId, link.user.externalId, scopeOf(link.record.tenantId))
/** The first read: the snapshot read with the token's user when there is one. */
const firstSnapshot = async (env: ActionEnv, link: VerifiedLink) => link.snapshot ?? (await snapshot(env, link))

/** GET/HEAD: the center from the stored state. */
export const centerPage = async (env: ActionEnv, link: VerifiedLink): Promise<{ readonly model: PageModel; readonly etag: string }> => {
  const state = stateOf(await firstSnapshot(env, link))
  return { model: { kind: "center", center: state, notice: { kind: "none" } }, etag: state.etag }
}

/** POST `action=save`: diff-only, conditional on the rendered ETag. */
export const saveCenter = async (env: ActionEnv, link: VerifiedLink, form: CenterForm, branding: Branding): Promise<{ readonly model: PageModel; readonly etag: string }> => {
  const now = stateOf(await firstSnapshot(env, link))
  const changes = centerChanges(form, now, branding)
  const stale = (state: CenterState) => ({ model: { kind: "center", center: state, notice: { kind: "stale", changes } } as PageModel, etag: state.etag })
  if (form.etag !== now.etag) return stale(now)
  const patch = changesToPatch(changes)
  if (Object.keys(patch).length === 0) return { model: { kind: "center", center: now, notice: { kind: "saved" } }, etag: now.etag }
  const written = await run(
    env.runtime,
    Effect.catchIf(
      Effect.map(
        updateScopedPreferences({
          projectId: link.projectId,
          externalId: link.user.externalId,
          scope: scopeOf(link.record.tenantId),
          audience: "user",
          body: patch,
          context: { actor: { type: "link", id: link.token.jti }, requestId: env.requestId, source: "preference_center", consent: env.consent },
          // Another write between the read and the commit loses nothing: the save is stale.
          precondition: (s) => {
            const tag = viewTag(s, "user", "view")
            return tag === form.etag ? undefined : tag
          }
        }),
        () => true
      ),
      (e) => e instanceof PreconditionFailed,
      () => Effect.succeed(false)
    )
  )
  const after = stateOf(await snapshot(env, link))
  return written ? { model: { kind: "center", center: after, notice: { kind: "saved" } }, etag: after.etag } : stale(after)
}
