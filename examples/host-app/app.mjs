// A host application: its own Express app, its own database layer, the router mounted under
// /notifications next to its own routes.
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import express from "express"
import { pino } from "pino"
import { layerPglite } from "@notiflows/adapters-drizzle"
import { layerProjectViewCache } from "@notiflows/domain"
import { makeIdempotencyHook, makeRouter } from "@notiflows/http-express"

/** The prefix the router is mounted under, in this app and in every signed link's URL. */
export const MOUNT = "/notifications"

/**
 * `publicUrl`: where mail recipients reach the mounted router (LINKS.md §2.3), prefix included;
 * every signed link starts with it. Default: NOTIFLOWS_PUBLIC_URL, else this app's own address.
 */
export const makeApp = (
  dataDir = process.env.NOTIFLOWS_DATA_DIR ?? "memory://",
  publicUrl = process.env.NOTIFLOWS_PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3001}${MOUNT}`
) => {
  const runtime = ManagedRuntime.make(Layer.orDie(Layer.provideMerge(layerProjectViewCache(), layerPglite(dataDir))))
  const app = express()
  app.get("/", (_req, res) => {
    res.send("the host app's own route")
  })
  app.use(
    MOUNT,
    makeRouter(runtime, {
      logger: pino({ level: process.env.LOG_LEVEL ?? "warn" }),
      publicUrl,
      hooks: { aroundHandler: makeIdempotencyHook({ runtime }) }
    })
  )
  return { app, runtime }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = makeApp()
  const port = Number(process.env.PORT ?? 3001)
  app.listen(port, "127.0.0.1", () => console.log(`host app on http://127.0.0.1:${port}${MOUNT}`))
}
