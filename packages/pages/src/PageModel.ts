/**
 * What a page shows, independent of language and markup: the router decides the state (LINKS.md
 * §3–§5, §8) and `renderPage` turns it into HTML. Every variant maps to exactly one HTTP status.
 */
import type { ChannelType } from "@notiflows/domain"

/**
 * What an unsubscribe link is about (LINKS.md §2.1), with display names already looked up.
 * `name` is the notiflow's or category's name as stored (never translated).
 */
export type ScopeView =
  | { readonly kind: "notiflow" | "category"; readonly name: string; readonly channel: ChannelType | null }
  | { readonly kind: "channel"; readonly channel: ChannelType }

/**
 * The leaf's state when a confirm page renders or an unsubscribe/undo POST found it untouchable
 * (LINKS.md §3's last row): `subscribed` shows the Unsubscribe form, `unsubscribed` (explicit
 * `false`) the "Subscribe again" form, the other three their sentence and no form.
 */
export type LeafState = "subscribed" | "unsubscribed" | "required" | "deleted" | "locked"

/** One checkbox's data: the effective value and whether the tenant locks it. */
export interface LeafView {
  readonly value: boolean
  readonly locked: boolean
}

/** A category of the center (live, `include_in_preferences`). */
export interface CenterCategory {
  readonly id: string
  readonly name: string
  readonly enabled: LeafView
  /** The channel leaves the view defines (MODEL.md R1); only types the branding shows get a box. */
  readonly channel_types: Partial<Record<ChannelType, LeafView>>
}

/** A notiflow of the center (live, `include_in_preferences`; required ones included, read-only). */
export interface CenterNotiflow extends CenterCategory {
  readonly required: boolean
  /** Its live category ids in the notiflow's order: it is drawn in the first one the center shows. */
  readonly categories: ReadonlyArray<string>
}

/** Everything the center draws: the user's view for the token's tenant plus its ETag. */
export interface CenterState {
  /** The view's ETag (as in the `ETag` header); posted back in the hidden `etag` field. */
  readonly etag: string
  /** The token's tenant, or `null` for the global set (the page says which organisation it is for). */
  readonly tenant_id: string | null
  readonly channel_types: Readonly<Record<ChannelType, LeafView>>
  readonly categories: ReadonlyArray<CenterCategory>
  readonly notiflows: ReadonlyArray<CenterNotiflow>
}

/**
 * A leaf path of the center's form (LINKS.md §5): `channel_types.{type}`,
 * `categories.{id}.enabled`, `categories.{id}.channel_types.{type}`, `notiflows.{id}.enabled`,
 * `notiflows.{id}.channel_types.{type}`.
 */
export type LeafPath = string

/** The banner above the center's form. */
export type CenterNotice =
  | { readonly kind: "none" }
  /** 200 after a save (also an empty one): "Your preferences have been saved." */
  | { readonly kind: "saved" }
  /**
   * 409: nothing was written; `changes` (path → the value the user submitted, from
   * `centerChanges`) are re-applied to leaves still editable and marked "Changed, not saved yet".
   */
  | { readonly kind: "stale"; readonly changes: ReadonlyMap<LeafPath, boolean> }

/** Statuses of the plain error pages (LINKS.md §8). */
export type ErrorStatus = 400 | 403 | 404 | 405 | 409 | 410 | 413 | 415 | 429 | 500 | 503

/** Every page under `/l`. */
export type PageModel =
  /** 200, GET/HEAD of an unsubscribe link, or an unsubscribe/undo POST that met §3's last row. */
  | { readonly kind: "confirm"; readonly scope: ScopeView; readonly state: LeafState }
  /** 200 after `action=unsubscribe`; `undoTicket` only when that POST wrote the leaf. */
  | { readonly kind: "result"; readonly scope: ScopeView; readonly undoTicket: string | null }
  /** 200 after an undo that restored the leaf (or found it restored) or `action=resubscribe`. */
  | { readonly kind: "resubscribed"; readonly scope: ScopeView }
  /** 409: the undo found the leaf changed elsewhere. */
  | { readonly kind: "undo_conflict" }
  /** 410: the undo ticket expired (the link itself is valid, so the preference link is shown). */
  | { readonly kind: "undo_expired" }
  /** 200 (`none`, `saved`) or 409 (`stale`). */
  | { readonly kind: "center"; readonly center: CenterState; readonly notice: CenterNotice }
  /**
   * A plain error page. 404 is unbranded (pass `branding: null`); 410 is branded with `help_url`
   * and nothing that uses the token; 429 and 503 go with a `Retry-After` header the router sets.
   */
  | { readonly kind: "error"; readonly status: ErrorStatus }

/** The HTTP status a model is answered with. */
export const statusOf = (model: PageModel): number => {
  switch (model.kind) {
    case "confirm":
    case "result":
    case "resubscribed":
      return 200
    case "undo_conflict":
      return 409
    case "undo_expired":
      return 410
    case "center":
      return model.notice.kind === "stale" ? 409 : 200
    case "error":
      return model.status
  }
}
