// Rollups: pre-aggregated tables the aggregate questions read instead of every job or outcome row.
// Ingest keeps them in the same transaction as the run's rows: the run's old contribution is taken
// out before its rows are replaced and the new one added after, so a run written twice (a resumed
// sync) counts once. Every rollup is computed from the stored rows by one statement per rollup,
// the same statement for one run at ingest and for a range of runs when an older store is rebuilt.
import type { Logger } from '@bpf-ci/logger';
import type { Database, SqlValue } from './db.ts';

/** A rollup's key value standing for "any" (a filter that was not given). */
export const ANY = '*';

const day = (col: string): string => `(${col} / 86400) * 86400`;
/** weekStart in SQL: weeks start on Monday 00:00 UTC (1970-01-05, 4 days after the epoch). */
const weekOf = (col: string): string => `((${col} - 345600) / 604800) * 604800 + 345600`;

/** Which stored runs to (un)count: one run at ingest, a span of creation times when rebuilding. */
export type RunSelection = { runId: number } | { createdFrom: number; createdBefore: number };

function selection(s: RunSelection): { sql: string; params: SqlValue[] } {
  return 'runId' in s
    ? { sql: 'j.run_id = ?', params: [s.runId] }
    : {
        sql: 'j.run_id IN (SELECT run_id FROM runs WHERE created_at >= ? AND created_at < ?)',
        params: [s.createdFrom, s.createdBefore],
      };
}

// The 2³ ways of leaving arch, toolchain and runner out of a key (bit 1 arch, 2 toolchain, 4 runner).
const MASKS = `(SELECT 0 AS bits UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3
  UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) m`;
const RUNNER_MASKS = '(SELECT 0 AS bits UNION ALL SELECT 4) m';
const masked = (col: string, bit: number): string =>
  `CASE WHEN (m.bits & ${bit}) = ${bit} THEN '${ANY}' ELSE ${col} END`;

const JOINS = 'JOIN runs r ON r.run_id = j.run_id JOIN variants v ON v.variant_id = j.variant_id';

/**
 * The counting rollups: a table, its key columns and the SELECT of a run selection's contribution
 * (key columns, then the count). `?` first is the sign: +1 to add, -1 to take out.
 */
const COUNTERS: { table: string; key: string[]; select: (where: string) => string }[] = [
  {
    // Jobs per day × variant × kind × base branch × status × conclusion × failure kind ('' = none).
    table: 'job_counts',
    key: ['day', 'variant_id', 'kind', 'base_ref', 'status', 'conclusion', 'failure_kind'],
    select: (where) => `SELECT ${day('j.run_created')}, j.variant_id, j.kind, r.base_ref, j.status,
        COALESCE(j.conclusion, ''), COALESCE(j.failure_kind, ''), ? * COUNT(*)
      FROM jobs j JOIN runs r ON r.run_id = j.run_id WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  },
  {
    // The same per week (Monday 00:00 UTC, of the run's creation): what rates and infra read for
    // whole weeks, with the daily counts only for the days before the first whole week of --since.
    table: 'job_counts_weekly',
    key: ['week', 'variant_id', 'kind', 'base_ref', 'status', 'conclusion', 'failure_kind'],
    select: (where) => `SELECT ${weekOf('j.run_created')}, j.variant_id, j.kind, r.base_ref, j.status,
        COALESCE(j.conclusion, ''), COALESCE(j.failure_kind, ''), ? * COUNT(*)
      FROM jobs j JOIN runs r ON r.run_id = j.run_id WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  },
  {
    // Runs (by the run's status and conclusion) with at least one build or test job of that arch,
    // toolchain and runner, each one also counted under ANY: rates' runs under a variant filter.
    table: 'variant_runs',
    key: ['day', 'base_ref', 'arch', 'toolchain', 'runner', 'status', 'conclusion'],
    select: (where) => `SELECT day, base_ref, arch, toolchain, runner, status, conclusion, ? * COUNT(*) FROM (
        SELECT DISTINCT ${day('j.run_created')} AS day, r.base_ref, ${masked('v.arch', 1)} AS arch,
          ${masked('v.toolchain', 2)} AS toolchain, ${masked('v.runner', 4)} AS runner, r.status,
          COALESCE(r.conclusion, '') AS conclusion, j.run_id
        FROM jobs j ${JOINS} CROSS JOIN ${MASKS} WHERE j.kind <> 'other' AND ${where}) x
      WHERE true GROUP BY 1, 2, 3, 4, 5, 6, 7`,
  },
  {
    // Runs with test results from a job of that arch × toolchain (× runner, or ANY): the share of
    // runs top-failures divides by.
    table: 'result_runs',
    key: ['day', 'base_ref', 'arch', 'toolchain', 'runner'],
    select: (where) => `SELECT day, base_ref, arch, toolchain, runner, ? * COUNT(*) FROM (
        SELECT DISTINCT ${day('j.run_created')} AS day, r.base_ref, v.arch, v.toolchain,
          ${masked('v.runner', 4)} AS runner, j.run_id
        FROM jobs j ${JOINS} CROSS JOIN ${RUNNER_MASKS} WHERE j.has_results = 1 AND ${where}) x
      WHERE true GROUP BY 1, 2, 3, 4, 5`,
  },
  {
    // Runs in which a test failed (fail or error, any attempt) per arch × toolchain (× runner, or
    // ANY): top-failures' hits.
    table: 'failure_runs',
    key: ['day', 'base_ref', 'test_id', 'arch', 'toolchain', 'runner'],
    select: (where) => `SELECT day, base_ref, test_id, arch, toolchain, runner, ? * COUNT(*) FROM (
        SELECT DISTINCT ${day('j.run_created')} AS day, r.base_ref, o.test_id, v.arch, v.toolchain,
          ${masked('v.runner', 4)} AS runner, j.run_id
        FROM outcomes o JOIN jobs j ON j.job_id = o.job_id ${JOINS} CROSS JOIN ${RUNNER_MASKS}
        WHERE o.status IN ('fail', 'error') AND ${where}) x
      WHERE true GROUP BY 1, 2, 3, 4, 5, 6`,
  },
];

/** The tables this migration step adds (job_counts came earlier), and the indexes the questions use. */
export const ROLLUP_TABLES_SQL = (blob: string): string => `
CREATE TABLE job_counts_weekly (
  week BIGINT NOT NULL, variant_id INTEGER NOT NULL, kind TEXT NOT NULL, base_ref TEXT NOT NULL,
  status TEXT NOT NULL, conclusion TEXT NOT NULL, failure_kind TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (week, variant_id, kind, base_ref, status, conclusion, failure_kind));
CREATE TABLE variant_runs (
  arch TEXT NOT NULL, toolchain TEXT NOT NULL, runner TEXT NOT NULL, base_ref TEXT NOT NULL, day BIGINT NOT NULL,
  status TEXT NOT NULL, conclusion TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (arch, toolchain, runner, base_ref, day, status, conclusion));
CREATE TABLE result_runs (
  runner TEXT NOT NULL, arch TEXT NOT NULL, toolchain TEXT NOT NULL, base_ref TEXT NOT NULL, day BIGINT NOT NULL,
  n INTEGER NOT NULL, PRIMARY KEY (runner, arch, toolchain, base_ref, day));
CREATE TABLE failure_runs (
  runner TEXT NOT NULL, test_id INTEGER NOT NULL, arch TEXT NOT NULL, toolchain TEXT NOT NULL, base_ref TEXT NOT NULL,
  day BIGINT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (runner, test_id, arch, toolchain, base_ref, day));
CREATE TABLE duration_lists (
  week BIGINT NOT NULL, kind TEXT NOT NULL, variant_id INTEGER NOT NULL, base_ref TEXT NOT NULL,
  size INTEGER NOT NULL, durations ${blob} NOT NULL, PRIMARY KEY (week, kind, variant_id, base_ref));
CREATE INDEX runs_status_created ON runs (status, created_at, base_ref, conclusion);
CREATE INDEX runs_on_base ON runs (on_base, run_id);
`;

/** Add (+1) or take out (-1) the contribution of the selected stored runs to every rollup. */
export async function applyRollups(db: Database, runs: RunSelection, sign: 1 | -1): Promise<void> {
  const w = selection(runs);
  await applyCounters(db, w, sign, COUNTERS);
  await applyDurations(db, w, sign);
}

async function applyCounters(
  db: Database,
  w: { sql: string; params: SqlValue[] },
  sign: 1 | -1,
  counters: typeof COUNTERS,
): Promise<void> {
  for (const c of counters) {
    await db.run(
      `INSERT INTO ${c.table} (${c.key.join(', ')}, n) ${c.select(w.sql)}
       ON CONFLICT (${c.key.join(', ')}) DO UPDATE SET n = ${c.table}.n + excluded.n`,
      [sign, ...w.params],
    );
  }
}

// ---------------------------------------------------------------- duration lists

/**
 * Finished (success or failure) build and test job durations, as lists per week (of the job's
 * start) × kind × variant × base branch. A percentile needs every value of its group, but a
 * group's values fit in one row: 4 bytes per job, with the day (of the run's creation, what
 * --since filters on) in the 4 bytes before it. The query reads a few thousand such rows for a
 * year, keeps the pairs the filters keep and selects the ranks: exact, and the same answer on
 * both stores.
 */
async function applyDurations(
  db: Database,
  w: { sql: string; params: SqlValue[] },
  sign: 1 | -1,
): Promise<void> {
  const rows = await db.all(
    `SELECT j.week, j.kind, j.variant_id, r.base_ref, j.run_created / 86400 AS day, j.duration_s
     FROM jobs j JOIN runs r ON r.run_id = j.run_id
     WHERE j.duration_s IS NOT NULL AND j.kind IN ('build', 'test') AND j.conclusion IN ('success', 'failure')
       AND ${w.sql}`,
    w.params,
  );
  const groups = new Map<string, { key: SqlValue[]; pairs: number[] }>();
  for (const r of rows) {
    const key = [r['week']!, r['kind']!, r['variant_id']!, r['base_ref']!];
    const k = key.join('\0');
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key, pairs: [] }));
    g.pairs.push(Number(r['day']), Number(r['duration_s']));
  }
  const KEY = 'week = ? AND kind = ? AND variant_id = ? AND base_ref = ?';
  for (const { key, pairs } of groups.values()) {
    const old = await db.all<{ durations: Uint8Array }>(
      `SELECT durations FROM duration_lists WHERE ${KEY}`,
      key,
    );
    const list = old[0] ? decodePairs(old[0].durations) : new Int32Array(0);
    const next = sign === 1 ? appendPairs(list, pairs) : removePairs(list, pairs);
    if (old[0]) await db.run(`DELETE FROM duration_lists WHERE ${KEY}`, key);
    if (next.length > 0)
      await db.run(
        'INSERT INTO duration_lists (week, kind, variant_id, base_ref, size, durations) VALUES (?, ?, ?, ?, ?, ?)',
        [...key, next.length / 2, new Uint8Array(next.buffer, next.byteOffset, next.byteLength)],
      );
  }
}

/** A stored list of (day, duration) pairs as 32-bit integers. */
export function decodePairs(bytes: Uint8Array): Int32Array {
  const copy = new Uint8Array(bytes); // aligned copy
  return new Int32Array(copy.buffer, 0, copy.byteLength / 4);
}

function appendPairs(list: Int32Array, pairs: number[]): Int32Array {
  const out = new Int32Array(list.length + pairs.length);
  out.set(list);
  out.set(pairs, list.length);
  return out;
}

function removePairs(list: Int32Array, pairs: number[]): Int32Array {
  const counts = new Map<string, number>();
  for (let i = 0; i < pairs.length; i += 2) {
    const k = `${pairs[i]},${pairs[i + 1]}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const out: number[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const k = `${list[i]},${list[i + 1]}`;
    const c = counts.get(k) ?? 0;
    if (c > 0) counts.set(k, c - 1);
    else out.push(list[i]!, list[i + 1]!);
  }
  return Int32Array.from(out);
}

/** The nearest rank of the p-th percentile of n values: ceil(p·n/100), at least 1. */
export function nearestRank(n: number, p: number): number {
  return Math.max(1, Math.floor((p * n + 99) / 100));
}

/**
 * The k-th smallest (k from 1) of `values`, which it reorders: Hoare's selection, linear on
 * average, so a percentile of a week's lists needs no sort of their concatenation.
 */
export function kthSmallest(values: Int32Array, k: number, from = 0): number {
  let lo = from;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target]!;
  }
  return values[target]!;
}

// ---------------------------------------------------------------- rebuilding

/**
 * Fill the rollups added after a store was first written from its stored runs, a week of runs at
 * a time, saying how far it got. Runs in the caller's transaction: a rebuild that is interrupted
 * leaves nothing behind and starts over next time.
 */
export async function rebuildRollups(db: Database, logger?: Logger): Promise<void> {
  const span = await db.all<{ first: number | null; last: number | null; n: number }>(
    'SELECT MIN(created_at) AS first, MAX(created_at) AS last, COUNT(*) AS n FROM runs',
  );
  const { first, last, n } = span[0] ?? { first: null, last: null, n: 0 };
  if (first === null || last === null || Number(n) === 0) return;
  const total = Number(n);
  logger?.info(`stats store: building the rollups for ${total.toLocaleString('en-US')} stored runs, once`);
  const WEEK = 7 * 86400;
  let done = 0;
  const t0 = Date.now();
  for (let from = Math.floor(Number(first) / 86400) * 86400; from <= Number(last); from += WEEK) {
    const range = { createdFrom: from, createdBefore: from + WEEK };
    const sel = selection(range);
    // job_counts came with schema version 2, filled then.
    await applyCounters(
      db,
      sel,
      1,
      COUNTERS.filter((c) => c.table !== 'job_counts'),
    );
    await applyDurations(db, sel, 1);
    const counted = await db.all<{ n: number }>(
      'SELECT COUNT(*) AS n FROM runs WHERE created_at >= ? AND created_at < ?',
      [range.createdFrom, range.createdBefore],
    );
    const before = done;
    done += Number(counted[0]?.n ?? 0);
    // A line per tenth of the runs, not per week.
    if (Math.floor((done * 10) / total) > Math.floor((before * 10) / total))
      logger?.info(
        `stats store: rollups ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} runs (${Math.floor((done * 100) / total)} %), ${Math.round((Date.now() - t0) / 1000)} s`,
      );
  }
}
