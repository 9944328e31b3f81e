/** Plain error pages (LINKS.md §8). */
import type { JSX } from "preact"
import { type Branding, safeHttpUrl } from "../Branding.js"
import type { MessageKey, Translate } from "../Messages.js"
import type { ErrorStatus } from "../PageModel.js"

export const errorHeading = (status: ErrorStatus): MessageKey => `error.${status}.heading` as MessageKey

export const ErrorPage = (props: {
  readonly t: Translate
  readonly status: ErrorStatus
  readonly branding: Branding | null
}): JSX.Element => {
  const { t, status } = props
  const help = status === 410 ? safeHttpUrl(props.branding?.help_url) : null
  return (
    <>
      <h1>{t(errorHeading(status))}</h1>
      <p role="alert">{t(`error.${status}.text` as MessageKey)}</p>
      {help === null ? null : (
        <p>
          <a href={help}>{t("error.410.help")}</a>
        </p>
      )}
    </>
  )
}
