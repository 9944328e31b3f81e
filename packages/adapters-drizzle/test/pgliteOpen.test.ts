/**
 * PGlite's memory settings (docs/pglite-memory.md): `shared_buffers` reaches the embedded server,
 * a new directory is initialised in a worker thread and then opened here (its data is the
 * directory's), and `memory://` is initialised in place.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { openPglite } from "../src/internal/pgliteOpen.js"

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "notiflows-pglite-open-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

describe("openPglite", () => {
  it("initialises a new directory off the main thread, applies shared_buffers, and reopens it with its data", async () => {
    const dir = path.join(scratch, "data")
    const first = await openPglite(dir, 16)
    expect(fs.existsSync(path.join(dir, "PG_VERSION"))).toBe(true)
    expect((await first.query<{ shared_buffers: string }>("show shared_buffers")).rows[0]?.shared_buffers).toBe("16MB")
    await first.exec("create table kept (v int); insert into kept values (42)")
    await first.close()
    // An existing directory is opened directly, with another setting.
    const second = await openPglite(dir, 32)
    expect((await second.query<{ shared_buffers: string }>("show shared_buffers")).rows[0]?.shared_buffers).toBe("32MB")
    expect((await second.query<{ v: number }>("select v from kept")).rows).toEqual([{ v: 42 }])
    await second.close()
  }, 300_000)

  it("keeps PGlite's default (128MB) without a setting, and opens memory:// in place", async () => {
    const pg = await openPglite("memory://", undefined)
    expect((await pg.query<{ shared_buffers: string }>("show shared_buffers")).rows[0]?.shared_buffers).toBe("128MB")
    await pg.close()
  }, 300_000)
})
