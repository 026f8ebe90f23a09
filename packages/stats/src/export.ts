// Per-test records for existing kernel CI dashboards: netdev's contest JSON (NIPA) and KCIDB.
import { toKcidbStatus, type TestStatus } from '@bpf-ci/model';
import type { Database } from './db.ts';
import { where, type Filters } from './queries.ts';
import { inSet, readJobs, readOutcomes, statusInJob, testNames } from './rows.ts';
import type { StoredJob, StoredOutcome } from './rows.ts';
import { loadSets } from './store.ts';

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

type ExportJob = StoredJob & { outcomes: JobOutcome[] };

/** Every stored test outcome of the jobs that match, job by job (passes rebuilt from the sets). */
export async function* exportJobs(db: Database, f: Filters): AsyncGenerator<ExportJob> {
  const tests = await testNames(db);
  const sets = await loadSets(db);
  const w = where(f, ['j.has_results = 1']);
  const jobs = await readJobs(db, w, 'j.run_created, j.run_id, j.run_attempt, j.job_id');
  for (const job of jobs) {
    const exceptions = new Map<number, StoredOutcome>();
    for (const o of await readOutcomes(db, 'job_id = ?', [job.jobId])) exceptions.set(o.testId, o);
    const skipped = sets.get(job.skipSet ?? -1);
    const outcomes: JobOutcome[] = [];
    for (const id of sets.get(job.seenSet ?? -1) ?? []) {
      const { binary, name } = tests.get(id)!;
      const e = exceptions.get(id);
      outcomes.push({
        binary,
        name,
        status: statusInJob(e, inSet(skipped, id)),
        flaky: e?.flaky ?? false,
        attempts: e?.attempts ?? 1,
        durationMs: e?.durationMs ?? null,
        reason: e?.reason ?? null,
      });
    }
    outcomes.sort((a, b) => a.binary.localeCompare(b.binary) || a.name.localeCompare(b.name));
    yield { ...job, outcomes };
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
