import { defineConfig } from "vitest/config"
import type { InlineConfig } from "vitest/node"

// `test` is typed by vitest itself and spread in: when two peer variants of vite coexist in the
// type program, vitest's augmentation of vite's UserConfig may land on the other copy.
const test: InlineConfig = {
  include: ["test/**/*.test.ts", "src/**/*.test.ts"],
  testTimeout: 60_000,
  hookTimeout: 120_000
}
const testConfig = { test }

// Workspace packages resolve to their TypeScript source in tests (no build needed first).
export default defineConfig({
  resolve: { conditions: ["@notiflows/source"] },
  ssr: { resolve: { conditions: ["@notiflows/source"] } },
  ...testConfig
})
