/**
 * Port: link keys, scope records and users' link revocations (LINKS.md §1, §2.3). Secrets, kids
 * and record ids are random bytes the adapter draws (the domain has no secure randomness).
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { RepositoryError } from "./Errors.js"
import type { LinkScope } from "./Links.js"
import type { ExternalUserId, ProjectId, UserId } from "./Preferences.js"
import type { TenantId } from "./Tenants.js"

/** A project's link key: 32 secret bytes under a 4-byte `kid` (8 hex digits). */
export interface LinkKey {
  readonly projectId: ProjectId
  /** 8 lowercase hex digits. */
  readonly kid: string
  /** 32 bytes; never leaves the process (never answered, logged or printed). */
  readonly secret: Uint8Array
  readonly active: boolean
  readonly createdAt: Date
  readonly revokedAt: Date | null
}

/** A stored `{scope, tenant_id}` pair, shared by every token naming it; never changed or deleted. */
export interface LinkScopeRecord {
  /** 16 lowercase hex digits (8 bytes); all zero is reserved for "neither". */
  readonly id: string
  readonly scope: LinkScope | null
  readonly tenantId: TenantId | null
}

/** The all-zero scope record id: no scope, no tenant. */
export const NO_SCOPE_RECORD = "0000000000000000"

/** What verification and minting need of a user. */
export interface LinkUser {
  readonly userId: UserId
  readonly externalId: ExternalUserId
  readonly locale: string | null
  /** Links and tickets issued at or before this second are revoked (§2.3). */
  readonly linksValidAfter: Date | null
}

/** No such link key in the project. */
export class LinkKeyNotFound extends Schema.TaggedError<LinkKeyNotFound>()("LinkKeyNotFound", { kid: Schema.String }) {}

/** The active key cannot be revoked: rotate first. */
export class LinkKeyActive extends Schema.TaggedError<LinkKeyActive>()("LinkKeyActive", { kid: Schema.String }) {}

export class LinkRepository extends Context.Tag("@notiflows/domain/LinkRepository")<
  LinkRepository,
  {
    /**
     * The project's active key; made at first use when the project has none (a unique partial
     * index allows one active key per project: concurrent callers insert with `ON CONFLICT DO
     * NOTHING` and re-read, so they all get the same key).
     */
    readonly activeKey: (projectId: ProjectId) => Effect.Effect<LinkKey, RepositoryError>
    /** A key by kid, revoked ones included (the caller decides). */
    readonly findKey: (projectId: ProjectId, kid: string) => Effect.Effect<Option.Option<LinkKey>, RepositoryError>
    /** Every key of the project, oldest first. */
    readonly listKeys: (projectId: ProjectId) => Effect.Effect<ReadonlyArray<LinkKey>, RepositoryError>
    /** A new active key; the previous ones stay (and keep verifying until revoked). */
    readonly rotate: (projectId: ProjectId, at: Date) => Effect.Effect<LinkKey, RepositoryError>
    /** Revokes a key that is not the active one (revoking twice keeps the first time). */
    readonly revoke: (projectId: ProjectId, kid: string, at: Date) => Effect.Effect<LinkKey, LinkKeyNotFound | LinkKeyActive | RepositoryError>
    /** In one transaction: a new active key, every other key revoked; `revoked` counts the keys revoked now. */
    readonly revokeAll: (projectId: ProjectId, at: Date) => Effect.Effect<{ readonly key: LinkKey; readonly revoked: number }, RepositoryError>
    /** The record of a pair, stored at first use (`ON CONFLICT DO NOTHING`, re-read). */
    readonly ensureScope: (projectId: ProjectId, scope: LinkScope | null, tenantId: TenantId | null) => Effect.Effect<LinkScopeRecord, RepositoryError>
    readonly findScope: (projectId: ProjectId, id: string) => Effect.Effect<Option.Option<LinkScopeRecord>, RepositoryError>
    /** A user by our id (tokens carry it). */
    readonly findUser: (projectId: ProjectId, userId: UserId) => Effect.Effect<Option.Option<LinkUser>, RepositoryError>
    /** `findUser` as a plain promise (a token's verification without a fiber); rejects with `RepositoryError`. Optional. */
    readonly findUserPromise?: (projectId: ProjectId, userId: UserId) => Promise<Option.Option<LinkUser>>
    /** Users by external id (batch minting); unknown ones are absent. */
    readonly findUsers: (projectId: ProjectId, externalIds: ReadonlyArray<ExternalUserId>) => Effect.Effect<ReadonlyMap<ExternalUserId, LinkUser>, RepositoryError>
    /** Sets the user's `links_valid_after` to `at`; `None` for an unknown user. */
    readonly revokeUserLinks: (projectId: ProjectId, externalId: ExternalUserId, at: Date) => Effect.Effect<Option.Option<Date>, RepositoryError>
  }
>() {}
