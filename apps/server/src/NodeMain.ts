/**
 * Runs the main effect of a Node process (the shape of `@effect/platform-node`'s
 * `NodeRuntime.runMain`, on `@effect/platform`'s `makeRunMain`): SIGINT/SIGTERM interrupt the
 * main fiber, so every layer's finalizer runs, then the process exits with the effect's code. A
 * second signal during the shutdown exits at once with 1.
 */
import { makeRunMain } from "@effect/platform/Runtime"
import type { Teardown } from "@effect/platform/Runtime"
import * as Cause from "effect/Cause"
import * as Exit from "effect/Exit"
import { constants } from "node:os"

/** The signal that interrupted the main fiber, if one did. */
let interruptedBy: NodeJS.Signals | undefined

/** Stops the running main fiber as SIGTERM would, once (set by {@link runMain}). */
let stop: (() => void) | undefined

/**
 * Asks the running main effect to stop gracefully, as SIGTERM does, but idempotently: a cluster
 * worker gets this from its primary, and may have received the terminal's SIGINT already.
 */
export const requestShutdown = (): void => stop?.()

/** Exit code: the effect's number on success, 0 when interrupted by a signal, 1 on failure. */
export const exitCodeTeardown: Teardown = (exit, onExit) =>
  onExit(Exit.isSuccess(exit) ? (typeof exit.value === "number" ? exit.value : 0) : Cause.isInterruptedOnly(exit.cause) ? 0 : 1)

/**
 * For one-shot commands: like {@link exitCodeTeardown}, but a command stopped by a signal did not
 * finish, so it exits 128 + the signal's number, as shells report it (130 for Ctrl-C).
 */
export const commandTeardown: Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
    ? onExit(128 + (constants.signals[interruptedBy ?? "SIGINT"] ?? 2))
    : exitCodeTeardown(exit, onExit)

/**
 * For `import` and `export`: stopped by SIGINT or SIGTERM, they finish their lines in flight, write
 * the checkpoint and summary, and exit 130 "interrupted" (BULK.md §2.2), whichever the signal.
 */
export const bulkTeardown: Teardown = (exit, onExit) =>
  Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause) ? onExit(130) : exitCodeTeardown(exit, onExit)

export const runMain = makeRunMain(({ fiber, teardown }) => {
  // The main fiber may wait on nothing Node sees (Effect.never): keep the loop alive.
  const keepAlive = setInterval(() => {}, 2 ** 31 - 1)
  let received: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      process.stderr.write(`received ${signal} again: exiting now\n`)
      process.exit(1)
    }
    received = signal
    interruptedBy = signal
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  stop = () => {
    if (received !== undefined) return
    received = "SIGTERM"
    interruptedBy = "SIGTERM"
    fiber.unsafeInterruptAsFork(fiber.id())
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    clearInterval(keepAlive)
    stop = undefined
    teardown(exit, (code) => {
      process.off("SIGINT", onSignal)
      process.off("SIGTERM", onSignal)
      // After a signal or a failure, exit now (open handles must not keep a stopped service up);
      // otherwise let pending output drain and the loop end on its own.
      if (received !== undefined || code !== 0) process.exit(code)
      else process.exitCode = code
    })
  })
})
