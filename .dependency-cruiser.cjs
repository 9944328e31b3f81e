/** Architecture checks run by `pnpm lint` (and so by CI). */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "packages/domain imports nothing but effect: no transport, storage or node I/O.",
      severity: "error",
      from: { path: "^packages/domain/src" },
      to: {
        pathNot: ["^packages/domain/src", "^node_modules/\\.pnpm/effect@", "node_modules/effect/"]
      }
    },
    {
      name: "http-has-no-storage",
      comment: "packages/http-express does not depend on a storage adapter.",
      severity: "error",
      from: { path: "^packages/http-express/src" },
      to: { path: ["adapters-drizzle", "drizzle-orm", "postgres", "@electric-sql"] }
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true }
    }
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["dist/", "\\.tsbuild/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["@notiflows/source", "import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types"]
    }
  }
}
