CREATE TABLE "categories" (
	"project_id" uuid NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"include_in_preferences" boolean DEFAULT true NOT NULL,
	"default_enabled" boolean DEFAULT true NOT NULL,
	"default_channel_types" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deleted_at" timestamp with time zone,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "categories_project_id_id_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "notiflow_categories" (
	"project_id" uuid NOT NULL,
	"notiflow_id" text NOT NULL,
	"category_id" text NOT NULL,
	"position" integer NOT NULL,
	CONSTRAINT "notiflow_categories_project_id_notiflow_id_category_id_pk" PRIMARY KEY("project_id","notiflow_id","category_id")
);
--> statement-breakpoint
CREATE TABLE "tenant_defaults" (
	"project_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"defaults" jsonb NOT NULL,
	"locks" jsonb NOT NULL,
	"has_defaults" boolean NOT NULL,
	"revision" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tenant_defaults_project_id_tenant_id_pk" PRIMARY KEY("project_id","tenant_id")
);
--> statement-breakpoint
CREATE TABLE "tenant_preference_history" (
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"version" integer NOT NULL,
	"id" uuid NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"request_id" text,
	"changes" jsonb NOT NULL,
	CONSTRAINT "tenant_preference_history_project_id_user_id_tenant_id_version_pk" PRIMARY KEY("project_id","user_id","tenant_id","version"),
	CONSTRAINT "tenant_preference_history_project_id_unique" UNIQUE("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "tenant_preference_sets" (
	"project_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"choices" jsonb NOT NULL,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "tenant_preference_sets_project_id_user_id_tenant_id_pk" PRIMARY KEY("project_id","user_id","tenant_id")
);
--> statement-breakpoint
ALTER TABLE "preference_sets" ADD COLUMN "categories" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "categories" ADD CONSTRAINT "categories_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notiflow_categories" ADD CONSTRAINT "notiflow_categories_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_defaults" ADD CONSTRAINT "tenant_defaults_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_preference_history" ADD CONSTRAINT "tenant_preference_history_set_fk" FOREIGN KEY ("project_id","user_id","tenant_id") REFERENCES "public"."tenant_preference_sets"("project_id","user_id","tenant_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_preference_sets" ADD CONSTRAINT "tenant_preference_sets_user_fk" FOREIGN KEY ("project_id","user_id") REFERENCES "public"."users"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tenant_preference_sets_tenant_idx" ON "tenant_preference_sets" USING btree ("project_id","tenant_id");