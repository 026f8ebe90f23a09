// Words and labels shared by the step summary and the annotations, so both name things the same way.
import type {
  Assertion,
  BinaryResult,
  ConsoleEvent,
  Counts,
  IncompleteReason,
  QuarantineMark,
  Run,
  TestCase,
} from '@bpf-ci/model';
import { isFailed, runConclusion, walkTests, type Conclusion } from '@bpf-ci/model';

/** "test_progs on x86_64 with gcc" (parts that are unknown are left out). */
export function jobTitle(run: Run, runner: string): string {
  const { arch, toolchain } = run.context;
  return `${runner}${arch ? ` on ${arch}` : ''}${toolchain ? ` with ${toolchain}` : ''}`;
}

/** The name a whole run goes by: the context's runner, else its only binary, else "BPF selftests". */
export function runName(run: Run): string {
  const only = run.binaries.length === 1 ? run.binaries[0] : undefined;
  return run.context.runner ?? only?.binary ?? 'BPF selftests';
}

/** "test_progs on x86_64 with gcc" for the whole run. */
export function runTitle(run: Run): string {
  return jobTitle(run, runName(run));
}

/** "1 failure", "48 failures". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The name a binary's results go by: the context's runner when the run has one binary. */
export function runnerName(run: Run, result: BinaryResult): string {
  if (run.context.runner && run.binaries.length <= 1) return run.context.runner;
  return result.variant ? `${result.binary} (${result.variant})` : result.binary;
}

/** "#141 netcnt" or "#10/2 bpf_cookie/multi_kprobe_link_api", as test_progs prints them. */
export function testLabel(test: TestCase, parent?: TestCase): string {
  const key = parent ? `${parent.name}/${test.name}` : test.name;
  if (parent) {
    return parent.number !== undefined && test.number !== undefined
      ? `#${parent.number}/${test.number} ${key}`
      : key;
  }
  return test.number !== undefined ? `#${test.number} ${key}` : key;
}

/** The counts line BPF CI users know: "Success: 355/3013, Skipped: 13, Failed: 1". */
export function countsLine(c: Counts): string {
  const success = c.passedSubtests !== undefined ? `${c.passed}/${c.passedSubtests}` : `${c.passed}`;
  return `Success: ${success}, Skipped: ${c.skipped}, Failed: ${c.failed}`;
}

/** The counts a binary reports: what the tool printed, else what we parsed. */
export function binaryCounts(result: BinaryResult): Counts {
  return result.printedCounts ?? result.parsedCounts;
}

/** An assertion as the test printed it: "netcnt:FAIL:netcnt unexpected ...: actual 10001 != expected 10006". */
export function assertionText(a: Assertion): string {
  if (a.func === undefined && a.message.startsWith(a.tag)) return a.message; // test_verifier repeats its tag
  const head = a.func !== undefined ? `${a.func}:FAIL:${a.tag}` : a.tag;
  return a.message ? `${head} ${a.message}` : head;
}

const REASONS: Record<IncompleteReason, string> = {
  'no-summary': 'the output ended before the Summary line',
  truncated: 'the log is truncated',
  crash: 'the test binary crashed',
  timeout: 'a watchdog stopped the run (timeout)',
  'kernel-panic': 'the kernel panicked',
  'vm-failure': 'the VM failed',
  'not-run': 'the binary did not run',
};

/** Why a binary's results are partial, in words: the parser's explanation (which names the running test) when it gave one. */
export function partialExplanation(result: BinaryResult): string {
  if (result.incompleteDetail) return result.incompleteDetail;
  const reasons = result.incompleteReasons.map((r) => REASONS[r]);
  return reasons.length > 0 ? reasons.join('; ') : 'the run did not complete';
}

/** A failed test that annotations and logs point at: a failed subtest, or a failed test without one. */
export interface FailedLeaf {
  result: BinaryResult;
  test: TestCase;
  parent?: TestCase;
}

export function failedLeaves(result: BinaryResult): FailedLeaf[] {
  const out: FailedLeaf[] = [];
  // Quarantined failures are warnings of their own (quarantinedEntries), not failures.
  for (const test of result.tests.filter((t) => !t.quarantined)) {
    const failedSubs = test.subtests.filter((s) => isFailed(s) && !s.quarantined);
    for (const sub of failedSubs) out.push({ result, test: sub, parent: test });
    // The parent's own failure only adds information when no subtest failed or it has its own asserts.
    if (isFailed(test) && (failedSubs.length === 0 || test.assertions.length > 0)) out.push({ result, test });
  }
  return out;
}

/** Tests and subtests that passed only after a failed attempt (a parent only when no subtest of it is flaky). */
export function flakyEntries(result: BinaryResult): { key: string; test: TestCase }[] {
  return [...walkTests(result.tests)]
    .filter((t) => t.test.flaky === true && (t.parent || !t.test.subtests.some((s) => s.flaky)))
    .map(({ key, test }) => ({ key, test }));
}

/** Failures a quarantine entry covers: warnings, not failures (a parent only when no subtest of it is listed). */
export function quarantinedEntries(
  result: BinaryResult,
): { key: string; test: TestCase; mark: QuarantineMark }[] {
  const out: { key: string; test: TestCase; mark: QuarantineMark }[] = [];
  for (const { key, test, parent } of walkTests(result.tests)) {
    if (!test.quarantined || test.status !== 'fail') continue;
    if (!parent && test.subtests.some((s) => s.quarantined && s.status === 'fail')) continue;
    out.push({ key, test, mark: test.quarantined });
  }
  return out;
}

/** "until 2026-12-31, owner x, https://...: reason" */
export function quarantineText(mark: QuarantineMark): string {
  const parts = [
    mark.expires ? `until ${mark.expires}` : '',
    mark.owner ? `owner ${mark.owner}` : '',
    mark.link ?? '',
  ]
    .filter((p) => p !== '')
    .join(', ');
  return `${parts}: ${mark.reason}`;
}

/** Every console event of the run: the run's own and each binary's, in that order. */
export function allEvents(run: Run): { event: ConsoleEvent; result?: BinaryResult }[] {
  return [
    ...run.events.map((event) => ({ event })),
    ...run.binaries.flatMap((result) => result.events.map((event) => ({ event, result }))),
  ];
}

/** The log lines around the first failed assertion: the assertion line and up to `before` lines ahead of it. */
export function failureContext(test: TestCase, before = 3): string[] {
  const first = test.assertions[0];
  const log = test.log;
  const marker = first
    ? first.func !== undefined
      ? `${first.func}:FAIL:${first.tag}`
      : first.tag
    : ':FAIL:';
  let at = log.findIndex((l) => l.includes(marker));
  if (at < 0) at = log.findIndex((l) => l.includes(':FAIL:'));
  const isNoise = (l: string): boolean => /:PASS:.* -?\d+ nsec$/.test(l) || l.trim() === '';
  if (at < 0) return log.filter((l) => !isNoise(l)).slice(-before - 1);
  const ctx: string[] = [];
  for (let i = at - 1; i >= 0 && ctx.length < before; i--) {
    const line = log[i] ?? '';
    if (!isNoise(line)) ctx.unshift(line);
  }
  return [...ctx, log[at] ?? ''];
}

/** The short form of an assertion for headlines: "netcnt: actual 10001 != expected 10006", "skel_open: error: -22". */
export function assertionHeadline(a: Assertion): string {
  const msg = a.message.replace(/^unexpected /, '').split('\n')[0] ?? '';
  if (!msg) return a.tag;
  return msg.startsWith(a.tag) ? msg : `${a.tag}: ${msg}`;
}

/** The run's verdict for the UI: no results at all is an error, never a silent success. */
export function reportConclusion(run: Run): Conclusion {
  return run.binaries.length === 0 ? 'error' : runConclusion(run);
}
