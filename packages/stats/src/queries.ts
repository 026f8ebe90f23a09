// The questions maintainers ask of the history. Each is SQL that runs unchanged on SQLite and
// PostgreSQL plus, where a sequence has to be walked, the same TypeScript over the rows, so both
// stores give the same answers.
import type { Database, Row, SqlValue } from './db.ts';
import { ANY, decodePairs, kthSmallest, nearestRank } from './rollups.ts';
import { INFRA_KINDS, type FailureKind } from './records.ts';
import { inSet, readJobs, readOutcomes, statusInJob, testNames } from './rows.ts';
import type { StoredJob, StoredOutcome } from './rows.ts';
import type { TopFailureRow } from './top-failure.ts';

export type { TopFailureRow } from './top-failure.ts';
import { loadSets, weekStart } from './store.ts';

export interface Filters {
  arch?: string;
  toolchain?: string;
  runner?: string;
  /** The base branch (a PR run counts for its base branch). */
  branch?: string;
  /** Runs created on or after the day (UTC) of this epoch second; the time of day is dropped. */
  since?: number;
}

/** WHERE clauses over jobs j, variants v, runs r. */
export function where(f: Filters, extra: string[] = []): { sql: string; params: SqlValue[] } {
  const clauses = [...extra];
  const params: SqlValue[] = [];
  const add = (clause: string, value: SqlValue | undefined): void => {
    if (value === undefined) return;
    clauses.push(clause);
    params.push(value);
  };
  add('v.arch = ?', f.arch);
  add('v.toolchain = ?', f.toolchain);
  add('v.runner = ?', f.runner);
  add('r.base_ref = ?', f.branch);
  add('j.run_created >= ?', sinceDay(f));
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export /** --since counts whole days (UTC), so the daily counts answer exactly like the job rows. */
function sinceDay(f: Filters): number | undefined {
  return f.since === undefined ? undefined : Math.floor(f.since / 86400) * 86400;
}

function withoutSince(f: Filters): Filters {
  const out = { ...f };
  delete out.since;
  return out;
}

/** WHERE clauses over job_counts c and variants v. */
function whereCounts(f: Filters, extra: string[] = []): { sql: string; params: SqlValue[] } {
  const variantOnly: Filters = {};
  if (f.arch !== undefined) variantOnly.arch = f.arch;
  if (f.toolchain !== undefined) variantOnly.toolchain = f.toolchain;
  if (f.runner !== undefined) variantOnly.runner = f.runner;
  const w = where(variantOnly, extra);
  const clauses = w.sql ? [w.sql.slice('WHERE '.length)] : [];
  const params = [...w.params];
  if (f.branch !== undefined) {
    clauses.push('c.base_ref = ?');
    params.push(f.branch);
  }
  if (f.since !== undefined) {
    clauses.push('c.day >= ?');
    params.push(sinceDay(f)!);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
/**
 * The job counts as c joined to variants v: whole weeks from the weekly counts, and from the daily
 * counts the days of --since before its first whole week.
 */
function fromCounts(f: Filters): { sql: string; params: SqlValue[] } {
  const COLUMNS = 'variant_id, kind, base_ref, status, conclusion, failure_kind, n';
  const join = 'JOIN variants v ON v.variant_id = c.variant_id';
  if (f.since === undefined) return { sql: `FROM job_counts_weekly c ${join}`, params: [] };
  const from = sinceDay(f)!;
  const firstWholeWeek = weekStart(from) === from ? from : weekStart(from) + 7 * 86400;
  return {
    sql: `FROM (SELECT ${COLUMNS} FROM job_counts_weekly WHERE week >= ?
            UNION ALL SELECT ${COLUMNS} FROM job_counts WHERE day >= ? AND day < ?) c ${join}`,
    params: [firstWholeWeek, from, firstWholeWeek],
  };
}

/**
 * WHERE clauses over a rollup `t` with base_ref and day, and arch, toolchain and runner in `t` or
 * in the variants row joined as `variant`.
 */
function whereRollup(
  f: Filters,
  t: string,
  extra: string[] = [],
  variant = t,
): { sql: string; params: SqlValue[] } {
  const clauses = [...extra];
  const params: SqlValue[] = [];
  for (const k of ['arch', 'toolchain', 'runner'] as const) {
    if (f[k] === undefined) continue;
    clauses.push(`${variant}.${k} = ?`);
    params.push(f[k]);
  }
  if (f.branch !== undefined) {
    clauses.push(`${t}.base_ref = ?`);
    params.push(f.branch);
  }
  if (f.since !== undefined) {
    clauses.push(`${t}.day >= ?`);
    params.push(sinceDay(f)!);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

const num = (v: unknown): number => Number(v);
/** Percent with one decimal, computed from integers the same way on every store. */
export const percent = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part * 1000) / whole) / 10;

// ---------------------------------------------------------------- durations

export interface DurationRow {
  week: string;
  kind: 'build' | 'test';
  arch: string;
  toolchain: string;
  runner: string;
  jobs: number;
  p50Seconds: number;
  p90Seconds: number;
}

/**
 * p50 and p90 of finished (success or failure) build and test job durations per week × kind × arch
 * × toolchain × runner. One percentile definition, nearest rank: the p-th percentile of n sorted
 * values is the value at rank ceil(p·n/100). Read from the per-day duration lists ingest keeps:
 * a group's lists (its days and branches the filters keep) are joined and ranked here.
 */
export async function durations(db: Database, f: Filters): Promise<DurationRow[]> {
  const w = whereRollup(withoutSince(f), 'd', [], 'v'); // --since is applied to the pairs below
  const rows = await db.all(
    `SELECT d.week, d.kind, v.arch, v.toolchain, v.runner, d.size, d.durations
     FROM duration_lists d JOIN variants v ON v.variant_id = d.variant_id ${w.sql}`,
    w.params,
  );
  // (day, duration) pairs; --since keeps the runs created on or after its day.
  const fromDay = f.since === undefined ? -Infinity : sinceDay(f)! / 86400;
  const groups = new Map<string, { first: Row; size: number; lists: Int32Array[] }>();
  for (const r of rows) {
    const key = [r['week'], r['kind'], r['arch'], r['toolchain'], r['runner']].map(String).join('\0');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { first: r, size: 0, lists: [] }));
    g.size += num(r['size']);
    g.lists.push(decodePairs(r['durations'] as Uint8Array));
  }
  const out: DurationRow[] = [];
  for (const g of groups.values()) {
    const row = durationRow(g, fromDay);
    if (row) out.push(row);
  }
  return out.sort(compareDurationRows);
}

/** A group's p50 and p90 over its (day, duration) pairs from `fromDay` on; null when none is left. */
function durationRow(
  { first, size, lists }: { first: Row; size: number; lists: Int32Array[] },
  fromDay: number,
): DurationRow | null {
  const values = new Int32Array(size);
  let n = 0;
  for (const pairs of lists)
    for (let i = 0; i < pairs.length; i += 2) if (pairs[i]! >= fromDay) values[n++] = pairs[i + 1]!;
  if (n === 0) return null;
  const kept = values.subarray(0, n);
  // p50 first: selecting it leaves every larger value above its rank, where p90 is then found.
  const k50 = nearestRank(n, 50);
  const p50 = kthSmallest(kept, k50);
  const p90 = kthSmallest(kept, nearestRank(n, 90), k50 - 1);
  return {
    week: new Date(num(first['week']) * 1000).toISOString().slice(0, 10),
    kind: first['kind'] as 'build' | 'test',
    arch: String(first['arch']),
    toolchain: String(first['toolchain']),
    runner: String(first['runner']),
    jobs: n,
    p50Seconds: p50,
    p90Seconds: p90,
  };
}

/** Code-point order, so both stores list the groups alike. */
function compareDurationRows(a: DurationRow, b: DurationRow): number {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return (
    cmp(a.week, b.week) ||
    cmp(a.kind, b.kind) ||
    cmp(a.arch, b.arch) ||
    cmp(a.toolchain, b.toolchain) ||
    cmp(a.runner, b.runner)
  );
}

// ---------------------------------------------------------------- rates

export interface RateCounts {
  total: number;
  success: number;
  failure: number;
  cancelled: number;
  other: number;
  successPct: number;
  failurePct: number;
  cancelledPct: number;
}

export interface RatesAnswer {
  /** Every completed job execution (each attempt counts), per arch × toolchain. */
  jobs: (RateCounts & { arch: string; toolchain: string })[];
  jobsTotal: RateCounts;
  /** Completed runs by their final conclusion (runs with a job matching the filters). */
  runs: RateCounts;
}

function rateCounts(c: { total: number; success: number; failure: number; cancelled: number }): RateCounts {
  return {
    ...c,
    other: c.total - c.success - c.failure - c.cancelled,
    successPct: percent(c.success, c.total),
    failurePct: percent(c.failure, c.total),
    cancelledPct: percent(c.cancelled, c.total),
  };
}

const COUNT_SUMS = `SUM(c.n) AS total, SUM(CASE WHEN c.conclusion = 'success' THEN c.n ELSE 0 END) AS success,
   SUM(CASE WHEN c.conclusion = 'failure' THEN c.n ELSE 0 END) AS failure,
   SUM(CASE WHEN c.conclusion = 'cancelled' THEN c.n ELSE 0 END) AS cancelled`;

const CONCLUSION_SUMS = (col: string): string =>
  `COUNT(*) AS total, SUM(CASE WHEN ${col} = 'success' THEN 1 ELSE 0 END) AS success,
   SUM(CASE WHEN ${col} = 'failure' THEN 1 ELSE 0 END) AS failure,
   SUM(CASE WHEN ${col} = 'cancelled' THEN 1 ELSE 0 END) AS cancelled`;

export async function rates(db: Database, f: Filters): Promise<RatesAnswer> {
  const from = fromCounts(f);
  const w = whereCounts(withoutSince(f), ["c.status = 'completed'", "c.kind <> 'other'"]);
  const jobRows = await db.all(
    `SELECT v.arch, v.toolchain, ${COUNT_SUMS} ${from.sql} ${w.sql}
     GROUP BY v.arch, v.toolchain HAVING SUM(c.n) > 0 ORDER BY v.arch, v.toolchain`,
    [...from.params, ...w.params],
  );
  const counts = (r: Record<string, SqlValue>) => ({
    total: num(r['total']),
    success: num(r['success'] ?? 0),
    failure: num(r['failure'] ?? 0),
    cancelled: num(r['cancelled'] ?? 0),
  });
  const jobs = jobRows.map((r) => ({
    arch: String(r['arch']),
    toolchain: String(r['toolchain']),
    ...rateCounts(counts(r)),
  }));
  const sum = jobs.reduce(
    (a, r) => ({
      total: a.total + r.total,
      success: a.success + r.success,
      failure: a.failure + r.failure,
      cancelled: a.cancelled + r.cancelled,
    }),
    { total: 0, success: 0, failure: 0, cancelled: 0 },
  );
  // Without arch, toolchain or runner, every run of the branch and days counts (from the runs);
  // with one, the runs that have a job of that variant (from the rollup, ANY for a filter not given).
  const variantFilter = f.arch !== undefined || f.toolchain !== undefined || f.runner !== undefined;
  const vw = whereRollup(
    { ...f, arch: f.arch ?? ANY, toolchain: f.toolchain ?? ANY, runner: f.runner ?? ANY },
    'c',
    ["c.status = 'completed'"],
  );
  const runRows = await db.all(
    variantFilter
      ? `SELECT ${COUNT_SUMS} FROM variant_runs c ${vw.sql}`
      : `SELECT ${CONCLUSION_SUMS('r.conclusion')} FROM runs r WHERE r.status = 'completed'${f.branch !== undefined ? ' AND r.base_ref = ?' : ''}${f.since !== undefined ? ' AND r.created_at >= ?' : ''}`,
    variantFilter
      ? vw.params
      : [...(f.branch !== undefined ? [f.branch] : []), ...(f.since !== undefined ? [sinceDay(f)!] : [])],
  );
  return { jobs, jobsTotal: rateCounts(sum), runs: rateCounts(counts(runRows[0] ?? { total: 0 })) };
}

// ---------------------------------------------------------------- top failures

/** Read from the rollups ingest keeps: runs with a failure per test, runs with results per variant. */
export async function topFailures(db: Database, f: Filters, limit = 20): Promise<TopFailureRow[]> {
  const byRunner = { ...f, runner: f.runner ?? ANY };
  const w = whereRollup(byRunner, 'c');
  const rows = await db.all(
    `SELECT t.number, t.binary_name, t.name, h.arch, h.toolchain, h.hits
     FROM (SELECT c.test_id, c.arch, c.toolchain, SUM(c.n) AS hits FROM failure_runs c ${w.sql}
           GROUP BY c.test_id, c.arch, c.toolchain HAVING SUM(c.n) > 0) h
       JOIN tests t ON t.test_id = h.test_id
     ORDER BY h.hits DESC, t.name, t.binary_name, h.arch, h.toolchain LIMIT ${Math.max(1, Math.floor(limit))}`,
    w.params,
  );
  const denominators = new Map<string, number>();
  for (const r of await db.all(
    `SELECT c.arch, c.toolchain, SUM(c.n) AS runs FROM result_runs c ${w.sql} GROUP BY c.arch, c.toolchain`,
    w.params,
  )) {
    denominators.set(`${String(r['arch'])}\0${String(r['toolchain'])}`, num(r['runs']));
  }
  return rows.map((r) =>
    topFailureRow(r, denominators.get(`${String(r['arch'])}\0${String(r['toolchain'])}`) ?? 0),
  );
}

/** A row of (number, binary_name, name, arch, toolchain, hits) and its runs with results. */
export function topFailureRow(r: Row, runs: number): TopFailureRow {
  const hits = num(r['hits']);
  return {
    number: r['number'] ? `#${String(r['number'])}` : '',
    binary: String(r['binary_name']),
    test: String(r['name']),
    arch: String(r['arch']),
    toolchain: String(r['toolchain']),
    hits,
    runs,
    pctOfRuns: percent(hits, runs),
  };
}

// ---------------------------------------------------------------- infra

export const FAILURE_KINDS: FailureKind[] = [
  'test',
  'build',
  'vm-died',
  'kernel-panic',
  'runner-lost',
  'timeout',
  'cancelled',
  'other',
];

export interface InfraRow {
  arch: string;
  toolchain: string;
  jobs: number;
  counts: Record<FailureKind, number>;
  /** vm-died + kernel-panic + runner-lost + timeout + cancelled. */
  infra: number;
  infraPct: number;
}

export async function infra(db: Database, f: Filters): Promise<InfraRow[]> {
  const from = fromCounts(f);
  const w = whereCounts(withoutSince(f), ["c.status = 'completed'", "c.kind <> 'other'"]);
  const rows = await db.all(
    `SELECT v.arch, v.toolchain, c.failure_kind, SUM(c.n) AS n ${from.sql} ${w.sql}
     GROUP BY v.arch, v.toolchain, c.failure_kind HAVING SUM(c.n) > 0 ORDER BY v.arch, v.toolchain`,
    [...from.params, ...w.params],
  );
  const out = new Map<string, InfraRow>();
  for (const r of rows) {
    const key = `${String(r['arch'])}\0${String(r['toolchain'])}`;
    let row = out.get(key);
    if (!row) {
      row = {
        arch: String(r['arch']),
        toolchain: String(r['toolchain']),
        jobs: 0,
        counts: Object.fromEntries(FAILURE_KINDS.map((k) => [k, 0])) as Record<FailureKind, number>,
        infra: 0,
        infraPct: 0,
      };
      out.set(key, row);
    }
    const n = num(r['n']);
    row.jobs += n;
    const kind = (r['failure_kind'] || null) as FailureKind | null;
    if (kind) row.counts[kind] += n;
    if (kind && INFRA_KINDS.includes(kind)) row.infra += n;
  }
  for (const row of out.values()) row.infraPct = percent(row.infra, row.jobs);
  return [...out.values()];
}

// ---------------------------------------------------------------- per-test sequences

export type Cell = 'pass' | 'fail' | 'flake' | 'skip';

type Observation = StoredJob & { cell: Cell };

export interface VariantKey {
  arch: string;
  toolchain: string;
  runner: string;
  accelerator: string;
}

async function variantsById(db: Database): Promise<Map<number, VariantKey>> {
  const out = new Map<number, VariantKey>();
  for (const r of await db.all('SELECT variant_id, arch, toolchain, runner, accelerator FROM variants')) {
    out.set(num(r['variant_id']), {
      arch: String(r['arch']),
      toolchain: String(r['toolchain']),
      runner: String(r['runner']),
      accelerator: String(r['accelerator']),
    });
  }
  return out;
}

/** Test ids for a name: "test", "test/subtest", or "binary:test". */
export async function findTests(db: Database, name: string): Promise<number[]> {
  const colon = name.indexOf(':');
  const rows = await db.all('SELECT test_id, binary_name, name FROM tests WHERE name = ?', [name]);
  if (rows.length === 0 && colon > 0) {
    return (
      await db.all('SELECT test_id FROM tests WHERE binary_name = ? AND name = ?', [
        name.slice(0, colon),
        name.slice(colon + 1),
      ])
    ).map((r) => num(r['test_id']));
  }
  return rows.map((r) => num(r['test_id']));
}

/** A test's cell in a job (see statusInJob): a pass that needed a retry is a flake. */
export function cellOf(outcome: StoredOutcome | undefined, skipped: boolean): Cell {
  const status = statusInJob(outcome, skipped);
  if (status === 'pass') return outcome?.flaky ? 'flake' : 'pass';
  if (status === 'skip') return 'skip';
  if (status === 'done') return 'pass';
  return 'fail'; // fail, error, miss
}

/** Every base-branch observation of a test, per variant, oldest first. */
async function baseObservations(
  db: Database,
  f: Filters,
  testIds: number[],
): Promise<Map<number, Observation[]>> {
  const sets = await loadSets(db);
  const containing = [...sets].filter(([, ids]) => testIds.some((t) => inSet(ids, t))).map(([id]) => id);
  const out = new Map<number, Observation[]>();
  if (containing.length === 0) return out;
  const w = where(f, ['r.on_base = 1', 'j.has_results = 1', `j.seen_set IN (${containing.join(', ')})`]);
  const jobs = await readJobs(db, w, 'j.variant_id, r.created_at, j.run_id, j.run_attempt');
  const outcomes = new Map<number, StoredOutcome>();
  for (const o of await readOutcomes(db, `test_id IN (${testIds.join(', ')})`)) {
    const prev = outcomes.get(o.jobId);
    // With the name in two binaries of one job, a failure wins.
    if (!prev || prev.status === 'pass') outcomes.set(o.jobId, o);
  }
  for (const job of jobs) {
    const skipSet = sets.get(job.skipSet ?? -1);
    const cell = cellOf(
      outcomes.get(job.jobId),
      testIds.some((t) => inSet(skipSet, t)),
    );
    if (cell === 'skip') continue;
    let list = out.get(job.variantId);
    if (!list) out.set(job.variantId, (list = []));
    list.push({ ...job, cell });
  }
  return out;
}

export interface RunRef {
  runId: number;
  attempt: number;
  commit: string;
  createdAt: string;
  url: string;
}
const ref = (o: Observation): RunRef => ({
  runId: o.runId,
  attempt: o.attempt,
  commit: o.headSha,
  createdAt: new Date(o.createdAt * 1000).toISOString(),
  url: o.runUrl,
});

export interface FirstBadRow extends VariantKey {
  /** The last passing run before the latest failure streak began; null when it never passed. */
  lastGood: RunRef | null;
  firstBad: RunRef;
  stillFailing: boolean;
  failures: number;
  observations: number;
}

/**
 * One row per variant on which `test` ran on the base branch (`row` may return null to leave a
 * variant out), in variant order; none when no test has that name.
 */
async function perVariantOnBase<T extends VariantKey>(
  db: Database,
  f: Filters,
  test: string,
  row: (variant: VariantKey, obs: Observation[]) => T | null,
): Promise<T[]> {
  const ids = await findTests(db, test);
  if (ids.length === 0) return [];
  const variants = await variantsById(db);
  const out: T[] = [];
  for (const [variantId, obs] of await baseObservations(db, f, ids)) {
    const r = row(variants.get(variantId)!, obs);
    if (r) out.push(r);
  }
  return sortByVariant(out);
}

/** The first failure of the latest run of failures, and the last pass before it (null: never passed). */
function latestFailureStreak(
  obs: Observation[],
): { firstBad: Observation; lastGood: Observation | null } | null {
  let lastGood: Observation | null = null;
  let firstBadObs: Observation | null = null;
  let candidateGood: Observation | null = null;
  let prev: Cell | null = null;
  for (const o of obs) {
    if (o.cell === 'fail' && prev !== 'fail') {
      firstBadObs = o;
      lastGood = candidateGood;
    }
    if (o.cell !== 'fail') candidateGood = o;
    prev = o.cell;
  }
  return firstBadObs ? { firstBad: firstBadObs, lastGood } : null;
}

/** Per variant on the base branch: where the latest run of failures began. */
export function firstBad(db: Database, f: Filters, test: string): Promise<FirstBadRow[]> {
  return perVariantOnBase(db, f, test, (variant, obs) => {
    const streak = latestFailureStreak(obs);
    if (!streak) return null;
    return {
      ...variant,
      lastGood: streak.lastGood ? ref(streak.lastGood) : null,
      firstBad: ref(streak.firstBad),
      stillFailing: obs.at(-1)?.cell === 'fail',
      failures: obs.filter((o) => o.cell === 'fail').length,
      observations: obs.length,
    };
  });
}

export interface OnBaseRow extends VariantKey {
  observations: number;
  failures: number;
  lastFailure: RunRef | null;
  latest: RunRef & { cell: Cell };
  /** The latest base-branch run of this variant failed the test too. */
  alsoFailingOnBase: boolean;
}

export function onBase(db: Database, f: Filters, test: string): Promise<OnBaseRow[]> {
  return perVariantOnBase(db, f, test, (variant, obs) => {
    const latest = obs.at(-1)!;
    const lastFailure = obs.filter((o) => o.cell === 'fail').at(-1);
    return {
      ...variant,
      observations: obs.length,
      failures: obs.filter((o) => o.cell === 'fail').length,
      lastFailure: lastFailure ? ref(lastFailure) : null,
      latest: { ...ref(latest), cell: latest.cell },
      alsoFailingOnBase: latest.cell === 'fail',
    };
  });
}

function compareVariants(a: VariantKey, b: VariantKey): number {
  return (
    a.arch.localeCompare(b.arch) ||
    a.toolchain.localeCompare(b.toolchain) ||
    a.runner.localeCompare(b.runner) ||
    a.accelerator.localeCompare(b.accelerator)
  );
}

function sortByVariant<T extends VariantKey>(rows: T[]): T[] {
  return rows.sort(compareVariants);
}

// ---------------------------------------------------------------- flaky

export interface FlakyOptions {
  /** Observations per test × variant (default 30). */
  last?: number;
  /** Fewer observations than this: no flip rate (default 10). */
  minSample?: number;
  limit?: number;
}

export interface FlakyRow extends VariantKey {
  binary: string;
  test: string;
  observations: number;
  fails: number;
  flips: number;
  /** flips / (observations − 1). */
  flipRate: number;
  /** Passes that needed a retry inside the job. */
  flakes: number;
  /** Runs where an attempt failed the test and a later re-run attempt passed it. */
  passedOnRerun: number;
  /** The last observations, oldest first. */
  cells: Cell[];
}

/**
 * Per test × variant over its last N job observations (every attempt, oldest first; skips left
 * out): a flip is a change between fail and pass (a flake counts as a pass), the flip rate is
 * flips / (observations − 1), reported only from `minSample` observations on.
 */
export async function flaky(db: Database, f: Filters, options: FlakyOptions = {}): Promise<FlakyRow[]> {
  const last = options.last ?? 30;
  const minSample = options.minSample ?? 10;
  const variants = await variantsById(db);
  const sets = await loadSets(db);
  const rows: FlakyRow[] = [];
  for (const [variantId, variant] of variants) {
    if (!variantWanted(variant, f)) continue;
    const jobs = await lastJobsOfVariant(db, f, variantId, last);
    if (jobs.length === 0) continue;
    const { byJob, candidates } = await outcomesOfJobs(db, jobs);
    for (const testId of candidates) {
      const seq = observations(jobs, testId, sets, byJob);
      if (seq.length < minSample) continue;
      const counts = flipCounts(seq);
      if (counts.flips === 0 && counts.flakes === 0) continue;
      rows.push({
        ...variant,
        binary: '',
        test: String(testId),
        observations: seq.length,
        fails: counts.fails,
        flips: counts.flips,
        flipRate: Math.round((counts.flips / (seq.length - 1)) * 1000) / 1000,
        flakes: counts.flakes,
        passedOnRerun: counts.passedOnRerun,
        cells: seq.map((s) => s.cell),
      });
    }
  }
  await nameTests(db, rows);
  rows.sort(
    (a, b) =>
      b.flipRate - a.flipRate || b.flakes - a.flakes || a.test.localeCompare(b.test) || compareVariants(a, b),
  );
  return options.limit ? rows.slice(0, options.limit) : rows;
}

function variantWanted(variant: VariantKey, f: Filters): boolean {
  return !(
    (f.arch && variant.arch !== f.arch) ||
    (f.toolchain && variant.toolchain !== f.toolchain) ||
    (f.runner && variant.runner !== f.runner)
  );
}

/** A variant's last `last` jobs with results that `f` keeps, oldest first. */
async function lastJobsOfVariant(
  db: Database,
  f: Filters,
  variantId: number,
  last: number,
): Promise<StoredJob[]> {
  const w = where(f, ['j.variant_id = ?', 'j.has_results = 1']);
  const byVariant = {
    sql: w.sql.replace('j.variant_id = ?', `j.variant_id = ${variantId}`),
    params: w.params,
  };
  return (
    await readJobs(db, byVariant, `j.run_created DESC, j.run_id DESC, j.run_attempt DESC LIMIT ${last}`)
  ).reverse();
}

/** The stored outcomes of `jobs` by job and test, and the tests that failed or flaked in any. */
async function outcomesOfJobs(
  db: Database,
  jobs: StoredJob[],
): Promise<{ byJob: Map<number, Map<number, StoredOutcome>>; candidates: Set<number> }> {
  const byJob = new Map<number, Map<number, StoredOutcome>>();
  const candidates = new Set<number>();
  for (const o of await readOutcomes(db, `job_id IN (${jobs.map((j) => j.jobId).join(', ')})`)) {
    let m = byJob.get(o.jobId);
    if (!m) byJob.set(o.jobId, (m = new Map<number, StoredOutcome>()));
    m.set(o.testId, o);
    if (o.status !== 'pass' || o.flaky) candidates.add(o.testId);
  }
  return { byJob, candidates };
}

type FlakyObservation = { cell: Cell; runId: number };

/** A test's cell in each job that reported it and did not skip it, oldest first. */
function observations(
  jobs: StoredJob[],
  testId: number,
  sets: Map<number, Uint32Array>,
  byJob: Map<number, Map<number, StoredOutcome>>,
): FlakyObservation[] {
  const seq: FlakyObservation[] = [];
  for (const j of jobs) {
    if (!inSet(sets.get(j.seenSet ?? -1), testId)) continue;
    const cell = cellOf(byJob.get(j.jobId)?.get(testId), inSet(sets.get(j.skipSet ?? -1), testId));
    if (cell !== 'skip') seq.push({ cell, runId: j.runId });
  }
  return seq;
}

/**
 * Flips between fail and pass (a flake is a pass), fails, flakes, and runs where a failing attempt
 * was followed by a passing re-run attempt (each run once).
 */
function flipCounts(seq: FlakyObservation[]): Pick<FlakyRow, 'flips' | 'fails' | 'flakes' | 'passedOnRerun'> {
  let flips = 0;
  for (let i = 1; i < seq.length; i++)
    if ((seq[i]!.cell === 'fail') !== (seq[i - 1]!.cell === 'fail')) flips++;
  let passedOnRerun = 0;
  const failedIn = new Set<number>();
  const counted = new Set<number>();
  for (const s of seq) {
    if (s.cell === 'fail') failedIn.add(s.runId);
    else if (failedIn.has(s.runId) && !counted.has(s.runId)) {
      passedOnRerun++;
      counted.add(s.runId);
    }
  }
  return {
    fails: seq.filter((s) => s.cell === 'fail').length,
    flips,
    flakes: seq.filter((s) => s.cell === 'flake').length,
    passedOnRerun,
  };
}

/** Rows carry a test id in `test` until here: the binary and name replace it. */
async function nameTests(db: Database, rows: FlakyRow[]): Promise<void> {
  const names = await testNames(db, new Set(rows.map((r) => Number(r.test))));
  for (const row of rows) {
    const t = names.get(Number(row.test))!;
    row.binary = t.binary;
    row.test = t.name;
  }
}

/** A test key ("test" or "test/subtest") and the one-line history of it on a variant. */
export interface HistoryOptions {
  /** Recent job observations per test on the variant (default 50). */
  last?: number;
}

/**
 * For the failed or flaky tests of a job: how often each flipped between pass and fail in the
 * variant's recent runs ("flipped 7 times in the last 50 runs on aarch64 gcc, failed 9"). Tests that
 * never flipped get no line: a history line is there to tell flaky from newly broken.
 */
export async function failureHistory(
  db: Database,
  variant: { arch: string; toolchain: string; runner?: string; binary?: string },
  keys: readonly string[],
  options: HistoryOptions = {},
): Promise<Map<string, string>> {
  const wanted = new Set(keys);
  const out = new Map<string, string>();
  if (wanted.size === 0) return out;
  const filters: Filters = { arch: variant.arch, toolchain: variant.toolchain };
  if (variant.runner) filters.runner = variant.runner;
  const rows = await flaky(db, filters, { last: options.last ?? 50, minSample: 2 });
  for (const row of rows) {
    if (!wanted.has(row.test) || out.has(row.test)) continue;
    if (variant.binary && row.binary !== variant.binary) continue;
    out.set(
      row.test,
      `flipped ${row.flips} time${row.flips === 1 ? '' : 's'} in the last ${row.observations} runs on ` +
        `${row.arch} ${row.toolchain}, failed ${row.fails}` +
        (row.flakes > 0 ? `, passed on retry ${row.flakes}` : ''),
    );
  }
  return out;
}
