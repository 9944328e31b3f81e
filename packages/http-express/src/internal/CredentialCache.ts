/**
 * In-process caches of API keys (by hash) and projects, so authenticating a request costs no
 * query in the common case. Entries live at most `ttlMs` (≤ 5 s, API.md §2: a revoked key or a
 * settings change reaches every instance within 5 s). Sizes are bounded so random keys cannot
 * grow memory without limit.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { ApiKey, Project, ProjectId } from "@notiflows/domain"
import { ProjectRepository } from "@notiflows/domain"
import type { RouterRuntime } from "./effectToPromise.js"
import { run } from "./effectToPromise.js"

const MAX_ENTRIES = 10_000

interface Entry<A> {
  readonly value: A
  readonly expires: number
}

/** A TTL map with insertion-order eviction. */
class TtlCache<A> {
  private readonly entries = new Map<string, Entry<A>>()
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number
  ) {}
  get(key: string): A | undefined {
    const e = this.entries.get(key)
    if (e === undefined) return undefined
    if (e.expires <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return e.value
  }
  set(key: string, value: A): A {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next()
      if (oldest.done !== true) this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, expires: this.now() + this.ttlMs })
    return value
  }
}

/** A stored key together with the hash it was found by. */
export interface KeyRecord {
  readonly key: ApiKey
  readonly hash: string
}

export interface CredentialCache {
  /** The key stored under this hash (revoked ones included), `undefined` when none. */
  readonly keyByHash: (hash: string) => Promise<KeyRecord | undefined>
  readonly project: (projectId: ProjectId) => Promise<Project | undefined>
  /** Every origin some project allows (for preflights, which carry no key). */
  readonly anyProjectOrigins: () => Promise<ReadonlySet<string>>
}

export const makeCredentialCache = (runtime: RouterRuntime, ttlMs: number, now: () => number): CredentialCache => {
  const keys = new TtlCache<KeyRecord | null>(ttlMs, now)
  const projects = new TtlCache<Project | null>(ttlMs, now)
  const origins = new TtlCache<ReadonlySet<string>>(ttlMs, now)
  return {
    keyByHash: async (hash) => {
      const cached = keys.get(hash)
      if (cached !== undefined) return cached ?? undefined
      const found = await run(runtime, Effect.flatMap(ProjectRepository, (p) => p.findApiKeyByHash(hash)))
      return keys.set(hash, Option.match(found, { onNone: () => null, onSome: (key) => ({ key, hash }) })) ?? undefined
    },
    project: async (projectId) => {
      const cached = projects.get(projectId)
      if (cached !== undefined) return cached ?? undefined
      const found = await run(runtime, Effect.flatMap(ProjectRepository, (p) => p.get(projectId)))
      return projects.set(projectId, Option.getOrNull(found)) ?? undefined
    },
    anyProjectOrigins: async () => {
      const cached = origins.get("*")
      if (cached !== undefined) return cached
      const all = await run(runtime, Effect.flatMap(ProjectRepository, (p) => p.list()))
      return origins.set("*", new Set(all.flatMap((p) => p.allowedOrigins)))
    }
  }
}
