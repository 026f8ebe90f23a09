// The stored rows as typed objects, one mapping per table, and the one rule that rebuilds a test's
// outcome in a job from the compact store. The questions and the exports both read through here.
import type { TestStatus } from '@bpf-ci/model';
import type { Database, Row, SqlValue } from './db.ts';

export const FROM_JOBS =
  'FROM jobs j JOIN variants v ON v.variant_id = j.variant_id JOIN runs r ON r.run_id = j.run_id';

/** A job with its variant and run, as read by JOB_COLUMNS from FROM_JOBS. */
export interface StoredJob {
  jobId: number;
  runId: number;
  attempt: number;
  name: string;
  variantId: number;
  arch: string;
  toolchain: string;
  runner: string;
  accelerator: string;
  baseRef: string;
  headSha: string;
  runUrl: string;
  /** The run's creation (epoch seconds). */
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  /** The ids of the tests the job reported, and of those it skipped (test_sets). */
  seenSet: number | null;
  skipSet: number | null;
}

const JOB_COLUMNS = `j.job_id, j.run_id, j.run_attempt, j.name, j.variant_id, v.arch, v.toolchain, v.runner,
  v.accelerator, r.base_ref, r.head_sha, r.html_url, r.created_at, j.started_at, j.completed_at, j.seen_set, j.skip_set`;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The jobs that `where` (over jobs j, variants v, runs r) keeps, in the order `orderBy` says. */
export async function readJobs(
  db: Database,
  where: { sql: string; params: SqlValue[] },
  orderBy: string,
): Promise<StoredJob[]> {
  return (
    await db.all(`SELECT ${JOB_COLUMNS} ${FROM_JOBS} ${where.sql} ORDER BY ${orderBy}`, where.params)
  ).map(jobOf);
}

function jobOf(r: Row): StoredJob {
  return {
    jobId: num(r['job_id']),
    runId: num(r['run_id']),
    attempt: num(r['run_attempt']),
    name: String(r['name']),
    variantId: num(r['variant_id']),
    arch: String(r['arch']),
    toolchain: String(r['toolchain']),
    runner: String(r['runner']),
    accelerator: String(r['accelerator']),
    baseRef: String(r['base_ref']),
    headSha: String(r['head_sha']),
    runUrl: String(r['html_url']),
    createdAt: num(r['created_at']),
    startedAt: numOrNull(r['started_at']),
    completedAt: numOrNull(r['completed_at']),
    seenSet: numOrNull(r['seen_set']),
    skipSet: numOrNull(r['skip_set']),
  };
}

/** One outcome row: a test's result in a job that is not a plain pass or skip. */
export interface StoredOutcome {
  jobId: number;
  testId: number;
  status: TestStatus;
  /** Passed after a retry inside the job. */
  flaky: boolean;
  attempts: number;
  durationMs: number | null;
  reason: string | null;
}

const OUTCOME_COLUMNS = 'job_id, test_id, status, flaky, attempts, duration_ms, reason';

/** The outcome rows of some jobs or tests: `where` is over the outcomes table alone. */
export async function readOutcomes(
  db: Database,
  where: string,
  params: SqlValue[] = [],
): Promise<StoredOutcome[]> {
  return (await db.all(`SELECT ${OUTCOME_COLUMNS} FROM outcomes WHERE ${where}`, params)).map(outcomeOf);
}

function outcomeOf(r: Row): StoredOutcome {
  return {
    jobId: num(r['job_id']),
    testId: num(r['test_id']),
    status: r['status'] as TestStatus,
    flaky: num(r['flaky']) === 1,
    attempts: num(r['attempts']),
    durationMs: numOrNull(r['duration_ms']),
    reason: r['reason'] === null || r['reason'] === undefined ? null : String(r['reason']),
  };
}

/** Whether a sorted set of ids holds `id`. */
export function inSet(set: Uint32Array | undefined, id: number): boolean {
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

/**
 * A reported test's status in a job: its outcome row when it has one, else skip when it is in the
 * job's skipped set, else pass (the store keeps no row for a plain pass or skip).
 */
export function statusInJob(outcome: { status: TestStatus } | undefined, skipped: boolean): TestStatus {
  return outcome ? outcome.status : skipped ? 'skip' : 'pass';
}

/** Test names by id: every test, or those of `ids`. */
export async function testNames(
  db: Database,
  ids?: Iterable<number>,
): Promise<Map<number, { binary: string; name: string; number: string }>> {
  const list = ids ? [...ids] : undefined;
  const out = new Map<number, { binary: string; name: string; number: string }>();
  if (list?.length === 0) return out;
  for (const r of await db.all(
    `SELECT test_id, binary_name, name, number FROM tests${list ? ` WHERE test_id IN (${list.join(', ')})` : ''}`,
  ))
    out.set(num(r['test_id']), {
      binary: String(r['binary_name']),
      name: String(r['name']),
      number: String(r['number']),
    });
  return out;
}
