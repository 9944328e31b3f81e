-- A key hash becomes unique across projects (a key alone identifies its project). A database
-- split by concurrent first starts (before this migration) can hold a hash more than once: then
-- stop, changing nothing, and name the rows to repair (README.md, "Duplicate key hashes"). The
-- message names project and key ids only, never a hash.
DO $$
DECLARE
  duplicated text;
BEGIN
  SELECT string_agg(keys, '; ' ORDER BY keys) INTO duplicated
  FROM (
    SELECT string_agg(kind || ' key ' || id::text || ' of project ' || project_id::text, ', ' ORDER BY created_at, id) AS keys
    FROM "api_keys"
    GROUP BY hash
    HAVING count(*) > 1
  ) AS d;
  IF duplicated IS NOT NULL THEN
    RAISE EXCEPTION USING
      ERRCODE = 'NF001',
      MESSAGE = 'api_keys holds the same key more than once, which migration 0002 makes impossible: ' || duplicated,
      HINT = 'Keep one row per key (see "Duplicate key hashes" in the README of @notiflows/adapters-drizzle), then start again.';
  END IF;
END $$;--> statement-breakpoint
ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_project_hash_unique";--> statement-breakpoint
DROP INDEX "api_keys_hash_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_unique" ON "api_keys" USING btree ("hash");
