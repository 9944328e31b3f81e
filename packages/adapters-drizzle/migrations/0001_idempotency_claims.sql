ALTER TABLE "idempotency_records" DROP CONSTRAINT "idempotency_records_project_id_projects_id_fk";
--> statement-breakpoint
ALTER TABLE "idempotency_records" ADD COLUMN "locked_until" timestamp with time zone DEFAULT now() NOT NULL;