import { sameChoicesV2 } from "../PatchV2.js"
import type { TenantDefaults } from "../PreferencesV2.js"

/** Structural equality of v2 data (key order aside). */
export const PatchV2Equal = {
  defaults: (a: TenantDefaults, b: TenantDefaults): boolean => sameChoicesV2(a, b) && sameChoicesV2(a.locks, b.locks)
}
