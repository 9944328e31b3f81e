CREATE TABLE "job_items" (
	"project_id" uuid NOT NULL,
	"job_id" uuid NOT NULL,
	"idx" integer NOT NULL,
	"user_id" text,
	"preferences" jsonb,
	"if_match" text,
	"status" text NOT NULL,
	"version" integer,
	"error" jsonb,
	CONSTRAINT "job_items_project_id_job_id_idx_pk" PRIMARY KEY("project_id","job_id","idx"),
	CONSTRAINT "job_items_status_check" CHECK ("job_items"."status" in ('pending', 'updated', 'unchanged', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"project_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"seq" bigserial NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"mode" text NOT NULL,
	"tenant_id" text,
	"request_id" text,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"context" jsonb,
	"preferences" jsonb,
	"error" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"progress_at" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	CONSTRAINT "jobs_project_id_id_pk" PRIMARY KEY("project_id","id"),
	CONSTRAINT "jobs_status_check" CHECK ("jobs"."status" in ('queued', 'running', 'completed', 'failed')),
	CONSTRAINT "jobs_mode_check" CHECK ("jobs"."mode" in ('merge', 'replace'))
);
--> statement-breakpoint
ALTER TABLE "job_items" ADD CONSTRAINT "job_items_job_fk" FOREIGN KEY ("project_id","job_id") REFERENCES "public"."jobs"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_items_pending_idx" ON "job_items" USING btree ("project_id","job_id","idx") WHERE "job_items"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "job_items_user_idx" ON "job_items" USING btree ("project_id","user_id");--> statement-breakpoint
CREATE INDEX "jobs_unfinished_idx" ON "jobs" USING btree ("project_id","seq") WHERE "jobs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE INDEX "jobs_completed_idx" ON "jobs" USING btree ("completed_at");