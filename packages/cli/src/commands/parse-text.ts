// The text `bpf-ci parse` prints: per file and per run the counts in the form BPF CI users know,
// the tool's own Summary line, whether the run is complete (and why not), and every failure with
// its first assertion.
import type { BinaryResult, ConsoleEvent, TestCase } from '@bpf-ci/model';
import type { ParsedLog } from '@bpf-ci/parsers';
import { assertionText, countsLine, testLabel } from '@bpf-ci/report';

const MAX_FAILURES_SHOWN = 50;

/** One input file and what the parsers read from it. */
export interface Parsed {
  file: string;
  log: ParsedLog;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function failedTests(result: BinaryResult): { test: TestCase; parent?: TestCase }[] {
  const out: { test: TestCase; parent?: TestCase }[] = [];
  for (const test of result.tests) {
    if (test.status !== 'fail' && test.status !== 'error') continue;
    out.push({ test });
    for (const sub of test.subtests)
      if (sub.status === 'fail' || sub.status === 'error') out.push({ test: sub, parent: test });
  }
  return out;
}

function describeEvent(ev: ConsoleEvent): string {
  const where = ev.test !== undefined ? ` while ${ev.test} ran` : '';
  const line = ev.inputLine !== undefined ? ` (line ${ev.inputLine})` : '';
  const trace = ev.callTrace.find((f) => !f.startsWith('<') && !f.startsWith('? '));
  return `kernel ${ev.kind}${where}${line}: ${ev.title}${trace ? ` [in ${trace}]` : ''}`;
}

function renderResult(result: BinaryResult, index: number, total: number): string[] {
  const lines: string[] = [];
  const run = total > 1 ? ` (run ${index + 1} of ${total})` : '';
  const name = result.variant ? `${result.binary} ${result.variant}` : result.binary;
  lines.push(`  ${name}${run}: ${countsLine(result.parsedCounts)}`);
  if (result.command) lines.push(`    command: ${result.command}`);
  lines.push(`    tool said: ${result.summaryLine ?? '(no summary line)'}`);
  if (result.countsMismatch) lines.push(`    COUNTS MISMATCH: ${result.countsMismatch}`);
  if (result.complete) lines.push('    complete');
  else {
    const why = result.incompleteDetail ? `: ${result.incompleteDetail}` : '';
    lines.push(`    INCOMPLETE (${result.incompleteReasons.join(', ')})${why}`);
  }
  if (result.exitCode !== undefined && result.exitCode !== null)
    lines.push(`    exit code: ${result.exitCode}`);
  if (result.signal) lines.push(`    signal: ${result.signal}`);
  const failures = failedTests(result);
  for (const { test, parent } of failures.slice(0, MAX_FAILURES_SHOWN)) {
    const label = testLabel(test, parent);
    const status = test.status === 'error' ? 'ERROR' : 'FAIL';
    const reason = test.reason ? ` (${test.reason})` : '';
    lines.push(`    ${parent ? '  ' : ''}${status} ${label}${reason}`);
    const first = test.assertions[0];
    // A test whose assertions are its subtests' (test_verifier) shows them once, under the subtest.
    const shownBelow = first !== undefined && test.subtests.some((s) => s.assertions.includes(first));
    if (first && !shownBelow) {
      const more = test.assertions.length > 1 ? ` (+${test.assertions.length - 1} more)` : '';
      const at = first.inputLine !== undefined ? `line ${first.inputLine}: ` : '';
      lines.push(`    ${parent ? '  ' : ''}  -> ${at}${oneLine(assertionText(first))}${more}`);
    }
  }
  if (failures.length > MAX_FAILURES_SHOWN)
    lines.push(`    ... and ${failures.length - MAX_FAILURES_SHOWN} more failed tests (--json has all)`);
  for (const ev of result.events) lines.push(`    ${describeEvent(ev)}`);
  for (const note of result.notes) lines.push(`    note: ${oneLine(note).slice(0, 300)}`);
  return lines;
}

export function renderText(parsed: Parsed[]): string {
  const lines: string[] = [];
  for (const { file, log } of parsed) {
    lines.push(`${file} (${log.format}, ${log.results.length} run${log.results.length === 1 ? '' : 's'})`);
    log.results.forEach((r, i) => lines.push(...renderResult(r, i, log.results.length)));
    for (const ev of log.events) lines.push(`  ${describeEvent(ev)}`);
  }
  return `${lines.join('\n')}\n`;
}
