/**
 * `@notiflows/pages`: the HTML pages under `/l` (LINKS.md §3–§6, §8) as a pure library — page
 * models → HTML, message catalogs, the locale chain, hashed assets and the security headers. It
 * knows nothing of Express or storage; the router decides the state and sends what this renders.
 */
export * from "./Assets.js"
export * from "./Branding.js"
export * from "./CenterLayout.js"
export * from "./Locale.js"
export * from "./Messages.js"
export * from "./PageModel.js"
export * from "./Render.js"
export * from "./Security.js"
export * from "./CenterForm.js"
export * from "./CenterState.js"
export * from "./UnsubscribeForm.js"
