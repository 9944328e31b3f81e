/** Number formatting and the text/markdown table shared by the report's sections. */

export const MiB = 2 ** 20
export const f = (n, d = 0) => (n === undefined || n === null || !Number.isFinite(n) ? "-" : n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }))
export const ratio = (a, b) => (a !== undefined && b !== undefined && b > 0 ? a / b : undefined)
export const x = (r, d = 2) => (r === undefined ? "-" : `${f(r, d)}x`)
export const pct = (r) => (r === undefined ? "-" : `${f(r * 100, 0)}%`)

export const table = (headers, rows, align) => {
  const cells = rows.map((r) => r.map((c) => String(c)))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
  const pad = (s, i) => (align?.[i] === "l" ? s.padEnd(widths[i]) : s.padStart(widths[i]))
  const text = [headers.map(pad).join("  "), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map((r) => r.map(pad).join("  "))].join("\n")
  const md = [
    `| ${headers.join(" | ")} |`,
    `|${headers.map((_, i) => (align?.[i] === "l" ? "---" : "---:")).join("|")}|`,
    ...cells.map((r) => `| ${r.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`)
  ].join("\n")
  return { text, md }
}
