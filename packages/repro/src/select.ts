// Which tests a repro reruns, and the plan that reruns them: the job's own runners, argv flags and
// timeouts, narrowed to the job's failures (the default), one test (-t) or left whole (--all), and
// repeated in the same boot for --attempts. Pure.
import { failedKeys } from '@bpf-ci/flaky';
import type { BinaryResult, Run, TestStatus } from '@bpf-ci/model';
import { isTestProgs } from '@bpf-ci/domain';
import { toNamesArgument, type RunPlan, type RunnerPlan } from '@bpf-ci/vm';
import { ReproError } from './github.ts';

export type Selection = { kind: 'failed' } | { kind: 'all' } | { kind: 'test'; name: string };

/** One runner rerun: its name in the job, the tests it reruns (empty: all it ran), its plan names. */
export interface Rerun {
  runner: string;
  keys: string[];
  /** The runner names in the repro plan, one per attempt. */
  planNames: string[];
}

export interface ReproPlan {
  plan: RunPlan;
  reruns: Rerun[];
}

/** The job's result of a runner: matched by its plan name (variant when it is not the binary). */
export function resultOf(run: Run, runner: string): BinaryResult | undefined {
  return run.binaries.find((b) => (b.variant ?? b.binary) === runner);
}

/** test_progs' -a/-d arguments replaced by a new allowlist; every other flag kept as the job had it. */
function withAllow(argv: readonly string[], allow: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-a' || arg === '-d') {
      i++;
      continue;
    }
    out.push(arg);
  }
  const [binary = '', ...rest] = out;
  return [binary, '-a', toNamesArgument(allow).names, ...rest];
}

function attemptName(name: string, attempt: number, attempts: number): string {
  return attempts === 1 ? name : `${name}.run-${attempt}`;
}

/** Each attempt's copy of a runner: its own name and its own JSON summary path in the guest. */
function copies(runner: RunnerPlan, attempts: number): RunnerPlan[] {
  return Array.from({ length: attempts }, (_, i) => {
    const name = attemptName(runner.name, i + 1, attempts);
    if (name === runner.name) return runner;
    const json = runner.jsonSummaryPath;
    const rename = (argv: string[]): string[] =>
      argv.map((a) => (json && a === json ? `/tmp/.bpf-ci/${name}.json` : a));
    return {
      ...runner,
      name,
      argv: rename(runner.argv),
      ...(json ? { jsonSummaryPath: `/tmp/.bpf-ci/${name}.json` } : {}),
    };
  });
}

export function buildReproPlan(
  jobPlan: RunPlan,
  jobRun: Run,
  selection: Selection,
  attempts: number,
  selftestsDir: string,
): ReproPlan {
  const runners: RunnerPlan[] = [];
  const reruns: Rerun[] = [];
  const add = (runner: RunnerPlan, keys: string[]): void => {
    const cs = copies(runner, attempts);
    runners.push(...cs);
    reruns.push({ runner: runner.name, keys, planNames: cs.map((c) => c.name) });
  };
  const bpfRunners = jobPlan.runners.filter((r) => r.guestShell === undefined && r.kind !== 'command');
  if (selection.kind === 'all') {
    for (const r of jobPlan.runners) add(r, []);
  } else if (selection.kind === 'test') {
    const top = selection.name.split('/')[0]!;
    const ran = bpfRunners.filter(
      (r) => isTestProgs(r.kind) && resultOf(jobRun, r.name)?.tests.some((t) => t.name === top),
    );
    const targets = ran.length > 0 ? ran : bpfRunners.filter((r) => isTestProgs(r.kind));
    if (targets.length === 0)
      throw new ReproError(`-t ${selection.name}: the job ran no test_progs runner to select a test in`);
    for (const r of targets) add(narrowed(r, [selection.name], '-t'), [selection.name]);
  } else {
    for (const r of bpfRunners) {
      const result = resultOf(jobRun, r.name);
      if (!result) continue;
      const failed = failedKeys(result);
      if (failed.length === 0) continue;
      // Only test_progs selects single tests; the others rerun whole, as the job ran them.
      if (isTestProgs(r.kind)) add(narrowed(r, failed, "the job's failures"), failed);
      else add(r, failed);
    }
    if (runners.length === 0)
      throw new ReproError(
        'the job has no failed test to rerun (its failure was not a test: see its console.log); use --all to rerun everything it ran, or --shell',
      );
  }
  return {
    plan: { schemaVersion: 1, cwd: selftestsDir, runners },
    reruns,
  };
}

/** A test_progs runner selecting only `allow`: the job's lists give way to it (and say so in the accounting). */
function narrowed(r: RunnerPlan, allow: readonly string[], source: string): RunnerPlan {
  const { listArgv } = r;
  return {
    ...r,
    argv: withAllow(r.argv, allow),
    ...(listArgv ? { listArgv: [listArgv[0]!, '-a', toNamesArgument(allow).names, '-l'] } : {}),
    selection: allow.map((entry) => ({ list: 'allow' as const, entry, source })),
  };
}

/** The verdict of a test key in one result; a key the runner never reported is `miss`. */
export function verdictOf(result: BinaryResult | undefined, key: string): TestStatus {
  if (!result) return 'miss';
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(0, slash);
  const test = result.tests.find((t) => t.name === name);
  if (!test) return 'miss';
  if (slash < 0) return test.status;
  return test.subtests.find((s) => s.name === key.slice(slash + 1))?.status ?? 'miss';
}
