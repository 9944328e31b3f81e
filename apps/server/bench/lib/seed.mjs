/**
 * Seeds the service's real tables with SQL (generate_series), identical on PostgreSQL and PGlite:
 * `notiflows` catalog entries, users `user_1..user_N` with UUIDv7-shaped ids, one preference set
 * per user (every third user has choices like the seed's patch, version 1, with its history row).
 * Run it after the service has migrated the database and ensured the project, with the service
 * stopped (or, on PostgreSQL, before it serves traffic).
 */
import { notiflowIdSql } from "./ids.mjs"

/**
 * `exec(text, params)` runs one statement and answers its rows.
 * Answers the project id it seeded.
 */
export const seed = async (exec, { users, notiflows }) => {
  const projects = await exec("SELECT id FROM projects ORDER BY created_at")
  if (projects.length !== 1) throw new Error(`expected exactly one project after the service's start, found ${projects.length}`)
  const projectId = projects[0].id
  const existing = await exec("SELECT count(*)::int AS n FROM users WHERE project_id = $1::uuid", [projectId])
  if (existing[0].n > 0) throw new Error("the database already holds users: the benchmark seeds a fresh one")

  await exec(
    `INSERT INTO notiflows (project_id, id, name, include_in_preferences, required, default_enabled, default_channel_types, created_at, updated_at)
     SELECT $1::uuid, ${notiflowIdSql("i")},
            CASE WHEN i = 1 THEN 'Order Updates' ELSE 'Notiflow ' || i END,
            true, false, true,
            CASE WHEN i % 5 = 0 THEN '{"sms": false}'::jsonb ELSE '{}'::jsonb END,
            now(), now()
     FROM generate_series(1, $2::int) AS i`,
    [projectId, notiflows]
  )

  // UUIDv7 layout: 48-bit millisecond timestamp, version 7, variant 10xx, pseudo-random rest.
  const baseMs = String(Date.now() - users - 1000)
  await exec(
    `INSERT INTO users (project_id, id, external_id, email, custom_fields, revision, created_at, updated_at)
     SELECT $1::uuid,
            (lpad(to_hex($3::bigint + i), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
            'user_' || i, 'user_' || i || '@example.com', '{}'::jsonb, 0,
            to_timestamp(($3::bigint + i) / 1000.0), to_timestamp(($3::bigint + i) / 1000.0)
     FROM generate_series(1, $2::int) AS i`,
    [projectId, users, baseMs]
  )

  await exec(
    `INSERT INTO preference_sets (project_id, user_id, choices, version, updated_at)
     SELECT u.project_id, u.id,
            CASE WHEN u.n % 3 = 0
                 THEN jsonb_build_object('channel_types', '{"sms": false}'::jsonb,
                                         'notiflows', jsonb_build_object(${notiflowIdSql("(u.n % $2::int) + 1")},
                                                                         '{"enabled": true, "channel_types": {"email": false}}'::jsonb))
                 ELSE '{"channel_types": {}, "notiflows": {}}'::jsonb END,
            CASE WHEN u.n % 3 = 0 THEN 1 ELSE 0 END,
            u.created_at
     FROM (SELECT project_id, id, created_at, substr(external_id, 6)::int AS n FROM users WHERE project_id = $1::uuid) AS u`,
    [projectId, notiflows]
  )

  await exec(
    `INSERT INTO preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, changes)
     SELECT p.project_id, p.user_id, 1, gen_random_uuid(), p.updated_at, 'system', 'benchmark-seed', NULL,
            jsonb_build_array(
              jsonb_build_object('path', 'channel_types.sms', 'from', NULL::jsonb, 'to', false),
              jsonb_build_object('path', 'notiflows.' || k || '.channel_types.email', 'from', NULL::jsonb, 'to', false),
              jsonb_build_object('path', 'notiflows.' || k || '.enabled', 'from', NULL::jsonb, 'to', true))
     FROM preference_sets AS p, jsonb_object_keys(p.choices -> 'notiflows') AS k
     WHERE p.project_id = $1::uuid AND p.version = 1`,
    [projectId]
  )
  await exec("ANALYZE")
  return projectId
}
