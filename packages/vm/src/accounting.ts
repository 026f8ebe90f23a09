// Every test a runner was to run gets a verdict. The guest records the selection before the runner
// starts (`test_progs -l` with the same filters); afterwards a selected test that never reported is
// `miss`, with why (the VM died, the runner timed out, a worker died). test_progs' exit codes 2 (no
// test ran) and 3 (set-up error) are infrastructure errors. Allow/deny entries that selected
// nothing are named with their list file. The tool's own counts are never changed.
import { newTestCase, type BinaryResult, type UnmatchedEntry } from '@bpf-ci/model';
import { signalName } from '@bpf-ci/parsers';
import { globMatch } from './lists.ts';
import type { RunnerPlan } from './plan.ts';

/** test_progs' exit codes (tools/testing/selftests/bpf/test_progs.c). */
export const TEST_PROGS_EXIT = { noTest: 2, setupError: 3 } as const;

/** Why the runner stopped before every selected test reported, as known to the host. */
export type Interruption =
  | { kind: 'vm'; detail: string; runningTest?: string }
  | { kind: 'timeout'; timeoutSec: number }
  | { kind: 'crash'; detail: string }
  | { kind: 'setup'; detail: string };

/** Whether the runner ran test_progs with workers (-j): then a worker's death loses its test. */
function isParallel(result: BinaryResult): boolean {
  return result.variant?.endsWith('parallel') === true || result.command?.includes(' -j') === true;
}

/**
 * The signal that ended the runner's own process, from its exit status: a shell reports a command
 * killed by signal N as 128 + N (POSIX "Exit Status for Commands").
 */
export function exitSignal(exitCode: number): number | undefined {
  return exitCode > 128 && exitCode <= 128 + 64 ? exitCode - 128 : undefined;
}

/**
 * Why a runner that ended stopped early, when its own (main) process died: an exit status above 128
 * (killed by a signal: the OOM killer's SIGKILL, an abort, test_progs' own crash handler re-raising
 * SIGSEGV), or a crash the output showed. With -j the output's crash can be a worker's (`[N]: Caught
 * signal`) while the main process goes on and exits normally: then it is not the runner's death.
 */
export function runnerDeath(
  binary: string,
  exitCode: number,
  result: BinaryResult,
): Interruption | undefined {
  const signal = exitSignal(exitCode);
  if (signal !== undefined) {
    const name = signalName(signal);
    // test_progs -j's main process gets SIGPIPE when it writes to a worker that is gone.
    const how = name === 'SIGPIPE' && isParallel(result) ? ', a write to a closed pipe or worker socket' : '';
    return {
      kind: 'crash',
      detail: `${binary} (its main process) died of ${name} (exit status ${exitCode}${how})`,
    };
  }
  if (result.incompleteReasons.includes('crash') && !isParallel(result))
    return { kind: 'crash', detail: `${binary} crashed${result.signal ? ` with ${result.signal}` : ''}` };
  return undefined;
}

function missReason(stop: Interruption | undefined, result: BinaryResult, name: string): string {
  if (stop?.kind === 'vm')
    return stop.runningTest === name
      ? `${stop.detail} while this test was running`
      : `${stop.detail} before this test reported${stop.runningTest ? ` (it stopped at ${stop.runningTest})` : ''}`;
  if (stop?.kind === 'timeout')
    return `the runner was killed by its ${stop.timeoutSec} s timeout before this test reported`;
  if (stop?.kind === 'crash') return `${stop.detail} before this test reported`;
  if (stop?.kind === 'setup') return stop.detail;
  return isParallel(result)
    ? 'never reported: the test_progs worker running it died (test_progs then leaves it out of its Summary)'
    : 'never reported, although the runner ended';
}

/** Add a `miss` test for each selected top-level test the output never reported. */
export function addMisses(result: BinaryResult, selected: readonly string[], stop?: Interruption): number {
  const reported = new Set(result.tests.map((t) => t.name));
  let added = 0;
  for (const name of selected) {
    if (reported.has(name)) continue;
    result.tests.push(newTestCase(name, 'miss', { reason: missReason(stop, result, name) }));
    added++;
  }
  return added;
}

/** test_progs exit 2 and 3 say the run never got to testing: an error of the set-up, not a test failure. */
export function infrastructureExit(exitCode: number | undefined): string | undefined {
  if (exitCode === TEST_PROGS_EXIT.noTest)
    return 'test_progs ran no test (exit 2): the allow/deny lists selected none, or every selected test was skipped before it started';
  if (exitCode === TEST_PROGS_EXIT.setupError)
    return 'test_progs could not set up its test environment (exit 3): an infrastructure error, not a test failure';
  return undefined;
}

/**
 * Allow and deny entries that selected nothing. An allow `test` entry matched when a selected test
 * has that name (test_progs' `*` glob); a `test/subtest` entry when that test ran that subtest.
 * Entries whose test never ran to the end are not judged (nothing is known of its subtests). A deny
 * entry matched when its test is one of the binary's (`known`, its unfiltered `-l`); a denied
 * subtest never runs, so only its test part can be judged.
 */
export function unmatchedEntries(
  runner: RunnerPlan,
  selected: readonly string[] | undefined,
  result: BinaryResult,
  known?: readonly string[],
): UnmatchedEntry[] {
  if (!runner.selection) return [];
  const out: UnmatchedEntry[] = [];
  for (const sel of runner.selection) {
    if (sel.list === 'deny') {
      const test = sel.entry.split('/', 1)[0]!;
      // An empty list says test_progs -l failed, not that the binary has no test.
      if (known?.length && !known.some((name) => globMatch(test, name))) out.push(sel);
      continue;
    }
    if (!selected) continue;
    const slash = sel.entry.indexOf('/');
    const test = slash < 0 ? sel.entry : sel.entry.slice(0, slash);
    const tests = selected.filter((name) => globMatch(test, name));
    if (tests.length === 0) {
      out.push(sel);
      continue;
    }
    if (slash < 0) continue;
    const sub = sel.entry.slice(slash + 1);
    const ran = result.tests.filter((t) => tests.includes(t.name));
    if (ran.length === 0 || ran.some((t) => t.status === 'miss' || t.status === 'error')) continue;
    if (!ran.some((t) => t.subtests.some((s) => globMatch(sub, s.name)))) out.push(sel);
  }
  return out;
}
