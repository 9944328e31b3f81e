/** `renderPage`: a page model, a locale and a branding → the status, title and HTML of one response. */
import type { JSX } from "preact"
import { renderToString } from "preact-render-to-string"
import type { Branding } from "./Branding.js"
import { centerLayout } from "./CenterLayout.js"
import { CenterPage, titleOfCenter } from "./internal/Center.js"
import { ErrorPage, errorHeading } from "./internal/Error.js"
import { Frame } from "./internal/Layout.js"
import { ConfirmPage, ResubscribedPage, ResultPage, titleOfConfirm, UndoProblemPage } from "./internal/Unsubscribe.js"
import type { Locale } from "./Locale.js"
import { type MessageKey, type Translate, translator } from "./Messages.js"
import { type PageModel, statusOf } from "./PageModel.js"

/** Everything a render needs besides the model. */
export interface RenderOptions {
  /** The page locale (`resolveLocale`, or a POST's valid hidden `lang`). */
  readonly locale: Locale
  /** The project's branding; `null` renders unbranded (404, and anything before the project is trusted). */
  readonly branding: Branding | null
  /** This response's CSP nonce (`newNonce()`), the same one passed to `pageHeaders`. */
  readonly nonce: string
  /** The `x-request-id`, shown as "Reference". */
  readonly requestId: string
  /**
   * Where `assets` are served: the path of `/l/assets` under the router's mount point, e.g.
   * `"/prefs/l/assets"` (a same-origin path; CSP allows `'self'` only).
   */
  readonly assetsBase: string
  /**
   * A preference-center URL minted for this render (default expiry, the token's tenant): shown as
   * "Manage all your preferences" on confirm, result, resubscribed and undo pages. http(s) only.
   */
  readonly preferenceCenterUrl?: string | null
}

/** One rendered response. */
export interface RenderedPage {
  readonly status: number
  /** The whole document, `<!doctype html>` first (send as `text/html; charset=utf-8`). */
  readonly html: string
  /** The `<title>` text (distinct per state). */
  readonly title: string
  /** The `Content-Language` value (= `<html lang>`). */
  readonly contentLanguage: Locale
}

const body = (model: PageModel, options: RenderOptions, t: Translate): { title: MessageKey; main: JSX.Element } => {
  const url = options.preferenceCenterUrl
  switch (model.kind) {
    case "confirm":
      return {
        title: titleOfConfirm(model.state),
        main: <ConfirmPage t={t} locale={options.locale} scope={model.scope} state={model.state} preferenceCenterUrl={url} />
      }
    case "result":
      return {
        title: "title.result",
        main: <ResultPage t={t} locale={options.locale} scope={model.scope} undoTicket={model.undoTicket} preferenceCenterUrl={url} />
      }
    case "resubscribed":
      return {
        title: "title.resubscribed",
        main: <ResubscribedPage t={t} locale={options.locale} scope={model.scope} preferenceCenterUrl={url} />
      }
    case "undo_conflict":
      return {
        title: "title.undoConflict",
        main: <UndoProblemPage t={t} heading="undoConflict.heading" text="undoConflict.text" preferenceCenterUrl={url} />
      }
    case "undo_expired":
      return {
        title: "title.undoExpired",
        main: <UndoProblemPage t={t} heading="undoExpired.heading" text="undoExpired.text" preferenceCenterUrl={url} />
      }
    case "center": {
      const changes = model.notice.kind === "stale" ? model.notice.changes : new Map<string, boolean>()
      const layout = centerLayout(model.center, options.branding, options.locale, changes)
      return {
        title: titleOfCenter(model.notice),
        main: <CenterPage t={t} locale={options.locale} state={model.center} notice={model.notice} layout={layout} />
      }
    }
    case "error":
      return { title: errorHeading(model.status), main: <ErrorPage t={t} status={model.status} branding={options.branding} /> }
  }
}

/**
 * Renders one page. Every text goes through the catalogs and JSX (which escapes it); every `href`
 * is http(s) or the assets path. 404 pages should be rendered with `branding: null`.
 */
export const renderPage = (model: PageModel, options: RenderOptions): RenderedPage => {
  const t = translator(options.locale)
  const { title, main } = body(model, options, t)
  const titleText = t(title)
  const html = renderToString(
    <Frame
      locale={options.locale}
      t={t}
      title={titleText}
      branding={model.kind === "error" && model.status === 404 ? null : options.branding}
      nonce={options.nonce}
      requestId={options.requestId}
      assetsBase={options.assetsBase}
    >
      {main}
    </Frame>
  )
  return { status: statusOf(model), html: `<!doctype html>${html}`, title: titleText, contentLanguage: options.locale }
}
