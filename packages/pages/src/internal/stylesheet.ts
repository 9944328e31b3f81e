/**
 * The pages' one stylesheet (served as a hashed asset). The accent comes from one nonce'd `<style>`
 * setting `--accent` (the only inline style). Choices behind the numbers (LINKS.md §6):
 * text #1f2937 and #374151 on white (≥ 10:1), checkbox borders native, focus outline 3 px
 * offset 2 px in the accent (≥ 4.5:1 against white by the branding rule), controls ≥ 24 × 24 px,
 * a single column that reflows at 320 px, long names wrap anywhere.
 */
export const STYLESHEET_CSS = `*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#ffffff;color:#1f2937;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:1rem;line-height:1.5}
.page{max-width:42rem;margin:0 auto;padding:1rem}
header.brand{display:flex;align-items:center;gap:.75rem;padding:.5rem 0 1rem;border-bottom:1px solid #d1d5db;margin-bottom:1.5rem}
header.brand img{max-height:48px;width:auto}
.brand-name{font-weight:600;font-size:1.125rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;line-height:1.3;margin:0 0 1rem;overflow-wrap:anywhere;hyphens:auto}
h2{font-size:1.25rem;line-height:1.3;margin:2rem 0 .75rem;overflow-wrap:anywhere;hyphens:auto}
@media (max-width:400px){h1{font-size:1.25rem}h2{font-size:1.125rem}}
p{margin:0 0 1rem;overflow-wrap:anywhere}
a{color:var(--accent,#1d4ed8);text-decoration:underline;text-underline-offset:.15em}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid var(--accent,#1d4ed8);outline-offset:2px}
.notice{border:2px solid var(--accent,#1d4ed8);border-radius:.375rem;padding:.75rem 1rem;margin:0 0 1.5rem;font-weight:600}
.notice-alert{border-color:#b91c1c;color:#7f1d1d}
fieldset{border:1px solid #9ca3af;border-radius:.375rem;margin:0 0 1rem;padding:.5rem 1rem 1rem;min-width:0}
legend{font-weight:600;padding:0 .25rem;overflow-wrap:anywhere;max-width:100%}
.row{display:flex;align-items:flex-start;flex-wrap:wrap;gap:.25rem .75rem;padding:.375rem 0}
.row input[type=checkbox]{width:24px;height:24px;margin:0;flex:none;accent-color:var(--accent,#1d4ed8)}
.row label{flex:1 1 12rem;min-height:24px;overflow-wrap:anywhere}
.reason,.unsaved{flex-basis:100%;margin:0 0 0 2.25rem;color:#374151;font-size:.9375rem}
.unsaved{font-weight:600;font-style:italic}
.actions{margin:1.5rem 0}
button{font:inherit;font-weight:600;min-height:44px;min-width:44px;padding:.625rem 1.25rem;border:2px solid var(--accent,#1d4ed8);border-radius:.375rem;background:var(--accent,#1d4ed8);color:#ffffff;cursor:pointer}
button.secondary{background:#ffffff;color:var(--accent,#1d4ed8)}
footer{margin-top:2.5rem;padding-top:1rem;border-top:1px solid #d1d5db;color:#374151;font-size:.9375rem}
footer ul{list-style:none;margin:0 0 .5rem;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}
footer a{display:inline-block;min-height:24px;line-height:24px}
.reference{overflow-wrap:anywhere}
`
