/**
 * What a browser submits from a rendered center (HTML form submission rules for our markup):
 * hidden inputs, checked enabled checkboxes (`on` without a value), and the submitter button.
 * A small reader of this package's own output, for property tests without a browser.
 */
const decode = (s: string): string =>
  s.replace(/&(quot|amp|lt|gt|#39|#x27);/g, (_, e: string) => ({ quot: '"', amp: "&", lt: "<", gt: ">", "#39": "'", "#x27": "'" })[e] ?? "")

export interface RenderedInput {
  readonly type: string
  readonly id: string | undefined
  readonly name: string | undefined
  readonly value: string | undefined
  readonly checked: boolean
  readonly disabled: boolean
}

const attributes = (tag: string): Map<string, string | true> => {
  const out = new Map<string, string | true>()
  for (const m of tag.matchAll(/\s([a-zA-Z:-]+)(?:="([^"]*)")?/g)) out.set(m[1]!, m[2] === undefined ? true : decode(m[2]))
  return out
}

/** Every `<input>` of the document, in order. */
export const inputsOf = (html: string): ReadonlyArray<RenderedInput> =>
  [...html.matchAll(/<input\b((?:[^>"]|"[^"]*")*)>/g)].map((m) => {
    const a = attributes(m[1]!)
    const str = (k: string): string | undefined => {
      const v = a.get(k)
      return typeof v === "string" ? v : undefined
    }
    return { type: str("type") ?? "text", id: str("id"), name: str("name"), value: str("value"), checked: a.has("checked"), disabled: a.has("disabled") }
  })

/**
 * The fields a submission sends after the user flips the boxes whose ids are in `toggled`
 * (only enabled boxes can be flipped), submitted with the `action=save` button.
 */
export const submittedFields = (html: string, toggled: ReadonlySet<string> = new Set()): Array<[string, string]> => {
  const fields: Array<[string, string]> = []
  for (const input of inputsOf(html)) {
    if (input.disabled || input.name === undefined) continue
    if (input.type === "hidden") fields.push([input.name, input.value ?? ""])
    else if (input.type === "checkbox") {
      const checked = input.id !== undefined && toggled.has(input.id) ? !input.checked : input.checked
      if (checked) fields.push([input.name, input.value ?? "on"])
    }
  }
  fields.push(["action", "save"])
  return fields
}
