/**
 * The client's types are the document's: checked by `tsc -b` (pnpm check), which type-checks this
 * file; each `@ts-expect-error` fails the build if the call it marks became valid.
 */
import { describe, expectTypeOf, it } from "vitest"
import type { AdminClient, ApiResponse, NotiflowsError, Preferences, Success, User, UserClient } from "../src/index.js"

declare const admin: AdminClient
declare const user: UserClient
declare const error: NotiflowsError

describe("types derived from /openapi.json", () => {
  it("type methods, bodies, payloads and errors from the generated operations", () => {
    const typed = () => {
      expectTypeOf(admin.preferences.get("u")).toEqualTypeOf<Promise<ApiResponse<Preferences>>>()
      expectTypeOf(admin.users.get("u")).resolves.toEqualTypeOf<ApiResponse<User>>()
      expectTypeOf<Success<"getUser">["external_id"]>().toEqualTypeOf<string>()
      // @ts-expect-error an unknown channel type is not a patch
      void admin.preferences.update("u", { channel_types: { fax: true } })
      // @ts-expect-error a view value is boolean
      void user.preferences.update({ channel_types: { sms: "no" } })
      // @ts-expect-error evaluate needs a notiflow_id
      void admin.preferences.evaluate("u", { channel_types: ["email"] })
      // @ts-expect-error the typed escape hatch knows the documented paths only
      void admin.request("get", "/admin/v1/nowhere", {})
      // @ts-expect-error and their parameters
      void admin.request("get", "/admin/v1/users/{user_id}", { path: { id: "u" } })
      void admin.request("get", "/admin/v1/users/{user_id}", { path: { user_id: "u" } })
      if (error.is("validation_error")) expectTypeOf(error.details.fields[0]?.reason).toEqualTypeOf<
        "required" | "invalid_type" | "unknown_field" | "unknown_channel_type" | "unknown_notiflow" | "unknown_category" | "locked" | "too_long" | "too_many" | "invalid_format" | "not_unsubscribable" | "out_of_range" | "insufficient_contrast" | undefined
      >()
      if (error.is("precondition_failed")) expectTypeOf(error.details.current_status).toEqualTypeOf<string>()
      if (error.is("rate_limited")) expectTypeOf(error.details.retry_after).toEqualTypeOf<number>()
    }
    expectTypeOf(typed).toBeFunction()
  })
})
