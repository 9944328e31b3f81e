/** Ids shared by the seed, the load generator and the micro-benchmarks. */
export const SEED_NOTIFLOW = "01HQXYZ123456789ABCDEFGHIJ"
const NOTIFLOW_PREFIX = "01HQXYZ123456789ABCDEF"

/** The id of catalog entry `i` (1-based): the first is the seed's id, then 26-char ULID-like ids. */
export const notiflowId = (i) => (i === 1 ? SEED_NOTIFLOW : `${NOTIFLOW_PREFIX}${String(i).padStart(4, "0")}`)

/** The same rule in SQL, for an integer expression `i`. */
export const notiflowIdSql = (i) =>
  `(CASE WHEN ${i} = 1 THEN '${SEED_NOTIFLOW}' ELSE '${NOTIFLOW_PREFIX}' || lpad((${i})::text, 4, '0') END)`

/** External id of user `i` (1-based). */
export const userId = (i) => `user_${i}`

/** The tenant of the "batch evaluate in a tenant" case (seeded with defaults, a lock and sets). */
export const BENCH_TENANT = "bench_tenant"
