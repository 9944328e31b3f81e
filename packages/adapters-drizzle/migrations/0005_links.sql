CREATE TABLE "link_keys" (
	"project_id" uuid NOT NULL,
	"kid" text NOT NULL,
	"secret" text NOT NULL,
	"active" boolean NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "link_keys_project_id_kid_pk" PRIMARY KEY("project_id","kid"),
	CONSTRAINT "link_keys_kid_check" CHECK ("link_keys"."kid" ~ '^[0-9a-f]{8}$')
);
--> statement-breakpoint
CREATE TABLE "link_scopes" (
	"project_id" uuid NOT NULL,
	"id" text NOT NULL,
	"scope_key" text NOT NULL,
	"scope" jsonb,
	"tenant_id" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "link_scopes_project_id_id_pk" PRIMARY KEY("project_id","id"),
	CONSTRAINT "link_scopes_key_unique" UNIQUE("project_id","scope_key"),
	CONSTRAINT "link_scopes_id_check" CHECK ("link_scopes"."id" ~ '^[0-9a-f]{16}$')
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "links_valid_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "link_keys" ADD CONSTRAINT "link_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_scopes" ADD CONSTRAINT "link_scopes_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "link_keys_one_active" ON "link_keys" USING btree ("project_id") WHERE "link_keys"."active";