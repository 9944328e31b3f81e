/**
 * What the per-project read-through caches hold right now, read synchronously without running
 * an effect: the parts of a preference read other than the user's own sets. The cache layers
 * provide these next to the ports they wrap (`layerProjectViewCache`, `layerModelCache`); a
 * part that is missing, loading or older than the caches' bound answers `undefined`, and the
 * caller then runs the use case, which loads it. Used by the fiberless read path (DirectReads.ts).
 */
import * as Context from "effect/Context"
import type * as Option from "effect/Option"
import type { StoredNotiflow } from "./Catalog.js"
import type { CategoryId, StoredCategory } from "./Categories.js"
import type { LinkKey, LinkScopeRecord } from "./LinkRepository.js"
import type { NotiflowId, ProjectId } from "./Preferences.js"
import type { Project } from "./ProjectRepository.js"
import type { StoredTenantDefaults } from "./TenantRepository.js"
import type { TenantId } from "./Tenants.js"

/** The project view cache's parts: the notiflow catalog and the project (its defaults). */
export class ProjectViewPeek extends Context.Tag("@notiflows/domain/ProjectViewPeek")<
  ProjectViewPeek,
  {
    readonly notiflows: (projectId: ProjectId) => ReadonlyArray<StoredNotiflow> | undefined
    readonly project: (projectId: ProjectId) => Option.Option<Project> | undefined
  }
>() {}

/** The model cache's parts: categories, memberships and tenant defaults. */
export class ModelPeek extends Context.Tag("@notiflows/domain/ModelPeek")<
  ModelPeek,
  {
    readonly categories: (projectId: ProjectId) => ReadonlyArray<StoredCategory> | undefined
    readonly memberships: (projectId: ProjectId) => ReadonlyMap<NotiflowId, ReadonlyArray<CategoryId>> | undefined
    readonly tenantDefaults: (projectId: ProjectId, tenantId: TenantId) => StoredTenantDefaults | undefined
  }
>() {}

/** The link cache's parts (`layerLinkCache`): link keys and scope records that exist. */
export class LinkPeek extends Context.Tag("@notiflows/domain/LinkPeek")<
  LinkPeek,
  {
    readonly key: (projectId: ProjectId, kid: string) => Option.Option<LinkKey> | undefined
    readonly scope: (projectId: ProjectId, id: string) => Option.Option<LinkScopeRecord> | undefined
  }
>() {}

/** Peeks for caches that are off (time to live 0): nothing is ever held. */
export const NOTHING_HELD = {
  links: { key: () => undefined, scope: () => undefined } satisfies LinkPeek["Type"],
  projectView: { notiflows: () => undefined, project: () => undefined } satisfies ProjectViewPeek["Type"],
  model: { categories: () => undefined, memberships: () => undefined, tenantDefaults: () => undefined } satisfies ModelPeek["Type"]
}
