/**
 * The event feed in the benchmark (issue 16: `GET /admin/events?limit=1000` p50 ≤ 2x a raw SELECT
 * of the same 1,000 rows). The seed writes one `preferences.updated` event per user into the
 * `events` outbox, in one statement (so one transaction id and consecutive serials); each request
 * starts at a random one of those positions and reads the next 1,000. The service and baseline
 * (f) answer the same request; (f) decodes the same cursor, runs the service's own page query as a
 * raw postgres.js statement and answers the rows' stored JSON texts in the same envelope, without
 * auth, logging or the retention check.
 */

export const FEED_LIMIT = 1000

/** Seeds the events (one per user, shaped like EVENTS.md §2's example) and answers their positions. */
export const seedEvents = async (exec, projectId) => {
  const rows = await exec(
    `WITH ins AS (
       INSERT INTO events (project_id, id, type, occurred_at, ordering_key, user_id, payload)
       SELECT u.project_id, u.eid, 'preferences.updated', u.created_at, 'user:' || u.external_id, u.id,
              jsonb_build_object(
                'id', u.eid, 'type', 'preferences.updated', 'occurred_at', to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'project_id', u.project_id,
                'data', jsonb_build_object(
                  'user_id', u.external_id, 'id', u.id, 'tenant_id', NULL, 'version', 1, 'operation', 'patch',
                  'changes', '[{"path": "channel_types.sms", "from": null, "to": false}]'::jsonb,
                  'preferences', '{"channel_types": {"sms": false}, "categories": {}, "notiflows": {}}'::jsonb,
                  'actor', jsonb_build_object('type', 'secret_key', 'id', 'sk_benchmark'),
                  'source', 'admin_api', 'request_id', 'req_' || substr(md5(u.external_id), 1, 24)))::text
       FROM (SELECT *, gen_random_uuid() AS eid FROM users WHERE project_id = $1::uuid) u
       ORDER BY substr(u.external_id, 6)::int
       RETURNING xid, seq)
     SELECT xid::text AS xid, min(seq)::text AS first, count(*)::int AS n FROM ins GROUP BY xid`,
    [projectId]
  )
  if (rows.length !== 1) throw new Error(`seeding events: expected one transaction, got ${rows.length}`)
  return { projectId, xid: rows[0].xid, first: rows[0].first, count: rows[0].n }
}

const base64url = (s) => Buffer.from(s, "utf8").toString("base64url")

/** The feed's opaque cursor (packages/domain Feed.ts `encodeFeedCursor`, e1.<project>.<major>.<minor>). */
export const feedCursor = (projectId, major, minor) => base64url(`e1.${projectId}.${major}.${minor}`)

/** The cursor's position, or undefined (the baseline's copy of `decodeFeedCursor`). */
export const decodeCursor = (projectId, cursor) => {
  const parts = Buffer.from(cursor, "base64url").toString("utf8").split(".")
  if (parts.length !== 4 || parts[0] !== "e1" || parts[1] !== projectId || !/^-?\d+$/.test(parts[2]) || !/^-?\d+$/.test(parts[3])) return undefined
  return { major: parts[2], minor: parts[3] }
}

/** A random start among the seeded events, leaving a full page after it. */
export const randomFeedPath = (range, base = "/admin") => {
  const span = Math.max(1, range.count - FEED_LIMIT)
  const minor = BigInt(range.first) + BigInt(Math.floor(Math.random() * span)) - 1n
  return `${base}/events?after=${feedCursor(range.projectId, range.xid, minor)}&limit=${FEED_LIMIT}`
}

/** (f): the service's page query as one raw statement (the same rows, the same order). */
export const FEED_BASELINE_SQL = `SELECT e.xid::text AS xid_text, e.seq::text AS seq_text, payload FROM events e
  WHERE e.project_id = $1::uuid AND (e.project_id, e.xid, e.seq) > ($1::uuid, $2::bigint, $3::bigint)
    AND e.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
  ORDER BY e.project_id, e.xid, e.seq LIMIT $4`
