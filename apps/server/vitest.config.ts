import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript source in tests (no build needed first).
export default defineConfig({
  resolve: { conditions: ["@notiflows/source"] },
  ssr: { resolve: { conditions: ["@notiflows/source"] } },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // These suites start the built service and CLI as processes (PGlite opens, migrations): the
    // bounds only stop a hang, and must hold while CI runs other packages' suites on both cores.
    testTimeout: 180_000,
    hookTimeout: 180_000
  }
})
