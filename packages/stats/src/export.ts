// Per-test records for existing kernel CI dashboards: netdev's contest JSON (NIPA) and KCIDB.
import { toKcidbStatus, type TestStatus } from '@bpf-ci/model';
import type { Database } from './db.ts';
import { FROM_JOBS, loadSets, where, type Filters } from './queries.ts';

/** One NIPA contest result (netdev's results JSON: test, group, result, retry, time, crashes, link). */
export interface NipaResult {
  test: string;
  group: string;
  result: 'pass' | 'fail' | 'skip';
  /** The result of the retry when the test was retried. */
  retry?: 'pass' | 'fail';
  time?: number;
  crashes?: string[];
  link: string;
}

/** One executor run in NIPA's shape: a GitHub job. */
export interface NipaRun {
  executor: string;
  branch: string;
  start: string;
  end: string;
  link: string;
  results: NipaResult[];
}

interface JobOutcome {
  binary: string;
  name: string;
  status: TestStatus;
  flaky: boolean;
  attempts: number;
  durationMs: number | null;
  reason: string | null;
}

interface ExportJob {
  jobId: number;
  runId: number;
  attempt: number;
  name: string;
  arch: string;
  toolchain: string;
  runner: string;
  accelerator: string;
  baseRef: string;
  headSha: string;
  runUrl: string;
  startedAt: number | null;
  completedAt: number | null;
  outcomes: JobOutcome[];
}

/** Every stored test outcome of the jobs that match, job by job (passes rebuilt from the sets). */
export async function* exportJobs(db: Database, f: Filters): AsyncGenerator<ExportJob> {
  const tests = new Map<number, { binary: string; name: string }>();
  for (const r of await db.all('SELECT test_id, binary_name, name FROM tests'))
    tests.set(Number(r['test_id']), { binary: String(r['binary_name']), name: String(r['name']) });
  const sets = await loadSets(db);
  const w = where(f, ['j.has_results = 1']);
  const jobs = await db.all(
    `SELECT j.job_id, j.run_id, j.run_attempt, j.name, j.seen_set, j.skip_set, j.started_at, j.completed_at,
       v.arch, v.toolchain, v.runner, v.accelerator, r.base_ref, r.head_sha, r.html_url
     ${FROM_JOBS} ${w.sql} ORDER BY j.run_created, j.run_id, j.run_attempt, j.job_id`,
    w.params,
  );
  for (const j of jobs) {
    const jobId = Number(j['job_id']);
    const exceptions = new Map<number, Omit<JobOutcome, 'binary' | 'name'>>();
    for (const o of await db.all(
      'SELECT test_id, status, flaky, attempts, duration_ms, reason FROM outcomes WHERE job_id = ?',
      [jobId],
    )) {
      exceptions.set(Number(o['test_id']), {
        status: o['status'] as TestStatus,
        flaky: Number(o['flaky']) === 1,
        attempts: Number(o['attempts']),
        durationMs: o['duration_ms'] === null ? null : Number(o['duration_ms']),
        reason: o['reason'] === null ? null : String(o['reason']),
      });
    }
    const skipped = new Set(sets.get(Number(j['skip_set'])) ?? []);
    const outcomes: JobOutcome[] = [];
    for (const id of sets.get(Number(j['seen_set'])) ?? []) {
      const t = tests.get(id)!;
      const e = exceptions.get(id);
      outcomes.push(
        e
          ? { ...t, ...e }
          : {
              ...t,
              status: skipped.has(id) ? 'skip' : 'pass',
              flaky: false,
              attempts: 1,
              durationMs: null,
              reason: null,
            },
      );
    }
    outcomes.sort((a, b) => a.binary.localeCompare(b.binary) || a.name.localeCompare(b.name));
    yield {
      jobId,
      runId: Number(j['run_id']),
      attempt: Number(j['run_attempt']),
      name: String(j['name']),
      arch: String(j['arch']),
      toolchain: String(j['toolchain']),
      runner: String(j['runner']),
      accelerator: String(j['accelerator']),
      baseRef: String(j['base_ref']),
      headSha: String(j['head_sha']),
      runUrl: String(j['html_url']),
      startedAt: j['started_at'] === null ? null : Number(j['started_at']),
      completedAt: j['completed_at'] === null ? null : Number(j['completed_at']),
      outcomes,
    };
  }
}

const isoOf = (t: number | null): string => (t === null ? '' : new Date(t * 1000).toISOString());

export function toNipa(job: ExportJob): NipaRun {
  const link = `${job.runUrl}/job/${job.jobId}`;
  return {
    executor: `bpf-ci-${job.arch}-${job.toolchain}${job.accelerator ? `-${job.accelerator}` : ''}`,
    branch: job.baseRef,
    start: isoOf(job.startedAt),
    end: isoOf(job.completedAt),
    link,
    results: job.outcomes.map((o) => {
      const r: NipaResult = {
        test: o.name,
        group: `selftests-bpf-${o.binary}`,
        result: o.status === 'pass' || o.status === 'done' ? 'pass' : o.status === 'skip' ? 'skip' : 'fail',
        link,
      };
      if (o.attempts > 1) r.retry = o.status === 'pass' ? 'pass' : 'fail';
      if (o.durationMs !== null) r.time = o.durationMs / 1000;
      if (o.status === 'error' && o.reason) r.crashes = [o.reason];
      return r;
    }),
  };
}

/** KCIDB's I/O schema (v4): checkouts, builds and tests, ids prefixed with our origin. */
export const KCIDB_ORIGIN = 'bpfci';

export interface KcidbData {
  version: { major: 4; minor: 3 };
  checkouts: Record<string, unknown>[];
  builds: Record<string, unknown>[];
  tests: Record<string, unknown>[];
}

export function toKcidb(jobs: ExportJob[]): KcidbData {
  const data: KcidbData = { version: { major: 4, minor: 3 }, checkouts: [], builds: [], tests: [] };
  const seenCheckouts = new Set<string>();
  const seenBuilds = new Set<string>();
  for (const job of jobs) {
    const checkoutId = `${KCIDB_ORIGIN}:run-${job.runId}`;
    if (!seenCheckouts.has(checkoutId)) {
      seenCheckouts.add(checkoutId);
      data.checkouts.push({
        id: checkoutId,
        origin: KCIDB_ORIGIN,
        git_commit_hash: job.headSha,
        git_repository_branch: job.baseRef,
        start_time: isoOf(job.startedAt),
        misc: { run_url: job.runUrl },
      });
    }
    const buildId = `${KCIDB_ORIGIN}:run-${job.runId}-${job.arch}-${job.toolchain}`;
    if (!seenBuilds.has(buildId)) {
      seenBuilds.add(buildId);
      data.builds.push({
        id: buildId,
        checkout_id: checkoutId,
        origin: KCIDB_ORIGIN,
        architecture: job.arch,
        compiler: job.toolchain,
        valid: true,
      });
    }
    for (const o of job.outcomes) {
      const test: Record<string, unknown> = {
        id: `${KCIDB_ORIGIN}:job-${job.jobId}:${o.binary}:${o.name}`,
        build_id: buildId,
        origin: KCIDB_ORIGIN,
        path: `bpf.${o.binary}.${o.name.replaceAll('.', '_').replaceAll('/', '.')}`,
        status: toKcidbStatus(o.status),
        start_time: isoOf(job.startedAt),
        log_url: `${job.runUrl}/job/${job.jobId}`,
        environment: { misc: { runner: job.runner, accelerator: job.accelerator || undefined } },
        misc: { flaky: o.flaky, attempts: o.attempts, run_attempt: job.attempt },
      };
      if (o.durationMs !== null) test['duration'] = o.durationMs / 1000;
      data.tests.push(test);
    }
  }
  return data;
}
