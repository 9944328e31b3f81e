ALTER TABLE "users" ADD COLUMN "has_tenant_sets" boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE "users" SET "has_tenant_sets" = true WHERE EXISTS (SELECT 1 FROM "tenant_preference_sets" t WHERE t."project_id" = "users"."project_id" AND t."user_id" = "users"."id");--> statement-breakpoint
CREATE FUNCTION "nf_users_mark_tenant_sets"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "users" u SET "has_tenant_sets" = true
    FROM (SELECT DISTINCT "project_id", "user_id" FROM "inserted_sets") i
    WHERE u."project_id" = i."project_id" AND u."id" = i."user_id" AND NOT u."has_tenant_sets";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "tenant_preference_sets_mark_users" AFTER INSERT ON "tenant_preference_sets"
  REFERENCING NEW TABLE AS "inserted_sets" FOR EACH STATEMENT EXECUTE FUNCTION "nf_users_mark_tenant_sets"();
