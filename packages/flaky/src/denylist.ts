// The informational DENYLIST pass: the denylisted tests run once at the end of the job, and the
// report lists which now pass (candidates to remove from the DENYLIST) and which still fail. It is
// never part of the job's verdict or counts.
import type { BinaryResult, ConsoleEvent, DenylistPass } from '@bpf-ci/model';
import { walkTests } from '@bpf-ci/model';
import { selectorMatches } from './selector.ts';

/**
 * Sort the pass's results by denylist entry: an entry passes when every test it covers passed,
 * fails when one failed or crashed, and is skipped when all it covers skipped. Entries that
 * matched nothing that ran are listed as not run in `detail`.
 */
export function summarizeDenylistPass(
  entries: readonly string[],
  result: BinaryResult,
  events: readonly ConsoleEvent[],
): DenylistPass {
  const passing: string[] = [];
  const failing: string[] = [];
  const skipped: string[] = [];
  const notRun: string[] = [];
  const all = [...walkTests(result.tests)];
  for (const entry of entries) {
    const covered = all.filter(({ key }) => selectorMatches(entry, key)).map(({ test }) => test.status);
    if (covered.length === 0) notRun.push(entry);
    else if (covered.some((s) => s === 'fail' || s === 'error' || s === 'miss')) failing.push(entry);
    else if (covered.every((s) => s === 'skip')) skipped.push(entry);
    else passing.push(entry);
  }
  const details: string[] = [];
  if (!result.complete) details.push(result.incompleteDetail ?? result.incompleteReasons.join(', '));
  if (notRun.length > 0) details.push(`no result for ${notRun.join(', ')}`);
  return {
    binary: result.variant ?? result.binary,
    ...(result.command !== undefined ? { command: result.command } : {}),
    passing,
    failing,
    skipped,
    events: [...events],
    complete: result.complete,
    ...(details.length > 0 ? { detail: details.join('; ') } : {}),
    ...(result.durationMs !== undefined ? { durationMs: result.durationMs } : {}),
  };
}
