// Config + where the workflow runs → the build matrix and the test matrix for `strategy.matrix`.
// Pure: no I/O, same answer for the same input.
import {
  CPUV4_MIN_LLVM,
  CPUV4_RUNNER,
  PARALLEL_SUFFIX,
  UserError,
  parsePinnedToolchain,
  type Arch,
  type ToolchainFamily,
} from '@bpf-ci/domain';
import type { Config } from './schema.ts';
import { matches } from './schema.ts';
import { DEFAULTS } from './defaults.ts';
import { KERNEL_IMAGE } from './toolchain.ts';
import { appendCoverageLegs } from './coverage.ts';
import { flakyEntry, type FlakyEntry } from './flaky-config.ts';
import { veristatEntry, type VeristatEntry } from './veristat-matrix.ts';

/** Where the matrix is for: the repository the workflow runs in and the event that started it. */
export interface MatrixContext {
  /** owner/name (github.repository). Undefined or empty: the first main repository. */
  repository?: string | undefined;
  /** github.event_name. Undefined or empty: a pull request. */
  event?: string | undefined;
  /**
   * The pull request's head repository (github.event.pull_request.head.repo.full_name). For a
   * pull request from a fork it differs from `repository`, which is then the BASE repository.
   */
  headRepository?: string | undefined;
}

const PULL_REQUEST_EVENTS = ['pull_request', 'pull_request_target'];

/** A pull request opened from another repository than the one the workflow runs in. */
export function isForkPullRequest(context: MatrixContext, repository: string): boolean {
  const event = context.event || 'pull_request';
  return (
    PULL_REQUEST_EVENTS.includes(event) &&
    !!context.headRepository &&
    context.headRepository.toLowerCase() !== repository.toLowerCase()
  );
}

/** One kernel build: a job of the build matrix. */
export interface BuildEntry {
  /** The job name: `build for <arch> with <toolchain>`. */
  name: string;
  arch: Arch;
  /** As in the config: gcc-15, llvm-22. */
  toolchain: string;
  'toolchain-family': ToolchainFamily;
  'toolchain-version': number;
  /** Major version of the LLVM that compiles the BPF selftests. */
  'selftests-llvm': number;
  'runs-on': string[];
  'timeout-minutes': number;
  /** Run veristat on this build's BPF objects. */
  veristat: boolean;
  /** Newline-separated selftests make targets: the binaries the tests of this build run. */
  'selftests-targets': string;
  /** Newline-separated kernel config fragments. */
  'config-fragments': string;
  /** Name of the artifact holding the kernel and selftests. */
  artifact: string;
  /** Newline-separated directories built with GCOV (the coverage leg only). */
  coverage?: string;
}

/** One test job: a runner on a build, with the config's retry, quarantine and DENYLIST-pass keys. */
export interface TestEntry extends FlakyEntry {
  /** The job name: `<test> on <arch> with <toolchain>`. */
  name: string;
  /** test_progs, test_progs-parallel, or a custom runner's name. */
  test: string;
  /** The runner without the variant: test_progs for test_progs-parallel. */
  runner: string;
  parallel: boolean;
  /** The runner as vmtest-runner's `runners` input takes it (one line). */
  runners: string;
  arch: Arch;
  toolchain: string;
  'runs-on': string[];
  /** The time vmtest-runner gives the tests. */
  'timeout-minutes': number;
  /** The job's limit: the tests' time plus set-up (download, boot) and reporting. */
  'job-timeout-minutes': number;
  'continue-on-error': boolean;
  /** The build artifact to download. */
  artifact: string;
  /** File name of the boot image in the build artifact (bzImage, Image). */
  'kernel-image': string;
  /** Name of the artifact this job uploads its results to. */
  'results-artifact': string;
  deployment: 'prod' | 'rc';
  /** Newline-separated allowlist and denylist files (relative to the repository checkout). */
  allowlists: string;
  denylists: string;
  /** Newline-separated GCOV-profiled directories whose counters the job captures (coverage leg). */
  coverage?: string;
  /** Capture per runner (reset between runners) rather than once after all of them. */
  'coverage-per-runner'?: boolean;
  /** The config's coverage patch-threshold (percent): below it, the run's report fails. Absent: never. */
  'coverage-patch-threshold'?: number;
}

export interface Matrix {
  build: { include: BuildEntry[] };
  test: { include: TestEntry[] };
  /** The veristat jobs; they also run where tests do not (build-only events store baselines). */
  veristat: { include: VeristatEntry[] };
  /** Why builds or tests that the config lists are not in the matrix (for the log). */
  notes: string[];
  fork: boolean;
  deployment: 'prod' | 'rc';
}

/** Minutes a test job needs on top of the tests: download the build, boot, parse, upload. */
export const JOB_OVERHEAD_MINUTES = 20;

export function generateMatrix(config: Config, context: MatrixContext = {}): Matrix {
  const notes: string[] = [];
  const where = whereItRuns(config, context);
  const event = context.event || 'pull_request';
  const flaky = flakyEntry(config.flaky, event);
  const buildEntries: BuildEntry[] = [];
  const testEntries: TestEntry[] = [];
  const veristatEntries: VeristatEntry[] = [];
  for (const { arch, toolchain } of allowedBuilds(config, context, where, notes)) {
    const build = buildEntry(config, where, arch, toolchain, notes);
    buildEntries.push(build.entry);
    testEntries.push(...testEntriesFor(config, where, build, flaky));
    if (build.entry.veristat)
      veristatEntries.push(
        veristatEntry({ arch, toolchain, artifact: build.entry.artifact }, config.veristat, {
          runsOn: testRunsOn(config, where, arch),
          kernelImage: KERNEL_IMAGE[arch],
          overheadMinutes: JOB_OVERHEAD_MINUTES,
        }),
      );
  }
  appendCoverageLegs(config, buildEntries, testEntries);
  const tests = testsForEvent(config, event, testEntries, notes);
  return {
    build: { include: buildEntries },
    test: { include: tests },
    veristat: { include: veristatEntries },
    notes,
    fork: where.fork,
    deployment: where.deployment,
  };
}

/** The repository the matrix is for, whether it is a fork (or a fork's pull request), and its deployment. */
interface Where {
  repository: string;
  forkPullRequest: boolean;
  fork: boolean;
  deployment: 'prod' | 'rc';
}

function whereItRuns(config: Config, context: MatrixContext): Where {
  const repository = context.repository || (config.forks['main-repositories'][0] ?? '');
  const forkPullRequest = isForkPullRequest(context, repository);
  const fork = forkPullRequest || !config.forks['main-repositories'].includes(repository);
  const deployment = config.deployment['prod-repositories'].includes(repository) ? 'prod' : 'rc';
  return { repository, forkPullRequest, fork, deployment };
}

/** The config's builds, cut to the fork arches when forks have no self-hosted runners (said in `notes`). */
function allowedBuilds(
  config: Config,
  context: MatrixContext,
  where: Where,
  notes: string[],
): { arch: Arch; toolchain: string }[] {
  const builds = buildList(config);
  const { repository, forkPullRequest, fork } = where;
  if (forkPullRequest)
    notes.push(
      `a pull request from ${context.headRepository ?? ''}, a fork of ${repository}: only ` +
        `${config.forks.arches.join(', ')} on ${config.forks['runs-on'].join(', ')} (GitHub-hosted runners only)`,
    );
  if (!fork) return builds;
  const kept = builds.filter((b) => config.forks.arches.includes(b.arch));
  if (kept.length < builds.length && !forkPullRequest)
    notes.push(
      `${repository} is not one of ${config.forks['main-repositories'].join(', ')}: only ` +
        `${config.forks.arches.join(', ')} on ${config.forks['runs-on'].join(', ')} (forks have no self-hosted runners)`,
    );
  return kept;
}

/** One build job, and what its test jobs need from it. */
interface Build {
  entry: BuildEntry;
  arch: Arch;
  toolchain: string;
  /** The runners this build's selftests are tested with (cpuv4 dropped when its LLVM is too old). */
  runners: string[];
}

function buildEntry(config: Config, where: Where, arch: Arch, toolchain: string, notes: string[]): Build {
  const tc = parsePinnedToolchain(toolchain)!;
  const selftestsLlvm =
    tc.family === 'llvm' ? tc.version : parsePinnedToolchain(config['selftests-llvm'])!.version;
  const runners = testsOf(config, arch, toolchain).filter((runner) => {
    if (runner !== CPUV4_RUNNER || selftestsLlvm >= CPUV4_MIN_LLVM) return true;
    notes.push(
      `${CPUV4_RUNNER} skipped on ${arch} with ${toolchain}: needs LLVM >= ${CPUV4_MIN_LLVM}, has ${selftestsLlvm}`,
    );
    return false;
  });
  const veristat = config.veristat.on.some((s) => matches(s, arch, toolchain));
  const bpfTargets = runners.filter((r) => !(r in config.commands));
  const entry: BuildEntry = {
    name: `build for ${arch} with ${toolchain}`,
    arch,
    toolchain,
    'toolchain-family': tc.family,
    'toolchain-version': tc.version,
    'selftests-llvm': selftestsLlvm,
    'runs-on': where.fork
      ? config.forks['runs-on']
      : (config['build-runs-on'][arch] ?? [...DEFAULTS.buildRunsOn[arch]]),
    'timeout-minutes': config['timeout-minutes'].build,
    veristat,
    'selftests-targets': [...bpfTargets, ...(veristat ? ['veristat'] : [])].join('\n'),
    'config-fragments': config['config-fragments'].join('\n'),
    artifact: `kernel-${arch}-${toolchain}`,
  };
  return { entry, arch, toolchain, runners };
}

/** Where a build's test (and veristat) jobs run: the fork runners, or the arch's test runners. */
function testRunsOn(config: Config, where: Where, arch: Arch): string[] {
  return where.fork ? config.forks['runs-on'] : (config['runs-on'][arch] ?? [...DEFAULTS.runsOn[arch]]);
}

/** A build's test jobs: one per runner, plus the parallel variant where the config turns it on. */
function testEntriesFor(config: Config, where: Where, build: Build, flaky: FlakyEntry): TestEntry[] {
  const { arch, toolchain } = build;
  const label = `${arch}-${toolchain}`;
  const parallelHere = config.parallel.on.some((s) => matches(s, arch, toolchain));
  const lists = (key: 'allowlists' | 'denylists') =>
    config.deployment[key]
      .map((p) =>
        p
          .replaceAll('{arch}', arch)
          .replaceAll('{toolchain}', toolchain)
          .replaceAll('{deployment}', where.deployment),
      )
      .join('\n');
  const entry = (runner: string, parallel: boolean): TestEntry => {
    const test = parallel ? `${runner}${PARALLEL_SUFFIX}` : runner;
    const minutes = parallel
      ? config.parallel['timeout-minutes']
      : (config['timeout-minutes'].tests[runner] ?? config['timeout-minutes'].test);
    const command = config.commands[runner];
    return {
      name: `${test} on ${arch} with ${toolchain}`,
      test,
      runner,
      parallel,
      runners: command !== undefined ? `${runner}: ${command}` : parallel ? `${runner} -j` : runner,
      arch,
      toolchain,
      'runs-on': testRunsOn(config, where, arch),
      'timeout-minutes': minutes,
      'job-timeout-minutes': minutes + JOB_OVERHEAD_MINUTES,
      'continue-on-error': parallel && config.parallel['continue-on-error'],
      artifact: build.entry.artifact,
      'kernel-image': KERNEL_IMAGE[arch],
      'results-artifact': `results-${test}-${label}`,
      deployment: where.deployment,
      allowlists: lists('allowlists'),
      denylists: lists('denylists'),
      ...flaky,
    };
  };
  const out: TestEntry[] = [];
  for (const runner of build.runners) {
    out.push(entry(runner, false));
    if (parallelHere && (config.parallel.runners as readonly string[]).includes(runner))
      out.push(entry(runner, true));
  }
  return out;
}

/**
 * The test jobs `event` runs: none for a build-only event, and never none for a pull request (a
 * skipped test job counts as passed).
 */
function testsForEvent(
  config: Config,
  event: string,
  testEntries: TestEntry[],
  notes: string[],
): TestEntry[] {
  if (config['build-only-events'].includes(event) && testEntries.length > 0) {
    if (PULL_REQUEST_EVENTS.includes(event))
      throw new EmptyPullRequestTests(
        `build-only-events lists '${event}': a pull request would build and run no test, and a ` +
          'skipped test job counts as passed. Remove it from build-only-events.',
      );
    notes.push(`'${event}' only builds (build-only-events): no test jobs`);
    return [];
  }
  if (PULL_REQUEST_EVENTS.includes(event) && testEntries.length === 0)
    throw new EmptyPullRequestTests(
      'the config gives this pull request no test job (every test excluded or none listed for the ' +
        'arches it builds), and a skipped test job counts as passed. List tests for at least one built arch.',
    );
  return testEntries;
}

/** A pull request must run tests: an empty test matrix would turn into a green check. */
export class EmptyPullRequestTests extends UserError {
  constructor(message: string) {
    super(`no test jobs for a pull request: ${message}`);
    this.name = 'EmptyPullRequestTests';
  }
}

/** arches × toolchains, minus the excluded builds, plus the included ones: in config order. */
function buildList(config: Config): { arch: Arch; toolchain: string }[] {
  const builds: { arch: Arch; toolchain: string }[] = [];
  for (const arch of config.arches)
    for (const toolchain of config.toolchains) {
      const excluded = config.exclude.some((s) => s.test === undefined && matches(s, arch, toolchain));
      if (!excluded) builds.push({ arch, toolchain });
    }
  for (const b of config.include)
    if (!builds.some((x) => x.arch === b.arch && x.toolchain === b.toolchain)) builds.push(b);
  return builds;
}

/** The runners a build runs: the arch's list (or the default list) minus test excludes. */
function testsOf(config: Config, arch: Arch, toolchain: string): string[] {
  const list = config.tests[arch] ?? config.tests.default;
  return list.filter((test) => !config.exclude.some((s) => s.test === test && matches(s, arch, toolchain)));
}
