/** The frame every page shares: head (title, stylesheet, the nonce'd accent), brand header, main, footer. */
import type { ComponentChildren, JSX } from "preact"
import { STYLESHEET_NAME } from "../Assets.js"
import { accentOf, type Branding, safeHttpUrl } from "../Branding.js"
import type { Locale } from "../Locale.js"
import type { Translate } from "../Messages.js"
import { logoOrigin } from "../Security.js"

export interface FrameProps {
  readonly locale: Locale
  readonly t: Translate
  readonly title: string
  readonly branding: Branding | null
  readonly nonce: string
  readonly requestId: string
  readonly assetsBase: string
  /** 410 pages show the help link prominently too; the footer always lists it. */
  readonly children: ComponentChildren
}

const BrandHeader = ({ branding }: { readonly branding: Branding }): JSX.Element => {
  const logo = logoOrigin(branding.logo_url) === null ? null : safeHttpUrl(branding.logo_url)
  return (
    <header class="brand">
      {logo === null ? null : <img src={logo} alt="" height={48} />}
      <span class="brand-name">{branding.name}</span>
    </header>
  )
}

const Footer = ({ t, branding, requestId }: { readonly t: Translate; readonly branding: Branding | null; readonly requestId: string }): JSX.Element => {
  const help = safeHttpUrl(branding?.help_url)
  const privacy = safeHttpUrl(branding?.privacy_url)
  return (
    <footer>
      {help === null && privacy === null ? null : (
        <ul>
          {help === null ? null : (
            <li>
              <a href={help}>{t("footer.help")}</a>
            </li>
          )}
          {privacy === null ? null : (
            <li>
              <a href={privacy}>{t("footer.privacy")}</a>
            </li>
          )}
        </ul>
      )}
      <p class="reference">{t("footer.reference", { id: requestId })}</p>
    </footer>
  )
}

/** The whole document (the caller prepends `<!doctype html>`). */
export const Frame = (props: FrameProps): JSX.Element => {
  const base = props.assetsBase.endsWith("/") ? props.assetsBase : `${props.assetsBase}/`
  return (
    <html lang={props.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={`${base}${STYLESHEET_NAME}`} />
        <style nonce={props.nonce}>{`:root{--accent:${accentOf(props.branding)}}`}</style>
      </head>
      <body>
        <div class="page">
          {props.branding === null ? null : <BrandHeader branding={props.branding} />}
          <main>{props.children}</main>
          <Footer t={props.t} branding={props.branding} requestId={props.requestId} />
        </div>
      </body>
    </html>
  )
}
