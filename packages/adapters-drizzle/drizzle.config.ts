import { defineConfig } from "drizzle-kit"

// `pnpm db:generate` writes SQL migrations from src/schema.ts into migrations/ (committed).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./migrations"
})
