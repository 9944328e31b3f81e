import { defineConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript source in tests (no build needed first).
export default defineConfig({
  resolve: { conditions: ["@notiflows/source"] },
  ssr: { resolve: { conditions: ["@notiflows/source"] } },
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
})
