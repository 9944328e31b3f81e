CREATE TABLE "event_feed_state" (
	"project_id" uuid PRIMARY KEY NOT NULL,
	"purged_xid" bigint NOT NULL,
	"purged_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"project_id" uuid NOT NULL,
	"xid" bigint DEFAULT (pg_current_xact_id()::text)::bigint NOT NULL,
	"seq" bigserial NOT NULL,
	"id" uuid NOT NULL,
	"type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"ordering_key" text NOT NULL,
	"user_id" uuid,
	"payload" text NOT NULL,
	CONSTRAINT "events_project_id_xid_seq_pk" PRIMARY KEY("project_id","xid","seq"),
	CONSTRAINT "events_project_id_unique" UNIQUE("project_id","id")
);
--> statement-breakpoint
-- Hand-edited: entries written before the ledger get operation 'patch', the source their actor implies
-- (secret key: admin_api; user key or dev user id: user_api; otherwise system) and, for user_api, a context
-- whose fields are null ("not recorded"); then the defaults go, so every new entry states its own (docs/events.md).
ALTER TABLE "preference_history" ADD COLUMN "operation" text DEFAULT 'patch' NOT NULL;--> statement-breakpoint
ALTER TABLE "preference_history" ADD COLUMN "source" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "preference_history" ADD COLUMN "context" jsonb;--> statement-breakpoint
UPDATE "preference_history" SET "source" = CASE "actor_type" WHEN 'secret_key' THEN 'admin_api' WHEN 'user_key' THEN 'user_api' WHEN 'dev_user_id' THEN 'user_api' ELSE 'system' END,
  "context" = CASE WHEN "actor_type" IN ('user_key', 'dev_user_id') THEN '{"ip":null,"user_agent":null}'::jsonb ELSE NULL END;--> statement-breakpoint
ALTER TABLE "preference_history" ALTER COLUMN "operation" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "preference_history" ALTER COLUMN "source" DROP DEFAULT;--> statement-breakpoint
-- Hand-edited: entries written before the ledger get operation 'patch', the source their actor implies
-- (secret key: admin_api; user key or dev user id: user_api; otherwise system) and, for user_api, a context
-- whose fields are null ("not recorded"); then the defaults go, so every new entry states its own (docs/events.md).
ALTER TABLE "tenant_preference_history" ADD COLUMN "operation" text DEFAULT 'patch' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_preference_history" ADD COLUMN "source" text DEFAULT 'system' NOT NULL;--> statement-breakpoint
ALTER TABLE "tenant_preference_history" ADD COLUMN "context" jsonb;--> statement-breakpoint
UPDATE "tenant_preference_history" SET "source" = CASE "actor_type" WHEN 'secret_key' THEN 'admin_api' WHEN 'user_key' THEN 'user_api' WHEN 'dev_user_id' THEN 'user_api' ELSE 'system' END,
  "context" = CASE WHEN "actor_type" IN ('user_key', 'dev_user_id') THEN '{"ip":null,"user_agent":null}'::jsonb ELSE NULL END;--> statement-breakpoint
ALTER TABLE "tenant_preference_history" ALTER COLUMN "operation" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "tenant_preference_history" ALTER COLUMN "source" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "event_feed_state" ADD CONSTRAINT "event_feed_state_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_user_idx" ON "events" USING btree ("project_id","user_id");