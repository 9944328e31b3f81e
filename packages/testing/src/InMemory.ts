/**
 * The in-memory adapters: the reference implementation of every port, plus the
 * {@link StorageInspector} that reads their state. Each `Layer.build` gets a fresh store, so every
 * suite (or test file) that builds the layer is isolated from the others.
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import {
  BrandingRepository,
  CategoryRepository,
  EventRepository,
  IdempotencyRepository,
  JobRepository,
  LinkRepository,
  NotiflowCatalogRepository,
  PreferenceRepository,
  ProjectRepository,
  ScopedPreferenceRepository,
  TenantRepository,
  UserRepository,
  WebhookDeliveryRepository,
  WebhookRepository
} from "@notiflows/domain"
import { makeCatalogRepository } from "./InMemoryCatalogRepository.js"
import { makeCategoryRepository } from "./InMemoryCategoryRepository.js"
import { makeEventRepository } from "./InMemoryEventRepository.js"
import { makeScopedPreferenceRepository } from "./InMemoryScopedPreferenceRepository.js"
import { makeTenantRepository } from "./InMemoryTenantRepository.js"
import { makeIdempotencyRepository } from "./InMemoryIdempotencyRepository.js"
import { makeJobRepository } from "./InMemoryJobRepository.js"
import { makeLinkRepository } from "./InMemoryLinkRepository.js"
import { makePreferenceRepository } from "./InMemoryPreferenceRepository.js"
import { makeProjectRepository } from "./InMemoryProjectRepository.js"
import { makeStorageInspector } from "./InMemoryStorageInspector.js"
import { makeUserRepository } from "./InMemoryUserRepository.js"
import { makeStore } from "./internal/store.js"
import { makeBrandingRepository } from "./InMemoryBrandingRepository.js"
import { makeWebhookRepository } from "./InMemoryWebhookRepository.js"
import { makeWebhookDeliveryRepository } from "./InMemoryWebhookDeliveryRepository.js"
import { makeModelInspector } from "./InMemoryModelInspector.js"
import { ModelInspector } from "./ModelInspector.js"
import { StorageInspector } from "./StorageInspector.js"

/** Everything an adapter layer provides to the conformance suites. */
export type AdapterServices = PreferenceRepository | UserRepository | NotiflowCatalogRepository | ProjectRepository | StorageInspector

/** The ports of the preference model v2 (MODEL.md): categories, tenants, scoped sets. */
export type ModelServices =
  | CategoryRepository
  | TenantRepository
  | ScopedPreferenceRepository
  | ModelInspector
  | LinkRepository
  | BrandingRepository
  | WebhookRepository
  | WebhookDeliveryRepository
  | JobRepository

/** All ports and the inspector over one store (pure: `Effect.sync`, no I/O). */
export const make: Effect.Effect<Context.Context<AdapterServices | ModelServices | IdempotencyRepository | EventRepository>> = Effect.sync(() => {
  const store = makeStore()
  return Context.empty().pipe(
    Context.add(PreferenceRepository, makePreferenceRepository(store)),
    Context.add(UserRepository, makeUserRepository(store)),
    Context.add(NotiflowCatalogRepository, makeCatalogRepository(store)),
    Context.add(ProjectRepository, makeProjectRepository(store)),
    Context.add(StorageInspector, makeStorageInspector(store)),
    Context.add(IdempotencyRepository, makeIdempotencyRepository(store.idempotency)),
    Context.add(CategoryRepository, makeCategoryRepository(store)),
    Context.add(TenantRepository, makeTenantRepository(store)),
    Context.add(ScopedPreferenceRepository, makeScopedPreferenceRepository(store)),
    Context.add(ModelInspector, makeModelInspector(store)),
    Context.add(EventRepository, makeEventRepository(store)),
    Context.add(LinkRepository, makeLinkRepository(store)),
    Context.add(BrandingRepository, makeBrandingRepository(store)),
    Context.add(WebhookRepository, makeWebhookRepository(store)),
    Context.add(WebhookDeliveryRepository, makeWebhookDeliveryRepository(store)),
    Context.add(JobRepository, makeJobRepository(store))
  )
})

/** The in-memory adapters as one layer; a fresh, empty store per build. */
export const layer: Layer.Layer<AdapterServices | ModelServices | IdempotencyRepository | EventRepository> = Layer.effectContext(make)
