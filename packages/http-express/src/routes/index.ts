/**
 * Every route the router serves, in documentation order.
 */
import { brandingRoutes } from "./Branding.js"
import { catalogRoutes } from "./Catalog.js"
import { evaluateRoutes } from "./Evaluate.js"
import { eventRoutes } from "./Events.js"
import { jobRoutes } from "./Jobs.js"
import { linkRoutes } from "./Links.js"
import { modelRoutes } from "./Model.js"
import { preferenceSetRoutes } from "./PreferenceSets.js"
import { adminPreferenceRoutes, userPreferenceRoutes } from "./Preferences.js"
import type { RouteSpec } from "./Route.js"
import { serviceRoutes } from "./Service.js"
import { userRoutes } from "./Users.js"
import { webhookDeliveryRoutes } from "./WebhookDeliveries.js"
import { webhookRoutes } from "./Webhooks.js"

export const ROUTES: ReadonlyArray<RouteSpec> = [
  ...adminPreferenceRoutes,
  ...preferenceSetRoutes,
  ...evaluateRoutes,
  ...userRoutes,
  ...linkRoutes,
  ...catalogRoutes,
  ...modelRoutes,
  ...eventRoutes,
  ...brandingRoutes,
  ...webhookRoutes,
  ...webhookDeliveryRoutes,
  ...jobRoutes,
  ...userPreferenceRoutes,
  ...serviceRoutes
]
