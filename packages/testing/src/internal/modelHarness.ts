/**
 * Harness of the model conformance suites (MODEL.md): one layer build per suite, live services,
 * cases isolated by a fresh project each.
 */
import type { Vitest } from "@effect/vitest"
import { layer } from "@effect/vitest"
import type * as Layer from "effect/Layer"
import type { CategoryId, ExternalUserId, NotiflowId, ProjectId, TenantId } from "@notiflows/domain"
import type { AdapterServices, ModelServices } from "../InMemory.js"
import { freshId } from "./fixtures.js"

/** What an adapter hands to the model suites: the v1 ports, the v2 ports and the {@link ModelInspector}. */
export type ModelLayer = Layer.Layer<AdapterServices | ModelServices, unknown>

export type ModelIt = Vitest.MethodsNonLive<AdapterServices | ModelServices, true>

export const runModelSuite = (name: string, layer_: ModelLayer, cases: (it: ModelIt) => void): void =>
  layer(layer_, { excludeTestServices: true, timeout: "120 seconds" })(name, (it) => cases(it))

export const pid = (id: string) => id as ProjectId
export const catId = (prefix = "cat") => freshId(prefix) as CategoryId
export const tenant = (prefix = "tenant") => freshId(prefix) as TenantId
export const nfId = (id: string) => id as NotiflowId
export const ext = (id: string) => id as ExternalUserId
