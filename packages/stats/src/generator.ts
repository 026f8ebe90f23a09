// Synthetic BPF CI history with a deterministic seed: runs of a kernel-patches/bpf-like repository
// (base-branch pushes and pull requests), build and test jobs per arch × toolchain × runner,
// re-run attempts, cancelled runs, infrastructure failures, tests that break on the base branch at a
// known run, flaky tests, and results artifacts that are bundled, per job, missing, expired,
// invalid or of a newer schema. Tests check every question against what it generated; the
// benchmark generates a year of it.
import type { IncompleteReason } from '@bpf-ci/model';
import type { FailureKind, JobRecord, RunRecord } from './records.ts';
import type { JobResults, TestOutcome, TestRef } from './records.ts';

export interface GeneratorOptions {
  seed: number;
  runs: number;
  /** Epoch seconds of the first run. */
  start: number;
  /** Seconds between runs on average. */
  interval: number;
  arches?: string[];
  toolchains?: string[];
  runners?: string[];
  /** Top-level tests per runner; every third has 3 subtests. */
  testsPerRunner?: number;
  /** Tests that break on the base branch. */
  broken?: number;
  /** Tests that fail at random (then usually pass on a retry). */
  flaky?: number;
  /** Epoch seconds "now": artifacts of runs older than 14 days before it are expired. */
  now?: number;
}

export type ArtifactMode = 'bundle' | 'per-job' | 'missing' | 'expired' | 'invalid' | 'unknown-schema';

export interface GenStep {
  name: string;
  status: 'completed';
  conclusion: 'success' | 'failure' | 'skipped' | 'cancelled' | null;
  number: number;
}

export interface GenJob {
  id: number;
  runId: number;
  attempt: number;
  name: string;
  kind: 'build' | 'test';
  arch: string;
  toolchain: string;
  runner: string;
  labels: string[];
  runnerName: string | null;
  conclusion: 'success' | 'failure' | 'cancelled' | 'timed_out';
  startedAt: number;
  completedAt: number;
  steps: GenStep[];
  /** What the collector should classify it as. */
  failureKind: FailureKind | null;
  /** The results.json it wrote (test jobs that got far enough). */
  results?: JobResults;
}

export interface GenRun {
  id: number;
  runNumber: number;
  attempts: number;
  event: 'push' | 'pull_request';
  headBranch: string;
  baseRef: string;
  onBase: boolean;
  headSha: string;
  baseSha: string;
  pr: number | null;
  conclusion: 'success' | 'failure' | 'cancelled';
  createdAt: number;
  updatedAt: number;
  jobs: GenJob[];
  artifacts: ArtifactMode;
}

export interface BreakingChange {
  test: TestRef;
  runner: string;
  arch: string;
  /** The first base-branch run index with the bug; PRs based on it fail too. */
  fromRun: number;
  /** Fixed at this run index (exclusive); Infinity when still broken. */
  toRun: number;
}

export interface History {
  runs: GenRun[];
  breaking: BreakingChange[];
  flakyTests: { test: TestRef; runner: string; probability: number }[];
  catalogue: Map<string, TestRef[]>;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rand: () => number): string =>
  Array.from({ length: 40 }, () => Math.floor(rand() * 16).toString(16)).join('');

export const BUILD_SECONDS: Record<string, number> = { x86_64: 900, aarch64: 1500, s390x: 1300 };
export const TEST_SECONDS: Record<string, number> = {
  test_progs: 1200,
  test_progs_no_alu32: 1100,
  test_maps: 300,
  test_verifier: 120,
};

/** What a generated history is made of: the tests per runner and the bugs planted in them. */
interface Plan {
  arches: string[];
  toolchains: string[];
  runners: string[];
  catalogue: Map<string, TestRef[]>;
  skipLists: Map<string, TestRef[]>;
  breaking: BreakingChange[];
  flakyTests: History['flakyTests'];
}

/** The generator's moving parts, advanced run by run. */
interface GenState {
  rand: () => number;
  nextJobId: number;
  /** The head of the base branch: PRs are based on it. */
  baseSha: string;
  /** The index of the last base-branch run. */
  lastBaseRun: number;
}

/** What a job needs to know of its run. */
interface RunSetting {
  runId: number;
  /** The index of the base-branch run whose code this run tests (PRs carry their base's bugs). */
  codeRun: number;
  cancelled: boolean;
}

/** Generate the history run by run (a year of it never has to be in memory at once). */
export function* generate(options: GeneratorOptions, out?: Omit<History, 'runs'>): Generator<GenRun> {
  const rand = prng(options.seed);
  const plan = makePlan(options, rand);
  if (out)
    Object.assign(out, { breaking: plan.breaking, flakyTests: plan.flakyTests, catalogue: plan.catalogue });
  const now = options.now ?? options.start + options.runs * options.interval;
  const state: GenState = { rand, nextJobId: 1_000_000, baseSha: hex(rand), lastBaseRun: -1 };
  for (let i = 0; i < options.runs; i++) yield generateRun(options, plan, state, i, now);
}

/** The variants, every runner's tests (every third with 3 subtests) and skip list, and the bugs. */
function makePlan(options: GeneratorOptions, rand: () => number): Plan {
  const arches = options.arches ?? ['x86_64', 'aarch64', 's390x'];
  const toolchains = options.toolchains ?? ['gcc', 'llvm-18'];
  const runners = options.runners ?? ['test_progs', 'test_progs_no_alu32', 'test_maps', 'test_verifier'];
  const perRunner = options.testsPerRunner ?? 12;
  const catalogue = new Map<string, TestRef[]>();
  const skipLists = new Map<string, TestRef[]>();
  for (const runner of runners) {
    const list = runnerTests(runner, perRunner);
    catalogue.set(runner, list);
    skipLists.set(
      runner,
      list.filter((_, i) => i % 11 === 5),
    );
  }
  const pickTest = (runner: string): TestRef => {
    const list = catalogue.get(runner)!.filter((t) => !skipLists.get(runner)!.includes(t));
    return list[Math.floor(rand() * list.length)]!;
  };
  const breaking: BreakingChange[] = [];
  for (let i = 0; i < (options.broken ?? 2); i++) {
    const runner = runners[i % runners.length]!;
    const fromRun = Math.floor(options.runs * (0.3 + 0.4 * rand()));
    breaking.push({
      test: pickTest(runner),
      runner,
      arch: arches[i % arches.length]!,
      fromRun,
      toRun: i % 2 === 0 ? Infinity : Math.min(options.runs, fromRun + Math.floor(options.runs * 0.15)),
    });
  }
  const flakyTests: History['flakyTests'] = [];
  for (let i = 0; i < (options.flaky ?? 3); i++) {
    const runner = runners[(i + 1) % runners.length]!;
    flakyTests.push({ test: pickTest(runner), runner, probability: 0.15 + 0.1 * (i % 3) });
  }
  return { arches, toolchains, runners, catalogue, skipLists, breaking, flakyTests };
}

/** A runner's tests: `<runner>_case_<t>`, every third with 3 subtests. */
function runnerTests(runner: string, perRunner: number): TestRef[] {
  const list: TestRef[] = [];
  for (let t = 1; t <= perRunner; t++) {
    const name = `${runner.replace(/_no_alu32$/, '')}_case_${t}`;
    list.push({ binary: runner, name, number: String(t) });
    if (t % 3 === 0)
      for (let s = 1; s <= 3; s++)
        list.push({ binary: runner, name: `${name}/sub_${s}`, number: `${t}/${s}` });
  }
  return list;
}

/** How run `i` left its results: a fixed mix by index; every run older than 14 days has expired. */
function artifactMode(i: number, old: boolean): ArtifactMode {
  if (old) return 'expired';
  return i % 29 === 7
    ? 'missing'
    : i % 31 === 9
      ? 'per-job'
      : i % 37 === 13
        ? 'invalid'
        : i % 41 === 17
          ? 'unknown-schema'
          : 'bundle';
}

/** Run `i`: a base-branch push every fifth run, else a PR; a build and its tests per variant. */
function generateRun(options: GeneratorOptions, plan: Plan, state: GenState, i: number, now: number): GenRun {
  const { rand } = state;
  const createdAt = options.start + i * options.interval + Math.floor(rand() * (options.interval / 2));
  const onBase = i % 5 === 0;
  const headSha = hex(rand);
  if (onBase) {
    state.baseSha = headSha;
    state.lastBaseRun = i;
  }
  const baseRef = i % 17 === 3 ? 'bpf' : 'bpf-next';
  const setting: RunSetting = {
    runId: 5_000_000 + i * 7,
    codeRun: onBase ? i : state.lastBaseRun,
    cancelled: i % 23 === 11,
  };
  const artifacts = artifactMode(i, now - createdAt > 14 * 86400);
  const { jobs, attempts } = runJobs(plan, state, setting, createdAt);
  return {
    id: setting.runId,
    runNumber: i + 1,
    attempts,
    event: onBase ? 'push' : 'pull_request',
    headBranch: onBase ? baseRef : `series/${1000 + i}`,
    baseRef,
    onBase,
    headSha,
    baseSha: state.baseSha,
    pr: onBase ? null : 1000 + i,
    conclusion: runConclusion(jobs, setting.cancelled),
    createdAt,
    updatedAt: Math.max(...jobs.map((j) => j.completedAt)) + 5,
    jobs,
    artifacts,
  };
}

/**
 * A run's jobs: per arch × toolchain a build and its tests; a failed run is sometimes re-run
 * (failed jobs only) as attempt 2.
 */
function runJobs(
  plan: Plan,
  state: GenState,
  setting: RunSetting,
  createdAt: number,
): { jobs: GenJob[]; attempts: number } {
  const jobs: GenJob[] = [];
  const t0 = createdAt + 10;
  for (const arch of plan.arches)
    for (const toolchain of plan.toolchains) {
      jobs.push(makeJob(plan, state, setting, 1, arch, toolchain, '', t0));
      for (const runner of plan.runners)
        jobs.push(makeJob(plan, state, setting, 1, arch, toolchain, runner, t0 + 1000));
    }
  const failedFirst = jobs.filter((j) => j.conclusion !== 'success');
  if (setting.cancelled || failedFirst.length === 0 || !(state.rand() < 0.4)) return { jobs, attempts: 1 };
  for (const j of failedFirst)
    jobs.push(makeJob(plan, state, setting, 2, j.arch, j.toolchain, j.runner, createdAt + 4000));
  return { jobs, attempts: 2 };
}

/** Cancelled, or failure when the latest attempt of any job did not succeed. */
function runConclusion(jobs: GenJob[], cancelled: boolean): GenRun['conclusion'] {
  if (cancelled) return 'cancelled';
  const latest = new Map<string, GenJob>();
  for (const j of jobs) latest.set(j.name, j);
  return [...latest.values()].some((j) => j.conclusion !== 'success') ? 'failure' : 'success';
}

/** A build job (runner '') or a test job, with its fate rolled: success, infrastructure or test failure. */
function makeJob(
  plan: Plan,
  state: GenState,
  setting: RunSetting,
  attempt: number,
  arch: string,
  toolchain: string,
  runner: string,
  t0: number,
): GenJob {
  const { rand } = state;
  const kind = runner === '' ? 'build' : 'test';
  const name =
    kind === 'build' ? `build for ${arch} with ${toolchain}` : `${runner} on ${arch} with ${toolchain}`;
  const base = kind === 'build' ? (BUILD_SECONDS[arch] ?? 1000) : (TEST_SECONDS[runner] ?? 600);
  const duration = Math.floor(base * (0.8 + 0.5 * rand()));
  const job: GenJob = {
    id: state.nextJobId++,
    runId: setting.runId,
    attempt,
    name,
    kind,
    arch,
    toolchain,
    runner,
    labels: arch === 'x86_64' ? ['ubuntu-24.04'] : ['self-hosted', arch],
    runnerName: `runner-${Math.floor(rand() * 50)}`,
    conclusion: 'success',
    startedAt: t0,
    completedAt: t0 + duration,
    steps: [],
    failureKind: null,
  };
  const failedStep = rollFate(job, plan, setting, rand, duration);
  job.steps = jobSteps(job, failedStep);
  return job;
}

/**
 * Decide how `job` ends (its conclusion, failure kind, results) and return the index of its
 * failed step, -1 when none failed.
 */
function rollFate(
  job: GenJob,
  plan: Plan,
  setting: RunSetting,
  rand: () => number,
  duration: number,
): number {
  const roll = rand();
  if (setting.cancelled) {
    job.conclusion = 'cancelled';
    job.failureKind = 'cancelled';
    job.completedAt = job.startedAt + Math.floor(duration / 3);
  } else if (roll < 0.01) {
    job.conclusion = 'failure';
    job.failureKind = 'runner-lost';
    job.runnerName = null;
  } else if (roll < 0.02) {
    job.conclusion = 'timed_out';
    job.failureKind = 'timeout';
  } else if (job.kind === 'build' && roll < 0.03) {
    job.conclusion = 'failure';
    job.failureKind = 'build';
    return 1;
  } else if (job.kind === 'test') {
    const vmDied = roll < 0.035;
    job.results = testResults(plan, job, setting.codeRun, vmDied, rand);
    if (vmDied) {
      job.conclusion = 'failure';
      job.failureKind = 'vm-died';
      return 1;
    }
    if (job.results.exceptions.some((e) => e.status !== 'pass')) {
      job.conclusion = 'failure';
      job.failureKind = 'test';
      return 2;
    }
  }
  return -1;
}

/**
 * A test job's results.json: the runner's tests, its skip list, and as exceptions the planted
 * bugs its code has and the flaky tests that failed this time (half of them passed on a retry);
 * a failing subtest fails its parent too.
 */
function testResults(
  plan: Plan,
  job: GenJob,
  codeRun: number,
  vmDied: boolean,
  rand: () => number,
): JobResults {
  const { runner, arch } = job;
  const exceptions: TestOutcome[] = [];
  const fail = (test: TestRef, flakyPass: boolean): void => {
    const o: TestOutcome = {
      ...test,
      status: flakyPass ? 'pass' : 'fail',
      flaky: flakyPass,
      attempts: flakyPass ? 2 : 1,
    };
    exceptions.push(o);
    const slash = test.name.indexOf('/');
    if (slash > 0 && !exceptions.some((e) => e.name === test.name.slice(0, slash))) {
      const parent = plan.catalogue.get(runner)!.find((t) => t.name === test.name.slice(0, slash))!;
      exceptions.push({ ...parent, status: o.status, flaky: flakyPass, attempts: o.attempts });
    }
  };
  for (const b of plan.breaking) {
    if (b.runner === runner && b.arch === arch && codeRun >= b.fromRun && codeRun < b.toRun)
      fail(b.test, false);
  }
  for (const f of plan.flakyTests) {
    if (f.runner !== runner || exceptions.some((e) => e.name === f.test.name)) continue;
    if (rand() < f.probability) fail(f.test, rand() < 0.5);
  }
  const reasons: IncompleteReason[] = vmDied ? ['vm-failure'] : [];
  return {
    reported: plan.catalogue.get(runner)!,
    skipped: plan.skipLists.get(runner)!,
    exceptions,
    incompleteReasons: reasons,
  };
}

/** A job's steps as GitHub lists them: none for a lost runner; after a failed step, skipped. */
function jobSteps(job: GenJob, failedStep: number): GenStep[] {
  if (job.failureKind === 'runner-lost') return [];
  const stepNames =
    job.kind === 'build'
      ? ['Set up job', 'Build the kernel and the selftests', 'Upload the build']
      : ['Set up job', 'Run the selftests in QEMU', 'Report the results', 'Upload the logs and results'];
  return stepNames.map((s, n) => ({
    name: s,
    status: 'completed' as const,
    conclusion:
      job.conclusion === 'cancelled'
        ? n === 0
          ? 'success'
          : 'cancelled'
        : failedStep === -1 || n < failedStep
          ? 'success'
          : n === failedStep
            ? 'failure'
            : 'skipped',
    number: n + 1,
  }));
}

export function generateHistory(options: GeneratorOptions): History {
  const meta = {} as Omit<History, 'runs'>;
  const runs = [...generate(options, meta)];
  return { ...meta, runs };
}

/**
 * What the collector stores for a generated run, without the HTTP round trip (the benchmark fills
 * a one-year store this way; the tests go through the local GitHub server instead).
 */
export function recordOf(run: GenRun, repo = 'kernel-patches/bpf'): RunRecord {
  const withResults = run.artifacts === 'bundle' || run.artifacts === 'per-job';
  const hasTests = run.jobs.some((j) => j.results);
  return {
    runId: run.id,
    repo,
    workflowId: 42,
    runNumber: run.runNumber,
    runAttempt: run.attempts,
    event: run.event,
    headBranch: run.headBranch,
    baseRef: run.baseRef,
    onBase: run.onBase,
    headSha: run.headSha,
    baseSha: run.baseSha,
    prNumber: run.pr,
    status: 'completed',
    conclusion: run.conclusion,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    htmlUrl: `https://github.com/${repo}/actions/runs/${run.id}`,
    results:
      hasTests || run.artifacts === 'invalid' || run.artifacts === 'unknown-schema'
        ? run.artifacts
        : 'missing',
    jobs: run.jobs.map((j) => {
      const job: JobRecord = {
        jobId: j.id,
        runAttempt: j.attempt,
        name: j.name,
        kind: j.kind,
        variant: {
          arch: j.arch,
          toolchain: j.toolchain,
          runner: j.runner,
          accelerator: withResults && j.results ? (j.arch === 'x86_64' ? 'kvm' : 'tcg') : '',
          labels: [...j.labels].sort().join(','),
        },
        runnerName: j.runnerName,
        status: 'completed',
        conclusion: j.conclusion,
        startedAt: j.startedAt,
        completedAt: j.completedAt,
        failureKind: j.failureKind,
      };
      if (withResults && j.results) job.results = j.results;
      return job;
    }),
    artifacts: [],
  };
}
