import { defineConfig } from "vitest/config"
import type { InlineConfig } from "vitest/node"

const test: InlineConfig = {
  include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
  testTimeout: 60_000,
  hookTimeout: 120_000
}
const testConfig = { test }

// Workspace packages resolve to their TypeScript source in tests (no build needed first); JSX is
// Preact's automatic runtime, as in tsconfig.src.json.
export default defineConfig({
  resolve: { conditions: ["@notiflows/source"] },
  ssr: { resolve: { conditions: ["@notiflows/source"] } },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  ...testConfig
})
