/**
 * A read-through cache of what verifying a link token reads besides its user (LINKS.md §1): the
 * link key named by the token's `kid`, and the scope record it references. LINKS.md lets key
 * changes apply within 5 s (they are made with the CLI, another process); scope records never
 * change. This instance's own key changes (rotate, revoke, revoke-all) clear the key entries at
 * once. Users (`links_valid_after`, erasure) are not cached: their revocation applies at once.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { LinkPeek, NOTHING_HELD } from "./CachedParts.js"
import type { LinkKey, LinkScopeRecord } from "./LinkRepository.js"
import { LinkRepository } from "./LinkRepository.js"
import type { ProjectViewCacheOptions } from "./ProjectViewCache.js"
import { cacheSettings, makeCache } from "./ProjectViewCache.js"

/**
 * Wraps the link repository of the context and provides what it holds as {@link LinkPeek}.
 * Provide it on top of an adapter layer:
 * `Layer.provideMerge(layerLinkCache(), adapterLayer)`.
 */
export const layerLinkCache = (options: ProjectViewCacheOptions = {}): Layer.Layer<LinkRepository | LinkPeek, never, LinkRepository> => {
  const { max, ttl } = cacheSettings(options)
  return Layer.effectContext(
    Effect.gen(function* () {
      const links = yield* LinkRepository
      if (ttl <= 0) return Context.make(LinkRepository, links).pipe(Context.add(LinkPeek, NOTHING_HELD.links))
      // Only what exists is kept: ids from forged tokens (checked before their MAC) never push the
      // real keys and scopes out.
      const keys = makeCache<Option.Option<LinkKey>>(ttl, max, Option.isSome)
      const scopes = makeCache<Option.Option<LinkScopeRecord>>(ttl, max * 10, Option.isSome)
      const at = (projectId: string, id: string) => `${projectId}\n${id}`
      const cached: LinkRepository["Type"] = {
        ...links,
        findKey: (projectId, kid) => keys.get(at(projectId, kid), links.findKey(projectId, kid)),
        findScope: (projectId, id) => scopes.get(at(projectId, id), links.findScope(projectId, id)),
        rotate: (projectId, when) => Effect.ensuring(links.rotate(projectId, when), keys.clear),
        revoke: (projectId, kid, when) => Effect.ensuring(links.revoke(projectId, kid, when), keys.clear),
        revokeAll: (projectId, when) => Effect.ensuring(links.revokeAll(projectId, when), keys.clear)
      }
      const peek: LinkPeek["Type"] = { key: (projectId, kid) => keys.peek(at(projectId, kid)), scope: (projectId, id) => scopes.peek(at(projectId, id)) }
      return Context.make(LinkRepository, cached).pipe(Context.add(LinkPeek, peek))
    })
  )
}
