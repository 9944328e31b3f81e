/** Confirm, result, resubscribed and undo pages (LINKS.md §3–§4). */
import type { JSX } from "preact"
import { safeHttpUrl } from "../Branding.js"
import type { Locale } from "../Locale.js"
import type { MessageKey, Translate } from "../Messages.js"
import type { LeafState, ScopeView } from "../PageModel.js"

/** The message variant for a scope: an entry, an entry on one channel, or a whole channel. */
const variant = (scope: ScopeView): "entry" | "entryChannel" | "channel" =>
  scope.kind === "channel" ? "channel" : scope.channel === null ? "entry" : "entryChannel"

/** The scope's sentence of a family (`confirm.heading`, `result.status`, …), names and channel filled in. */
export const scopeText = (
  t: Translate,
  family: "confirm.heading" | "confirm.already" | "result.status" | "resubscribed.status",
  scope: ScopeView
): string => {
  const key = `${family}.${variant(scope)}` as MessageKey
  const channel = scope.channel === null ? undefined : t(`channel.${scope.channel}` as MessageKey)
  return t(key, { ...(scope.kind === "channel" ? {} : { name: scope.name }), ...(channel === undefined ? {} : { channel }) })
}

const Hidden = ({ name, value }: { readonly name: string; readonly value: string }): JSX.Element => (
  <input type="hidden" name={name} value={value} />
)

/** A one-button POST form to the page's own URL. */
const ActionForm = (props: {
  readonly action: "unsubscribe" | "resubscribe" | "undo"
  readonly locale: Locale
  readonly label: string
  readonly undo?: string
  readonly secondary?: boolean
}): JSX.Element => (
  <form method="post" autocomplete="off">
    <Hidden name="action" value={props.action} />
    <Hidden name="lang" value={props.locale} />
    {props.undo === undefined ? null : <Hidden name="undo" value={props.undo} />}
    <div class="actions">
      <button type="submit" class={props.secondary === true ? "secondary" : undefined}>
        {props.label}
      </button>
    </div>
  </form>
)

/** "Manage all your preferences" (only with an http(s) URL). */
export const PreferenceLink = ({ t, url }: { readonly t: Translate; readonly url: string | null | undefined }): JSX.Element | null => {
  const href = safeHttpUrl(url)
  return href === null ? null : (
    <p>
      <a href={href}>{t("link.preferences")}</a>
    </p>
  )
}

const STATE_SENTENCE: Record<"required" | "deleted" | "locked", MessageKey> = {
  required: "state.required",
  deleted: "state.deleted",
  locked: "state.locked"
}

export const titleOfConfirm = (state: LeafState): MessageKey =>
  state === "subscribed"
    ? "title.confirm"
    : state === "unsubscribed"
      ? "title.alreadyUnsubscribed"
      : state === "required"
        ? "title.required"
        : state === "deleted"
          ? "title.deleted"
          : "title.locked"

interface PageProps {
  readonly t: Translate
  readonly locale: Locale
  readonly scope: ScopeView
  readonly preferenceCenterUrl: string | null | undefined
}

export const ConfirmPage = (props: PageProps & { readonly state: LeafState }): JSX.Element => {
  const { t, scope, state } = props
  return (
    <>
      <h1>{scopeText(t, "confirm.heading", scope)}</h1>
      <p>{t("confirm.requiredNote")}</p>
      {state === "subscribed" ? (
        <ActionForm action="unsubscribe" locale={props.locale} label={t("confirm.button")} />
      ) : state === "unsubscribed" ? (
        <>
          <p role="status">{scopeText(t, "confirm.already", scope)}</p>
          <ActionForm action="resubscribe" locale={props.locale} label={t("confirm.resubscribeButton")} secondary />
        </>
      ) : (
        <p role="status">{t(STATE_SENTENCE[state])}</p>
      )}
      <PreferenceLink t={t} url={props.preferenceCenterUrl} />
    </>
  )
}

export const ResultPage = (props: PageProps & { readonly undoTicket: string | null }): JSX.Element => {
  const { t } = props
  return (
    <>
      <h1>{t("result.heading")}</h1>
      <p role="status">{scopeText(t, "result.status", props.scope)}</p>
      {props.undoTicket === null ? null : (
        <ActionForm action="undo" locale={props.locale} label={t("result.undoButton")} undo={props.undoTicket} secondary />
      )}
      <PreferenceLink t={t} url={props.preferenceCenterUrl} />
    </>
  )
}

export const ResubscribedPage = (props: PageProps): JSX.Element => (
  <>
    <h1>{props.t("resubscribed.heading")}</h1>
    <p role="status">{scopeText(props.t, "resubscribed.status", props.scope)}</p>
    <PreferenceLink t={props.t} url={props.preferenceCenterUrl} />
  </>
)

export const UndoProblemPage = (props: {
  readonly t: Translate
  readonly heading: MessageKey
  readonly text: MessageKey
  readonly preferenceCenterUrl: string | null | undefined
}): JSX.Element => (
  <>
    <h1>{props.t(props.heading)}</h1>
    <p role="alert">{props.t(props.text)}</p>
    <PreferenceLink t={props.t} url={props.preferenceCenterUrl} />
  </>
)
