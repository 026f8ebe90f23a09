// The questions maintainers ask of the history. Each is SQL that runs unchanged on SQLite and
// PostgreSQL plus, where a sequence has to be walked, the same TypeScript over the rows, so both
// stores give the same answers.
import type { Database, SqlValue } from './db.ts';
import { INFRA_KINDS, type FailureKind } from './records.ts';
import { decodeIds } from './store.ts';

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
const FROM_COUNTS = 'FROM job_counts c JOIN variants v ON v.variant_id = c.variant_id';

export const FROM_JOBS =
  'FROM jobs j JOIN variants v ON v.variant_id = j.variant_id JOIN runs r ON r.run_id = j.run_id';

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
 * values is the value at rank ceil(p·n/100), found in SQL as the smallest value whose rank r has
 * 100·r ≥ p·n.
 */
export async function durations(db: Database, f: Filters): Promise<DurationRow[]> {
  const w = where(f, [
    'j.duration_s IS NOT NULL',
    "j.kind IN ('build', 'test')",
    "j.conclusion IN ('success', 'failure')",
  ]);
  const rows = await db.all(
    `WITH d AS (
       SELECT j.week, j.kind, v.arch, v.toolchain, v.runner, j.duration_s AS s,
         ROW_NUMBER() OVER (PARTITION BY j.week, j.kind, v.arch, v.toolchain, v.runner ORDER BY j.duration_s) AS rn,
         COUNT(*) OVER (PARTITION BY j.week, j.kind, v.arch, v.toolchain, v.runner) AS n
       ${FROM_JOBS} ${w.sql})
     SELECT week, kind, arch, toolchain, runner, MAX(n) AS jobs,
       MIN(CASE WHEN rn * 100 >= n * 50 THEN s END) AS p50, MIN(CASE WHEN rn * 100 >= n * 90 THEN s END) AS p90
     FROM d GROUP BY week, kind, arch, toolchain, runner ORDER BY week, kind, arch, toolchain, runner`,
    w.params,
  );
  return rows.map((r) => ({
    week: new Date(num(r['week']) * 1000).toISOString().slice(0, 10),
    kind: r['kind'] as 'build' | 'test',
    arch: String(r['arch']),
    toolchain: String(r['toolchain']),
    runner: String(r['runner']),
    jobs: num(r['jobs']),
    p50Seconds: num(r['p50']),
    p90Seconds: num(r['p90']),
  }));
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
  const w = whereCounts(f, ["c.status = 'completed'", "c.kind <> 'other'"]);
  const jobRows = await db.all(
    `SELECT v.arch, v.toolchain, ${COUNT_SUMS} ${FROM_COUNTS} ${w.sql}
     GROUP BY v.arch, v.toolchain HAVING SUM(c.n) > 0 ORDER BY v.arch, v.toolchain`,
    w.params,
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
  // Without arch, toolchain or runner, every run of the branch and days counts: no job scan.
  const variantFilter = f.arch !== undefined || f.toolchain !== undefined || f.runner !== undefined;
  const rw = variantFilter ? where(f, ["j.kind <> 'other'"]) : { sql: '', params: [] as SqlValue[] };
  const runRows = await db.all(
    variantFilter
      ? `SELECT ${CONCLUSION_SUMS('r.conclusion')} FROM runs r WHERE r.status = 'completed' AND r.run_id IN (SELECT j.run_id ${FROM_JOBS} ${rw.sql})`
      : `SELECT ${CONCLUSION_SUMS('r.conclusion')} FROM runs r WHERE r.status = 'completed'${f.branch !== undefined ? ' AND r.base_ref = ?' : ''}${f.since !== undefined ? ' AND r.created_at >= ?' : ''}`,
    variantFilter
      ? rw.params
      : [...(f.branch !== undefined ? [f.branch] : []), ...(f.since !== undefined ? [sinceDay(f)!] : [])],
  );
  return { jobs, jobsTotal: rateCounts(sum), runs: rateCounts(counts(runRows[0] ?? { total: 0 })) };
}

// ---------------------------------------------------------------- top failures

export interface TopFailureRow {
  /** "#24/14" as last printed; '' when the tool printed none. */
  number: string;
  binary: string;
  test: string;
  arch: string;
  toolchain: string;
  /** Runs in which the test failed (fail or error, any attempt). */
  hits: number;
  /** Runs with test results in this arch × toolchain. */
  runs: number;
  pctOfRuns: number;
}

export async function topFailures(db: Database, f: Filters, limit = 20): Promise<TopFailureRow[]> {
  const w = where(f, ["o.status IN ('fail', 'error')"]);
  const rows = await db.all(
    `SELECT t.number, t.binary_name, t.name, v.arch, v.toolchain, COUNT(DISTINCT j.run_id) AS hits
     FROM outcomes o JOIN tests t ON t.test_id = o.test_id JOIN jobs j ON j.job_id = o.job_id
       JOIN variants v ON v.variant_id = j.variant_id JOIN runs r ON r.run_id = j.run_id
     ${w.sql}
     GROUP BY t.test_id, t.number, t.binary_name, t.name, v.arch, v.toolchain
     ORDER BY hits DESC, t.name, t.binary_name, v.arch, v.toolchain LIMIT ${Math.max(1, Math.floor(limit))}`,
    w.params,
  );
  const dw = where(f, ['j.has_results = 1']);
  const denominators = new Map<string, number>();
  for (const r of await db.all(
    `SELECT v.arch, v.toolchain, COUNT(DISTINCT j.run_id) AS runs ${FROM_JOBS} ${dw.sql} GROUP BY v.arch, v.toolchain`,
    dw.params,
  )) {
    denominators.set(`${String(r['arch'])}\0${String(r['toolchain'])}`, num(r['runs']));
  }
  return rows.map((r) => {
    const runs = denominators.get(`${String(r['arch'])}\0${String(r['toolchain'])}`) ?? 0;
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
  });
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
  const w = whereCounts(f, ["c.status = 'completed'", "c.kind <> 'other'"]);
  const rows = await db.all(
    `SELECT v.arch, v.toolchain, c.failure_kind, SUM(c.n) AS n ${FROM_COUNTS} ${w.sql}
     GROUP BY v.arch, v.toolchain, c.failure_kind HAVING SUM(c.n) > 0 ORDER BY v.arch, v.toolchain`,
    w.params,
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

interface Observation {
  jobId: number;
  variantId: number;
  runId: number;
  attempt: number;
  createdAt: number;
  headSha: string;
  url: string;
  cell: Cell;
}

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

/** Whether a sorted id set (a test set) holds the id. */
export function has(set: Uint32Array | undefined, id: number): boolean {
  if (!set) return false;
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = set[mid]!;
    if (v === id) return true;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export async function loadSets(db: Database): Promise<Map<number, Uint32Array>> {
  const out = new Map<number, Uint32Array>();
  for (const r of await db.all<{ set_id: number; ids: Uint8Array }>('SELECT set_id, ids FROM test_sets'))
    out.set(num(r.set_id), decodeIds(r.ids));
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

/** A job's cell for a test: its outcome, else skipped or (seen and not failing) passed. */
export function cellOf(outcome: { status: string; flaky: number } | undefined, skipped: boolean): Cell {
  if (outcome) {
    if (outcome.status === 'pass') return outcome.flaky ? 'flake' : 'pass';
    if (outcome.status === 'skip') return 'skip';
    if (outcome.status === 'done') return 'pass';
    return 'fail'; // fail, error, miss
  }
  return skipped ? 'skip' : 'pass';
}

/** Every base-branch observation of a test, per variant, oldest first. */
async function baseObservations(
  db: Database,
  f: Filters,
  testIds: number[],
): Promise<Map<number, Observation[]>> {
  const sets = await loadSets(db);
  const containing = [...sets].filter(([, ids]) => testIds.some((t) => has(ids, t))).map(([id]) => id);
  const out = new Map<number, Observation[]>();
  if (containing.length === 0) return out;
  const w = where(f, ['r.on_base = 1', 'j.has_results = 1', `j.seen_set IN (${containing.join(', ')})`]);
  const jobs = await db.all(
    `SELECT j.job_id, j.variant_id, j.run_id, j.run_attempt, j.skip_set, r.created_at, r.head_sha, r.html_url
     ${FROM_JOBS} ${w.sql} ORDER BY j.variant_id, r.created_at, j.run_id, j.run_attempt`,
    w.params,
  );
  const outcomes = new Map<number, { status: string; flaky: number }>();
  for (const r of await db.all(
    `SELECT job_id, status, flaky FROM outcomes WHERE test_id IN (${testIds.join(', ')})`,
  )) {
    const prev = outcomes.get(num(r['job_id']));
    // With the name in two binaries of one job, a failure wins.
    if (!prev || prev.status === 'pass')
      outcomes.set(num(r['job_id']), { status: String(r['status']), flaky: num(r['flaky']) });
  }
  for (const r of jobs) {
    const jobId = num(r['job_id']);
    const skipSet = sets.get(num(r['skip_set']));
    const cell = cellOf(
      outcomes.get(jobId),
      testIds.some((t) => has(skipSet, t)),
    );
    if (cell === 'skip') continue;
    const variantId = num(r['variant_id']);
    let list = out.get(variantId);
    if (!list) out.set(variantId, (list = []));
    list.push({
      jobId,
      variantId,
      runId: num(r['run_id']),
      attempt: num(r['run_attempt']),
      createdAt: num(r['created_at']),
      headSha: String(r['head_sha']),
      url: String(r['html_url']),
      cell,
    });
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
  url: o.url,
});

export interface FirstBadRow extends VariantKey {
  /** The last passing run before the latest failure streak began; null when it never passed. */
  lastGood: RunRef | null;
  firstBad: RunRef;
  stillFailing: boolean;
  failures: number;
  observations: number;
}

/** Per variant on the base branch: where the latest run of failures began. */
export async function firstBad(db: Database, f: Filters, test: string): Promise<FirstBadRow[]> {
  const ids = await findTests(db, test);
  if (ids.length === 0) return [];
  const variants = await variantsById(db);
  const out: FirstBadRow[] = [];
  for (const [variantId, obs] of await baseObservations(db, f, ids)) {
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
    if (!firstBadObs) continue;
    out.push({
      ...variants.get(variantId)!,
      lastGood: lastGood ? ref(lastGood) : null,
      firstBad: ref(firstBadObs),
      stillFailing: obs.at(-1)?.cell === 'fail',
      failures: obs.filter((o) => o.cell === 'fail').length,
      observations: obs.length,
    });
  }
  return sortByVariant(out);
}

export interface OnBaseRow extends VariantKey {
  observations: number;
  failures: number;
  lastFailure: RunRef | null;
  latest: RunRef & { cell: Cell };
  /** The latest base-branch run of this variant failed the test too. */
  alsoFailingOnBase: boolean;
}

export async function onBase(db: Database, f: Filters, test: string): Promise<OnBaseRow[]> {
  const ids = await findTests(db, test);
  if (ids.length === 0) return [];
  const variants = await variantsById(db);
  const out: OnBaseRow[] = [];
  for (const [variantId, obs] of await baseObservations(db, f, ids)) {
    const latest = obs.at(-1)!;
    const lastFailure = obs.filter((o) => o.cell === 'fail').at(-1);
    out.push({
      ...variants.get(variantId)!,
      observations: obs.length,
      failures: obs.filter((o) => o.cell === 'fail').length,
      lastFailure: lastFailure ? ref(lastFailure) : null,
      latest: { ...ref(latest), cell: latest.cell },
      alsoFailingOnBase: latest.cell === 'fail',
    });
  }
  return sortByVariant(out);
}

function sortByVariant<T extends VariantKey>(rows: T[]): T[] {
  return rows.sort(
    (a, b) =>
      a.arch.localeCompare(b.arch) ||
      a.toolchain.localeCompare(b.toolchain) ||
      a.runner.localeCompare(b.runner) ||
      a.accelerator.localeCompare(b.accelerator),
  );
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
  const tests = new Map<number, { binary: string; name: string }>();
  const rows: FlakyRow[] = [];
  for (const [variantId, variant] of variants) {
    if (
      (f.arch && variant.arch !== f.arch) ||
      (f.toolchain && variant.toolchain !== f.toolchain) ||
      (f.runner && variant.runner !== f.runner)
    )
      continue;
    const w = where(f, ['j.variant_id = ?', 'j.has_results = 1']);
    const jobs = (
      await db.all(
        `SELECT j.job_id, j.run_id, j.run_attempt, j.seen_set, j.skip_set ${FROM_JOBS} ${w.sql.replace('j.variant_id = ?', `j.variant_id = ${variantId}`)}
         ORDER BY j.run_created DESC, j.run_id DESC, j.run_attempt DESC LIMIT ${last}`,
        w.params,
      )
    ).reverse();
    if (jobs.length === 0) continue;
    const jobIds = jobs.map((j) => num(j['job_id']));
    const byJob = new Map<number, Map<number, { status: string; flaky: number }>>();
    const candidates = new Set<number>();
    for (const o of await db.all(
      `SELECT job_id, test_id, status, flaky FROM outcomes WHERE job_id IN (${jobIds.join(', ')})`,
    )) {
      const jobId = num(o['job_id']);
      const testId = num(o['test_id']);
      let m = byJob.get(jobId);
      if (!m) byJob.set(jobId, (m = new Map<number, { status: string; flaky: number }>()));
      m.set(testId, { status: String(o['status']), flaky: num(o['flaky']) });
      if (o['status'] !== 'pass' || num(o['flaky'])) candidates.add(testId);
    }
    for (const testId of candidates) {
      const seq: { cell: Cell; runId: number }[] = [];
      for (const j of jobs) {
        const jobId = num(j['job_id']);
        if (!has(sets.get(num(j['seen_set'])), testId)) continue;
        const cell = cellOf(byJob.get(jobId)?.get(testId), has(sets.get(num(j['skip_set'])), testId));
        if (cell !== 'skip') seq.push({ cell, runId: num(j['run_id']) });
      }
      if (seq.length < minSample) continue;
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
      const fails = seq.filter((s) => s.cell === 'fail').length;
      const flakes = seq.filter((s) => s.cell === 'flake').length;
      if (flips === 0 && flakes === 0) continue;
      tests.set(testId, tests.get(testId) ?? { binary: '', name: '' });
      rows.push({
        ...variant,
        binary: '',
        test: String(testId),
        observations: seq.length,
        fails,
        flips,
        flipRate: Math.round((flips / (seq.length - 1)) * 1000) / 1000,
        flakes,
        passedOnRerun,
        cells: seq.map((s) => s.cell),
      });
    }
  }
  if (tests.size > 0) {
    for (const r of await db.all(
      `SELECT test_id, binary_name, name FROM tests WHERE test_id IN (${[...tests.keys()].join(', ')})`,
    )) {
      tests.set(num(r['test_id']), { binary: String(r['binary_name']), name: String(r['name']) });
    }
  }
  for (const row of rows) {
    const t = tests.get(Number(row.test))!;
    row.binary = t.binary;
    row.test = t.name;
  }
  rows.sort(
    (a, b) =>
      b.flipRate - a.flipRate ||
      b.flakes - a.flakes ||
      a.test.localeCompare(b.test) ||
      a.arch.localeCompare(b.arch) ||
      a.toolchain.localeCompare(b.toolchain) ||
      a.runner.localeCompare(b.runner) ||
      a.accelerator.localeCompare(b.accelerator),
  );
  return options.limit ? rows.slice(0, options.limit) : rows;
}
