/** The preference center's markup (LINKS.md §5, §6): one form, fieldsets with legends, a label per box. */
import type { JSX } from "preact"
import type { Box, CenterLayout, EntryBlock } from "../CenterLayout.js"
import type { Locale } from "../Locale.js"
import type { MessageKey, Translate } from "../Messages.js"
import type { CenterNotice, CenterState } from "../PageModel.js"

const boxLabel = (t: Translate, b: Box): string =>
  b.label === "enabled" ? t("center.enabled") : t(`channelLabel.${b.label}` as MessageKey)

/** One checkbox row: the box, its label, its `shown.` field (editable only) and its reason or unsaved mark. */
const BoxRow = ({ t, box }: { readonly t: Translate; readonly box: Box }): JSX.Element => {
  const id = `pref.${box.path}`
  const reason =
    box.kind === "required" ? t("center.requiredReason") : box.kind === "locked" ? t("center.lockedReason") : null
  const noteId = reason !== null ? `reason.${box.path}` : box.unsaved ? `unsaved.${box.path}` : undefined
  return (
    <div class="row">
      {box.kind === "editable" ? <input type="hidden" name={`shown.${box.path}`} value={box.value ? "1" : "0"} /> : null}
      <input
        type="checkbox"
        id={id}
        name={box.kind === "editable" ? id : undefined}
        checked={box.checked}
        disabled={box.kind !== "editable"}
        aria-describedby={noteId}
      />
      <label for={id}>{boxLabel(t, box)}</label>
      {reason !== null ? (
        <span class="reason" id={noteId}>
          {reason}
        </span>
      ) : box.unsaved ? (
        <span class="unsaved" id={noteId}>
          {t("center.unsaved")}
        </span>
      ) : null}
    </div>
  )
}

const Entry = ({ t, block }: { readonly t: Translate; readonly block: EntryBlock }): JSX.Element => (
  <fieldset>
    <legend>{block.name}</legend>
    {block.boxes.map((b) => (
      <BoxRow key={b.path} t={t} box={b} />
    ))}
  </fieldset>
)

export const titleOfCenter = (notice: CenterNotice): MessageKey =>
  notice.kind === "saved" ? "title.saved" : notice.kind === "stale" ? "title.stale" : "title.center"

export const CenterPage = (props: {
  readonly t: Translate
  readonly locale: Locale
  readonly state: CenterState
  readonly notice: CenterNotice
  readonly layout: CenterLayout
}): JSX.Element => {
  const { t, state, layout } = props
  return (
    <>
      {props.notice.kind === "saved" ? (
        <p class="notice" role="status">
          {t("center.saved")}
        </p>
      ) : props.notice.kind === "stale" ? (
        <p class="notice notice-alert" role="alert">
          {t("center.stale")}
        </p>
      ) : null}
      <h1>{t("center.heading")}</h1>
      <p>{t("center.intro")}</p>
      {state.tenant_id === null ? null : <p>{t("center.tenant", { tenant: state.tenant_id })}</p>}
      <form method="post" autocomplete="off">
        <input type="hidden" name="etag" value={state.etag} />
        <input type="hidden" name="lang" value={props.locale} />
        <fieldset>
          <legend>{t("center.channels")}</legend>
          {layout.channels.map((b) => (
            <BoxRow key={b.path} t={t} box={b} />
          ))}
        </fieldset>
        {layout.sections.map((section) => {
          const headingId = section.category === null ? "section-other" : `section.${section.category.id}`
          return (
            <section key={headingId} aria-labelledby={headingId}>
              <h2 id={headingId}>{section.category === null ? t("center.other") : section.category.name}</h2>
              {section.category === null ? null : <Entry t={t} block={section.category} />}
              {section.notiflows.map((n) => (
                <Entry key={n.id} t={t} block={n} />
              ))}
            </section>
          )
        })}
        <div class="actions">
          <button type="submit" name="action" value="save">
            {t("center.save")}
          </button>
        </div>
      </form>
    </>
  )
}
