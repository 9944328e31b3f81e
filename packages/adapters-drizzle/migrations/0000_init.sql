CREATE TABLE "api_keys" (
	"project_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_project_id_id_pk" PRIMARY KEY("project_id","id"),
	CONSTRAINT "api_keys_project_hash_unique" UNIQUE("project_id","hash"),
	CONSTRAINT "api_keys_kind_check" CHECK ("api_keys"."kind" in ('public', 'secret'))
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"project_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"state" text NOT NULL,
	"response_status" integer,
	"response_body" text,
	"response_headers" jsonb,
	"request_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_records_project_id_scope_key_pk" PRIMARY KEY("project_id","scope","key"),
	CONSTRAINT "idempotency_records_state_check" CHECK ("idempotency_records"."state" in ('in_progress', 'completed'))
);
--> statement-breakpoint
CREATE TABLE "notiflows" (
	"project_id" uuid NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"include_in_preferences" boolean DEFAULT true NOT NULL,
	"required" boolean DEFAULT false NOT NULL,
	"default_enabled" boolean DEFAULT true NOT NULL,
	"default_channel_types" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "notiflows_project_id_id_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "preference_history" (
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"id" uuid NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"request_id" text,
	"changes" jsonb NOT NULL,
	CONSTRAINT "preference_history_project_id_user_id_version_pk" PRIMARY KEY("project_id","user_id","version"),
	CONSTRAINT "preference_history_project_id_unique" UNIQUE("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "preference_sets" (
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"choices" jsonb DEFAULT '{"channel_types":{},"notiflows":{}}'::jsonb NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "preference_sets_project_id_user_id_pk" PRIMARY KEY("project_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "project_allowed_origins" (
	"project_id" uuid NOT NULL,
	"origin" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "project_allowed_origins_project_id_origin_pk" PRIMARY KEY("project_id","origin")
);
--> statement-breakpoint
CREATE TABLE "project_signing_keys" (
	"project_id" uuid NOT NULL,
	"kid" text NOT NULL,
	"public_key_pem" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "project_signing_keys_project_id_kid_pk" PRIMARY KEY("project_id","kid")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"security_mode" text DEFAULT 'on' NOT NULL,
	"defaults" jsonb DEFAULT '{"channel_types":{}}'::jsonb NOT NULL,
	"defaults_revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "projects_security_mode_check" CHECK ("projects"."security_mode" in ('on', 'off'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"project_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"external_id" text NOT NULL,
	"email" text,
	"phone" text,
	"first_name" text,
	"last_name" text,
	"avatar" text,
	"locale" text,
	"timezone" text,
	"custom_fields" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "users_project_id_id_pk" PRIMARY KEY("project_id","id"),
	CONSTRAINT "users_project_external_id_unique" UNIQUE("project_id","external_id")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_records" ADD CONSTRAINT "idempotency_records_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notiflows" ADD CONSTRAINT "notiflows_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preference_history" ADD CONSTRAINT "preference_history_preference_set_fk" FOREIGN KEY ("project_id","user_id") REFERENCES "public"."preference_sets"("project_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "preference_sets" ADD CONSTRAINT "preference_sets_user_fk" FOREIGN KEY ("project_id","user_id") REFERENCES "public"."users"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_allowed_origins" ADD CONSTRAINT "project_allowed_origins_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_signing_keys" ADD CONSTRAINT "project_signing_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_hash_idx" ON "api_keys" USING btree ("hash");--> statement-breakpoint
CREATE INDEX "idempotency_records_expires_idx" ON "idempotency_records" USING btree ("project_id","expires_at");