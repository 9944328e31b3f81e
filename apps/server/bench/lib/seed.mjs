/**
 * Seeds the service's real tables with SQL (generate_series), identical on PostgreSQL and PGlite:
 * `notiflows` catalog entries, users `user_1..user_N` with UUIDv7-shaped ids, one preference set
 * per user (every third user has choices like the seed's patch, version 1, with its history row).
 * Issue 11's model v2: `CATEGORIES` categories with 3 per notiflow, the tenant `BENCH_TENANT`
 * with defaults and a lock, and a user×tenant set for every fourth user (`seedModelV2`).
 * Run it after the service has migrated the database and ensured the project, with the service
 * stopped (or, on PostgreSQL, before it serves traffic).
 */
import { BENCH_TENANT, notiflowIdSql } from "./ids.mjs"

const CATEGORIES = 6

/** Categories (3 per notiflow), the bench tenant's defaults and lock, user×tenant sets. */
const seedModelV2 = async (exec, projectId, notiflows) => {
  await exec(
    `INSERT INTO categories (project_id, id, name, include_in_preferences, default_enabled, default_channel_types, revision, created_at, updated_at)
     SELECT $1::uuid, 'category_' || i, 'Category ' || i, true, true,
            CASE WHEN i % 3 = 0 THEN '{"push": false}'::jsonb ELSE '{}'::jsonb END, 1, now(), now()
     FROM generate_series(1, ${CATEGORIES}) AS i`,
    [projectId]
  )
  await exec(
    `INSERT INTO notiflow_categories (project_id, notiflow_id, category_id, position)
     SELECT $1::uuid, ${notiflowIdSql("i")}, 'category_' || (((i + k) % ${CATEGORIES}) + 1), k
     FROM generate_series(1, $2::int) AS i, generate_series(0, 2) AS k`,
    [projectId, notiflows]
  )
  // Defaults on a category channel and a notiflow; one lock (false-only) on a category channel.
  const defaults = {
    channel_types: { chat: false },
    categories: { category_2: { channel_types: { email: false } }, category_4: { channel_types: { sms: false } } },
    notiflows: {}
  }
  const locks = { channel_types: {}, categories: { category_4: { channel_types: { sms: true } } }, notiflows: {} }
  await exec(
    `INSERT INTO tenant_defaults (project_id, tenant_id, defaults, locks, has_defaults, revision, updated_at)
     VALUES ($1::uuid, $2, $3::jsonb, $4::jsonb, true, 1, now())`,
    [projectId, BENCH_TENANT, JSON.stringify(defaults), JSON.stringify(locks)]
  )
  // Every fourth user holds a set in the tenant (version 1): a category choice and a channel.
  await exec(
    `INSERT INTO tenant_preference_sets (project_id, user_id, tenant_id, choices, version, updated_at)
     SELECT project_id, id, $2, jsonb_build_object(
              'channel_types', '{"chat": true}'::jsonb,
              'categories', jsonb_build_object('category_' || ((substr(external_id, 6)::int % ${CATEGORIES}) + 1), '{"channel_types": {"email": true}}'::jsonb),
              'notiflows', '{}'::jsonb), 1, now()
     FROM users WHERE project_id = $1::uuid AND substr(external_id, 6)::int % 4 = 0`,
    [projectId, BENCH_TENANT]
  )
}

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
    `INSERT INTO preference_history (project_id, user_id, version, id, changed_at, actor_type, actor_id, request_id, operation, source, changes)
     SELECT p.project_id, p.user_id, 1, gen_random_uuid(), p.updated_at, 'system', 'benchmark-seed', NULL, 'patch', 'system',
            jsonb_build_array(
              jsonb_build_object('path', 'channel_types.sms', 'from', NULL::jsonb, 'to', false),
              jsonb_build_object('path', 'notiflows.' || k || '.channel_types.email', 'from', NULL::jsonb, 'to', false),
              jsonb_build_object('path', 'notiflows.' || k || '.enabled', 'from', NULL::jsonb, 'to', true))
     FROM preference_sets AS p, jsonb_object_keys(p.choices -> 'notiflows') AS k
     WHERE p.project_id = $1::uuid AND p.version = 1`,
    [projectId]
  )
  await seedModelV2(exec, projectId, notiflows)
  await exec("ANALYZE")
  return projectId
}
