// What the store keeps of one workflow run, and the pure conversion from GitHub's REST shapes and
// our results.json into it. The collector and the benchmark both go through toRunRecord.
import type { components } from '@octokit/openapi-types';
import type { BinaryResult, IncompleteReason, Run, TestCase, TestStatus } from '@bpf-ci/model';
import { coverageTotals, type CoverageTotals } from './code-coverage.ts';

export type GhRun = components['schemas']['workflow-run'];
export type GhJob = components['schemas']['job'];
export type GhArtifact = components['schemas']['artifact'];

/** Why a job did not succeed. Infrastructure: vm-died, kernel-panic, runner-lost, timeout, cancelled. */
export type FailureKind =
  'test' | 'build' | 'vm-died' | 'kernel-panic' | 'runner-lost' | 'timeout' | 'cancelled' | 'other';
export const INFRA_KINDS: readonly FailureKind[] = [
  'vm-died',
  'kernel-panic',
  'runner-lost',
  'timeout',
  'cancelled',
];

/** Where a run's test outcomes came from, or why there are none. */
export type ResultsState =
  'bundle' | 'per-job' | 'missing' | 'expired' | 'invalid' | 'unknown-schema' | 'none';

export interface Variant {
  arch: string;
  toolchain: string;
  /** The selftest runner (test_progs, test_maps, ...); '' for a build job. */
  runner: string;
  /** kvm or tcg when results.json says; '' when unknown. */
  accelerator: string;
  /** The job's runner labels, sorted, comma-separated. */
  labels: string;
}

export interface TestRef {
  binary: string;
  /** "test" or "test/subtest". */
  name: string;
  /** As printed: "24" or "24/14"; '' when none. */
  number: string;
}

export interface TestOutcome extends TestRef {
  status: TestStatus;
  flaky: boolean;
  attempts: number;
  durationMs?: number;
  reason?: string;
}

/**
 * A job's test outcomes in the store's compact form: the set of tests that reported and the set
 * that skipped (both nearly identical from one run to the next, so stored once and shared), and
 * every other outcome individually: fail, error, miss, done, and passes that needed a retry.
 * A test in `reported` that is neither skipped nor an exception passed.
 */
export interface JobResults {
  reported: TestRef[];
  skipped: TestRef[];
  exceptions: TestOutcome[];
  incompleteReasons: IncompleteReason[];
}

export interface JobRecord {
  jobId: number;
  runAttempt: number;
  name: string;
  kind: 'build' | 'test' | 'other';
  variant: Variant;
  runnerName: string | null;
  status: string;
  conclusion: string | null;
  startedAt: number | null;
  completedAt: number | null;
  failureKind: FailureKind | null;
  results?: JobResults;
  /** GCOV coverage totals, when the job's results.json has them (the coverage job). */
  coverage?: CoverageTotals;
}

export interface ArtifactRecord {
  artifactId: number;
  name: string;
  state: 'ok' | 'expired' | 'invalid' | 'unknown-schema' | 'unmatched' | 'skipped';
  detail?: string;
}

export interface RunRecord {
  runId: number;
  repo: string;
  workflowId: number | null;
  runNumber: number;
  runAttempt: number;
  event: string;
  headBranch: string | null;
  /** The branch whose history this run belongs to: the PR's base, or the pushed branch. */
  baseRef: string;
  /** True for a run of the base branch itself (push, schedule), not of a pull request. */
  onBase: boolean;
  headSha: string;
  baseSha: string | null;
  prNumber: number | null;
  status: string;
  conclusion: string | null;
  createdAt: number;
  updatedAt: number;
  htmlUrl: string;
  results: ResultsState;
  resultsDetail?: string;
  jobs: JobRecord[];
  artifacts: ArtifactRecord[];
}

export function epochSeconds(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.floor(t / 1000);
}

/** The matrix's job names, possibly behind a caller's prefix ("ci / build for x86_64 with gcc"). */
const BUILD_NAME = /(?:^|\/ )build for (\S+) with (\S+)$/;
const TEST_NAME = /(?:^|\/ )(\S+) on (\S+) with (\S+)$/;

export function parseJobName(name: string): {
  kind: JobRecord['kind'];
  arch: string;
  toolchain: string;
  runner: string;
} {
  const build = BUILD_NAME.exec(name);
  if (build) return { kind: 'build', arch: build[1]!, toolchain: build[2]!, runner: '' };
  const test = TEST_NAME.exec(name);
  if (test) return { kind: 'test', arch: test[2]!, toolchain: test[3]!, runner: test[1]! };
  return { kind: 'other', arch: '', toolchain: '', runner: '' };
}

/** Every test and subtest of a results.json, flattened; the final attempt's verdict. */
export function flattenRun(run: Run): JobResults {
  const reported: TestRef[] = [];
  const skipped: TestRef[] = [];
  const exceptions: TestOutcome[] = [];
  const incomplete = new Set<IncompleteReason>();
  const add = (binary: BinaryResult, test: TestCase, name: string, number: string): void => {
    const ref: TestRef = {
      binary: binary.binary + (binary.variant ? `-${binary.variant}` : ''),
      name,
      number,
    };
    reported.push(ref);
    if (test.status === 'skip') skipped.push(ref);
    if ((test.status === 'pass' && test.flaky !== true) || test.status === 'skip') return;
    const o: TestOutcome = {
      ...ref,
      status: test.status,
      flaky: test.flaky === true,
      attempts: test.attempts.length + 1,
    };
    if (test.durationMs !== undefined) o.durationMs = Math.round(test.durationMs);
    if (test.reason !== undefined) o.reason = test.reason;
    exceptions.push(o);
  };
  for (const binary of run.binaries) {
    for (const r of binary.incompleteReasons) incomplete.add(r);
    for (const test of binary.tests) {
      const number = test.number !== undefined ? String(test.number) : '';
      add(binary, test, test.name, number);
      for (const sub of test.subtests) {
        add(
          binary,
          sub,
          `${test.name}/${sub.name}`,
          sub.number !== undefined ? `${number}/${sub.number}` : '',
        );
      }
    }
  }
  return { reported, skipped, exceptions, incompleteReasons: [...incomplete] };
}

/** Classify a job that did not succeed; null when it did. */
export function classifyFailure(
  job: Pick<GhJob, 'conclusion' | 'steps' | 'runner_name'>,
  kind: JobRecord['kind'],
  results?: JobResults,
): FailureKind | null {
  const c = job.conclusion;
  if (c === null || c === 'success' || c === 'skipped' || c === 'neutral') return null;
  if (c === 'cancelled') return 'cancelled';
  if (c === 'timed_out') return 'timeout';
  if (results) {
    const reasons = results.incompleteReasons;
    if (reasons.includes('kernel-panic')) return 'kernel-panic';
    if (reasons.includes('vm-failure')) return 'vm-died';
    if (reasons.includes('timeout')) return 'timeout';
    if (results.exceptions.some((o) => o.status === 'fail' || o.status === 'error')) return 'test';
  }
  const steps = job.steps ?? [];
  // A runner that vanished leaves no runner name or steps that never concluded.
  if (!job.runner_name || steps.length === 0 || steps.every((s) => s.conclusion === null))
    return 'runner-lost';
  const failed = steps.find((s) => s.conclusion === 'failure');
  if (kind === 'build' && failed) return 'build';
  if (failed && /selftests in QEMU|vmtest/i.test(failed.name)) return 'vm-died';
  if (kind === 'test' && failed && /report/i.test(failed.name)) return 'test';
  return 'other';
}

export function jobVariant(
  job: GhJob,
  results?: { context: Run['context']; accelerator?: string },
): { kind: JobRecord['kind']; variant: Variant } {
  const parsed = parseJobName(job.name);
  const ctx = results?.context;
  return {
    kind: parsed.kind,
    variant: {
      arch: ctx?.arch ?? parsed.arch,
      toolchain: ctx?.toolchain ?? parsed.toolchain,
      runner: parsed.kind === 'test' ? (ctx?.runner ?? parsed.runner) : parsed.runner,
      accelerator: results?.accelerator ?? '',
      labels: [...job.labels].sort().join(','),
    },
  };
}

export interface ParsedResults {
  run: Run;
  results: JobResults;
  accelerator?: string;
}

/** One run's record from its REST shapes and the results we could read, keyed by job id. */
export function toRunRecord(
  repo: string,
  run: GhRun,
  jobs: GhJob[],
  results: Map<number, ParsedResults>,
  resultsState: ResultsState,
  artifacts: ArtifactRecord[],
  resultsDetail?: string,
): RunRecord {
  const pr = run.pull_requests?.[0];
  const onBase = run.event !== 'pull_request' && run.event !== 'pull_request_target' && !pr;
  const record: RunRecord = {
    runId: Number(run.id),
    repo,
    workflowId: run.workflow_id === undefined ? null : Number(run.workflow_id),
    runNumber: run.run_number,
    runAttempt: run.run_attempt ?? 1,
    event: run.event,
    headBranch: run.head_branch ?? null,
    baseRef: pr?.base.ref ?? run.head_branch ?? '',
    onBase,
    headSha: run.head_sha,
    baseSha: pr?.base.sha ?? (onBase ? run.head_sha : null),
    prNumber: pr?.number ?? null,
    status: run.status ?? 'unknown',
    conclusion: run.conclusion ?? null,
    createdAt: epochSeconds(run.created_at) ?? 0,
    updatedAt: epochSeconds(run.updated_at) ?? 0,
    htmlUrl: run.html_url,
    results: resultsState,
    jobs: jobs.map((job) => {
      const parsed = results.get(Number(job.id));
      const { kind, variant } = jobVariant(
        job,
        parsed
          ? {
              context: parsed.run.context,
              ...(parsed.accelerator ? { accelerator: parsed.accelerator } : {}),
            }
          : undefined,
      );
      const rec: JobRecord = {
        jobId: Number(job.id),
        runAttempt: job.run_attempt ?? 1,
        name: job.name,
        kind,
        variant,
        runnerName: job.runner_name ?? null,
        status: job.status,
        conclusion: job.conclusion ?? null,
        startedAt: epochSeconds(job.started_at),
        completedAt: epochSeconds(job.completed_at),
        failureKind: classifyFailure(job, kind, parsed?.results),
      };
      if (parsed) rec.results = parsed.results;
      if (parsed?.run.coverage) rec.coverage = coverageTotals(parsed.run.coverage);
      return rec;
    }),
    artifacts,
  };
  if (resultsDetail !== undefined) record.resultsDetail = resultsDetail;
  return record;
}
