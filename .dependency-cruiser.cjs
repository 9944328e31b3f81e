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
      name: "pages-are-pure-rendering",
      comment: "packages/pages renders HTML from page models: no transport (express, http-express) and no storage.",
      severity: "error",
      from: { path: "^packages/pages/src" },
      to: { path: ["adapters-drizzle", "drizzle-orm", "postgres", "@electric-sql", "express", "http-express", "packages/testing"] }
    },
    {
      name: "client-runs-in-browsers",
      comment: "packages/client is for browsers and Node alike: no Node built-in, no server package; only standardwebhooks.",
      severity: "error",
      from: { path: "^packages/client/src", pathNot: "^packages/client/src/replica(\\.ts$|/)" },
      to: {
        pathNot: ["^packages/client/src/(?!replica(\\.ts$|/))", "standardwebhooks", "@stablelib/base64", "fast-sha256"]
      }
    },
    {
      name: "client-replica-node-only",
      comment: "@notiflows/client/replica (Node) may use the domain's rules; nothing else of the client imports it.",
      severity: "error",
      from: { path: "^packages/client/src/replica(\\.ts$|/)" },
      to: {
        pathNot: ["^packages/client/src", "^packages/domain/src", "effect", "standardwebhooks", "@stablelib/base64", "fast-sha256"]
      }
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
