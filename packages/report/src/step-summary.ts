// The step summary: GitHub-flavoured Markdown a maintainer reads first. Pure: Run in, Markdown out.
// GitHub drops a step's whole summary past 1 MiB (bytes), so content is added by priority (counts,
// kernel splats, failures, flaky, skipped) within a byte budget and what does not fit is counted in
// an explicit "truncated: N more" note. Every <details> block is complete or absent, never cut.
import type { BinaryResult, ConsoleEvent, Run, TestCase, TestStatus } from '@bpf-ci/model';
import { shellQuote } from '@bpf-ci/domain';
import { missedText, unmatchedText } from './annotations.ts';
import { isFailed, walkTests } from '@bpf-ci/model';
import {
  allEvents,
  reportConclusion,
  assertionHeadline,
  assertionText,
  binaryCounts,
  countsLine,
  failedLeaves,
  flakyEntries,
  jobTitle,
  partialExplanation,
  quarantinedEntries,
  quarantineText,
  runnerName,
  runTitle,
  testLabel,
} from './describe.ts';
import { STEP_SUMMARY_BUDGET, codeFence, escapeHtml, escapeMarkdown } from '@bpf-ci/protocol';

export interface StepSummaryOptions {
  /** Bytes this summary may take (default: STEP_SUMMARY_BUDGET). */
  budgetBytes?: number;
  /** Log lines shown per failure; longer logs keep their head and tail (default 200). */
  maxLogLines?: number;
  /**
   * A local reproduction command shown under each failure. `{binary}` and `{test}` are replaced by
   * the binary and the shell-quoted "test/subtest" key, e.g. REPRO_VMTEST_TEMPLATE.
   */
  repro?: string;
  /** Where the complete results are, named in truncation notes (default "results.json"). */
  fullResults?: string;
  /**
   * A line of history per test key ("test" or "test/subtest"), shown under its failure: how often
   * it flipped recently on this variant (from a ci-stats database). Absent: no history line.
   */
  history?: ReadonlyMap<string, string>;
}

const STATUS_ICON: Record<TestStatus, string> = {
  pass: '✅',
  fail: '❌',
  skip: '⏭️',
  error: '💥',
  miss: '❓',
  done: '☑️',
};
const STATUS_WORD: Record<TestStatus, string> = {
  pass: 'Passed',
  fail: 'Failed',
  skip: 'Skipped',
  error: 'Error (crash, timeout)',
  miss: 'Missing (never reported)',
  done: 'Done (no verdict)',
};
const CONCLUSION_ICON = { success: '✅', failure: '❌', error: '💥' } as const;

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

function details(summaryHtml: string, body: string, open = false): string {
  // Blank lines around the body: Markdown resumes after the HTML line, and </details> is its own block.
  const text = body.endsWith('\n') ? body : `${body}\n`;
  // A blank line would end the HTML block inside <summary>: keep the summary on one line.
  const oneLine = summaryHtml.replace(/\s*[\r\n]+\s*/g, ' ');
  return `<details${open ? ' open' : ''}>\n<summary>${oneLine}</summary>\n\n${text}\n</details>\n`;
}

function clipLog(lines: readonly string[], max: number): string {
  if (lines.length <= max) return lines.join('\n');
  const head = Math.floor(max / 5);
  const tail = max - head;
  return [
    ...lines.slice(0, head),
    `[... ${lines.length - max} lines not shown here ...]`,
    ...lines.slice(lines.length - tail),
  ].join('\n');
}

function statusTable(result: BinaryResult): string {
  const rows = new Map<TestStatus, { tests: number; subtests: number }>();
  let flaky = 0;
  for (const { test, parent } of walkTests(result.tests)) {
    const row = rows.get(test.status) ?? { tests: 0, subtests: 0 };
    if (parent) row.subtests++;
    else row.tests++;
    rows.set(test.status, row);
    if (test.flaky) flaky++;
  }
  if (rows.size === 0) return '_No test results were parsed._\n';
  const order: TestStatus[] = ['fail', 'error', 'miss', 'pass', 'skip', 'done'];
  const lines = ['| Status | Tests | Subtests |', '| :-- | --: | --: |'];
  for (const status of order) {
    const row = rows.get(status);
    if (row) lines.push(`| ${STATUS_ICON[status]} ${STATUS_WORD[status]} | ${row.tests} | ${row.subtests} |`);
  }
  // Counted like the Flaky section: a parent whose subtests are flaky is not counted again.
  const flakyCount = Math.min(flaky, flakyEntries(result).length);
  if (flakyCount > 0) lines.push(`| 🔁 Flaky (passed on retry) | ${flakyCount} | |`);
  return `${lines.join('\n')}\n`;
}

function splatBlock(event: ConsoleEvent, open: boolean, maxLines: number): string {
  const where = event.test ? ` while running ${event.test}` : '';
  const binary = event.binary ? ` (${event.binary})` : '';
  const summary = `🔥 ${escapeHtml(event.title)}${escapeHtml(where + binary)}`;
  return details(summary, codeFence(clipLog(event.lines, maxLines)), open);
}

/**
 * A repro command that works in the folder where a job's build artifact was unpacked (its kernel
 * image, config and selftests): boots that kernel and runs just the failed test.
 */
export const REPRO_VMTEST_TEMPLATE =
  'bpf-ci vmtest --kernel bzImage --kernel-config config --selftests selftests --runners {binary} --allow {test}';

/**
 * The one-line `bpf-ci repro` for a failed test of a CI test job: the run's page (with its
 * attempt), the job's name and the test; `{test}` is replaced by the shell-quoted test key.
 */
export function reproJobTemplate(runUrl: string, jobName: string): string {
  return `bpf-ci repro ${shellQuote(runUrl)} --job ${shellQuote(jobName)} -t {test}`;
}

/**
 * The repro template for the job this step runs in, from the variables GitHub sets in every job;
 * kernel-ci names its test jobs "RUNNER on ARCH with TOOLCHAIN". Undefined outside Actions.
 */
export function reproTemplateFromEnv(
  env: NodeJS.ProcessEnv,
  job: { runner?: string | undefined; arch?: string | undefined; toolchain?: string | undefined },
): string | undefined {
  const { GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt } = env;
  if (!repository || !runId || !job.runner || !job.arch || !job.toolchain) return undefined;
  const server = (env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  const runUrl = `${server}/${repository}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}`;
  return reproJobTemplate(runUrl, `${job.runner} on ${job.arch} with ${job.toolchain}`);
}

function reproLine(template: string | undefined, binary: string, key: string): string {
  if (!template) return '';
  const command = template.replaceAll('{binary}', shellQuote(binary)).replaceAll('{test}', shellQuote(key));
  return `Reproduce locally:\n\n${codeFence(command, 'sh')}\n`;
}

function assertionsBlock(test: TestCase): string {
  if (test.assertions.length === 0) return '';
  // A diff fence renders '-' lines in red on GitHub: the failed assertions stand out from the log.
  return codeFence(
    test.assertions.map((a) => `- ${assertionText(a).replace(/\r?\n/g, '\n- ')}`).join('\n'),
    'diff',
  );
}

function failureBody(
  test: TestCase,
  key: string,
  result: BinaryResult,
  opts: Required<Pick<StepSummaryOptions, 'maxLogLines'>> & StepSummaryOptions,
  withLog: boolean,
): string {
  const parts: string[] = [];
  if (test.reason) parts.push(`**Why:** ${escapeMarkdown(test.reason)}\n`);
  const asserts = assertionsBlock(test);
  if (asserts) parts.push(asserts);
  if (withLog && test.log.length > 0) parts.push(codeFence(clipLog(test.log, opts.maxLogLines)));
  else if (test.log.length > 0)
    parts.push(
      `_Log (${test.log.length} lines) not shown: the summary is limited to 1 MiB; see ${escapeMarkdown(opts.fullResults ?? 'results.json')}._\n`,
    );
  if (test.attempts.length > 0)
    parts.push(
      `_${test.attempts.length} earlier attempt(s): ${test.attempts.map((a) => a.status).join(', ')}._\n`,
    );
  const history = opts.history?.get(key);
  if (history) parts.push(`**History:** ${escapeMarkdown(history)}\n`);
  const repro = reproLine(opts.repro, result.binary, key);
  if (repro) parts.push(repro);
  return parts.join('\n');
}

/** One <details> per failed top-level test, its failed subtests inside. */
function failureBlock(
  test: TestCase,
  result: BinaryResult,
  opts: Required<Pick<StepSummaryOptions, 'maxLogLines'>> & StepSummaryOptions,
  withLog: boolean,
): string {
  const leaves = failedLeaves({ ...result, tests: [test] });
  const first = leaves.flatMap((l) => l.test.assertions)[0];
  const headline = first ? `: ${assertionHeadline(first)}` : test.reason ? `: ${test.reason}` : '';
  const failedSubs = test.subtests.filter(isFailed);
  const subsNote =
    failedSubs.length > 0 ? ` (${failedSubs.length} failed subtest${failedSubs.length > 1 ? 's' : ''})` : '';
  const summary = `${STATUS_ICON[test.status]} ${escapeHtml(testLabel(test) + subsNote + headline)}`;
  const body: string[] = [];
  if (test.log.length > 0 || failedSubs.length === 0)
    body.push(failureBody(test, test.name, result, opts, withLog));
  for (const sub of failedSubs) {
    body.push(`**${STATUS_ICON[sub.status]} ${escapeMarkdown(testLabel(sub, test))}**\n`);
    body.push(failureBody(sub, `${test.name}/${sub.name}`, result, opts, withLog));
  }
  return details(summary, body.join('\n'));
}

/** Byte budget shared by all optional content; counts what it had to leave out. */
class Budget {
  remaining: number;
  omitted = 0;
  constructor(total: number) {
    this.remaining = total;
  }
  take(text: string): boolean {
    const size = bytes(text);
    if (size > this.remaining) return false;
    this.remaining -= size;
    return true;
  }
}

interface Section {
  result: BinaryResult;
  head: string;
  splats: string[];
  failures: string[];
  flaky: string[];
  quarantined: string[];
  skipped: string[];
  omittedSplats: number;
  omittedFailures: number;
  omittedSkipped: number;
}

function sectionHead(run: Run, result: BinaryResult, level: string): string {
  const counts = binaryCounts(result);
  const failed = result.tests.some((t) => isFailed(t)) || counts.failed > 0;
  const icon = !result.complete ? '💥' : failed ? '❌' : '✅';
  const lines = [`${level} ${icon} ${escapeMarkdown(jobTitle(run, runnerName(run, result)))}\n`];
  lines.push(
    `**${countsLine(counts)}**${result.printedCounts ? '' : ' _(counted from the result lines: the tool printed no Summary)_'}\n`,
  );
  if (!result.complete) {
    lines.push(
      `> **⚠️ Partial results:** ${escapeMarkdown(partialExplanation(result))}. Tests after that point did not run or did not report.\n`,
    );
  }
  if (result.countsMismatch) lines.push(`> **Counts differ:** ${escapeMarkdown(result.countsMismatch)}\n`);
  // Next to the tool's own counts, never folded into them.
  const missed = result.tests.filter((t) => t.status === 'miss');
  if (missed.length > 0) lines.push(`> **❔ Never reported:** ${escapeMarkdown(missedText(missed))}\n`);
  for (const u of result.unmatchedEntries ?? [])
    lines.push(`> **⚠️ Selects nothing:** ${escapeMarkdown(unmatchedText(u))}\n`);
  lines.push(statusTable(result));
  for (const note of result.notes) lines.push(`- ℹ️ ${escapeMarkdown(note)}`);
  if (result.notes.length > 0) lines.push('');
  return lines.join('\n');
}

/** What the retry policy did for a binary: retried what, or why nothing was retried. */
function retrySummary(result: BinaryResult): string {
  const r = result.retry;
  if (!r) return '';
  const lines: string[] = [];
  for (const a of r.attempts) {
    lines.push(`- Attempt ${a.attempt}: re-ran ${a.selectors.map((x) => escapeMarkdown(x)).join(', ')}`);
  }
  for (const v of r.viaParent) {
    lines.push(
      `- ${escapeMarkdown(v.key)} was retried through its parent test ${escapeMarkdown(v.parent)}: ${escapeMarkdown(v.why)}`,
    );
  }
  if (r.notRetried && r.notRetried !== 'nothing failed') lines.push(`- ⛔ ${escapeMarkdown(r.notRetried)}`);
  return lines.length > 0 ? `**Retries** (up to ${r.maxRetries}):\n\n${lines.join('\n')}\n` : '';
}

function quarantineBlock(run: Run): string {
  const q = run.quarantine;
  if (!q) return '';
  const lines: string[] = [];
  for (const e of q.expired)
    lines.push(
      `- ⌛ **${escapeMarkdown(e.selector)}** expired on ${escapeMarkdown(e.expires)}${e.owner ? ` (owner ${escapeMarkdown(e.owner)})` : ''}: no longer quarantined; fix the test or renew the entry`,
    );
  for (const u of q.unmatched)
    lines.push(`- ❔ **${escapeMarkdown(u)}** matches no test of this job: remove it or fix the selector`);
  for (const r of q.refused)
    lines.push(
      `- 🔥 **${escapeMarkdown(r.key)}** is quarantined by ${escapeMarkdown(r.selector)} but was not: ${escapeMarkdown(r.why)}`,
    );
  if (lines.length === 0) return '';
  return `#### 🔕 Quarantine file ${escapeMarkdown(q.file)}\n\n${lines.join('\n')}\n`;
}

function denylistBlock(run: Run, maxLogLines: number): string {
  const d = run.denylistPass;
  if (!d) return '';
  const list = (items: readonly string[]): string => items.map((i) => escapeMarkdown(i)).join(', ');
  const lines = [
    `#### 🧹 DENYLIST pruning (informational, never changes the verdict): ${escapeMarkdown(d.binary)}\n`,
    d.passing.length > 0
      ? `- ✅ Now passing: candidates to remove from the DENYLIST (${d.passing.length}): ${list(d.passing)}`
      : '- ✅ Now passing: none',
    `- ❌ Still failing (${d.failing.length})${d.failing.length > 0 ? `: ${list(d.failing)}` : ''}`,
  ];
  if (d.skipped.length > 0) lines.push(`- ⏭️ Skipped (${d.skipped.length}): ${list(d.skipped)}`);
  if (!d.complete || d.detail) lines.push(`- ⚠️ ${escapeMarkdown(d.detail ?? 'the pass did not complete')}`);
  const splats = d.events.map((e) => splatBlock(e, false, maxLogLines)).join('\n');
  return `${lines.join('\n')}\n${splats ? `\n${splats}` : ''}`;
}

export function renderStepSummary(run: Run, options: StepSummaryOptions = {}): string {
  const opts = { maxLogLines: 200, ...options };
  const budget = new Budget((options.budgetBytes ?? STEP_SUMMARY_BUDGET) - 1024 /* truncation notes */);
  // One binary: its section heading is the job's heading. Several: a job heading above them.
  const single = run.binaries.length === 1;
  const top = topLines(run, single);
  const sections: Section[] = run.binaries.map((result) => ({
    result,
    head: sectionHead(run, result, single ? '##' : '###'),
    splats: [],
    failures: [],
    flaky: [],
    quarantined: [],
    skipped: [],
    omittedSplats: 0,
    omittedFailures: 0,
    omittedSkipped: 0,
  }));
  for (const text of [...top, ...sections.map((s) => s.head)]) budget.remaining -= bytes(text);

  // What matters most takes the budget first: kernel splats, then failures, then the lists.
  const runSplats = takeSplats(run, sections, budget, opts.maxLogLines);
  for (const s of sections) takeFailures(s, budget, opts);
  for (const s of sections) takeLists(s, budget);

  const truncated = truncationNote(opts.fullResults ?? 'results.json');
  const out: string[] = [...top];
  if (runSplats.shown.length > 0 || runSplats.omitted > 0) {
    out.push(
      `#### 🔥 Kernel splats (${runSplats.shown.length + runSplats.omitted})\n`,
      ...runSplats.shown,
      truncated(runSplats.omitted, 'kernel splats'),
    );
  }
  let omittedTotal = runSplats.omitted;
  for (const s of sections) {
    out.push(...sectionLines(s, truncated));
    omittedTotal += s.omittedSplats + s.omittedFailures + s.omittedSkipped;
  }
  for (const block of [quarantineBlock(run), denylistBlock(run, opts.maxLogLines)]) {
    if (block && budget.take(block)) out.push(block);
  }
  if (omittedTotal > 0) out.push(truncated(omittedTotal, 'items in total'));
  return `${out.filter((p) => p !== '').join('\n')}\n`;
}

/** The job heading (several binaries) or the kernel line (one), the VM's fault, and "no results". */
function topLines(run: Run, single: boolean): string[] {
  const where = run.context.kernelRelease ? ` · kernel ${escapeMarkdown(run.context.kernelRelease)}` : '';
  const top = single
    ? where
      ? [`_kernel ${escapeMarkdown(run.context.kernelRelease ?? '')}_\n`]
      : []
    : [`## ${CONCLUSION_ICON[reportConclusion(run)]} ${escapeMarkdown(runTitle(run))}${where}\n`];
  if (run.vm?.fault) top.push(`> **💥 VM:** ${escapeMarkdown(run.vm.fault.detail)}\n`);
  if (run.binaries.length === 0)
    top.push('_No selftest results were found: no log matched, or every log was empty._\n');
  return top;
}

/** Kernel splats, within the budget: the run-wide ones returned, the others in their binary's section. */
function takeSplats(
  run: Run,
  sections: Section[],
  budget: Budget,
  maxLogLines: number,
): { shown: string[]; omitted: number } {
  const runSplats = { shown: [] as string[], omitted: 0 };
  allEvents(run).forEach(({ event, result }, i) => {
    const block = splatBlock(event, i === 0, maxLogLines);
    const section = sections.find((s) => s.result === result);
    if (budget.take(block)) (section ? section.splats : runSplats.shown).push(block);
    else if (section) section.omittedSplats++;
    else runSplats.omitted++;
  });
  return runSplats;
}

/** A section's failed tests, each in full, else compact, else counted as left out. */
function takeFailures(s: Section, budget: Budget, opts: StepSummaryOptions & { maxLogLines: number }): void {
  const failing = s.result.tests.filter(
    (t) => !t.quarantined && (isFailed(t) || t.subtests.some((x) => isFailed(x) && !x.quarantined)),
  );
  for (const test of failing) {
    const full = failureBlock(test, s.result, opts, true);
    if (budget.take(full)) s.failures.push(full);
    else {
      const compact = failureBlock(test, s.result, opts, false);
      if (budget.take(compact)) s.failures.push(compact);
      else s.omittedFailures++;
    }
  }
}

/** A section's flaky, quarantined and skipped lines, as far as the budget goes. */
function takeLists(s: Section, budget: Budget): void {
  for (const { key, test } of flakyEntries(s.result)) {
    const first = test.attempts.flatMap((a) => a.assertions)[0];
    const attempts = [...test.attempts.map((a) => a.status), test.status].join(' → ');
    const via = s.result.retry?.viaParent.find((v) => v.key === key || v.parent === key);
    const line =
      `- 🔁 ${escapeMarkdown(key)} (${attempts})${first ? `: ${escapeMarkdown(assertionText(first))}` : ''}` +
      `${via ? ` _(retried through ${escapeMarkdown(via.parent)}: ${escapeMarkdown(via.why)})_` : ''}\n`;
    if (budget.take(line)) s.flaky.push(line);
  }
  for (const { key, test, mark } of quarantinedEntries(s.result)) {
    const first = test.assertions[0];
    const line =
      `- 🔕 ${escapeMarkdown(key)}: quarantined ${escapeMarkdown(quarantineText(mark))}` +
      `${first ? `: ${escapeMarkdown(assertionHeadline(first))}` : ''}\n`;
    if (budget.take(line)) s.quarantined.push(line);
  }
  for (const { key, test } of walkTests(s.result.tests)) {
    if (test.status !== 'skip') continue;
    const line = `- ${escapeMarkdown(key)}${test.reason ? ` (${escapeMarkdown(test.reason)})` : ''}\n`;
    if (budget.take(line)) s.skipped.push(line);
    else s.omittedSkipped++;
  }
}

type TruncationNote = (n: number, what: string) => string;

/** The note that says how many items the 1 MiB step summary left out, and where they all are. */
function truncationNote(fullResults: string): TruncationNote {
  return (n, what) =>
    n > 0
      ? `\n**truncated: ${n} more ${what} not shown** (GitHub keeps at most 1 MiB per step summary; see ${escapeMarkdown(fullResults)}).\n`
      : '';
}

/** One binary's part of the summary, from what the budget let in. */
function sectionLines(s: Section, truncated: TruncationNote): string[] {
  const out = [s.head];
  if (s.splats.length + s.omittedSplats > 0) {
    out.push(
      `#### 🔥 Kernel splats (${s.splats.length + s.omittedSplats})\n`,
      ...s.splats,
      truncated(s.omittedSplats, 'kernel splats'),
    );
  }
  if (s.failures.length + s.omittedFailures > 0) {
    out.push(
      `#### ❌ Failures (${s.failures.length + s.omittedFailures})\n`,
      ...s.failures,
      truncated(s.omittedFailures, 'failed tests'),
    );
  }
  if (s.flaky.length > 0)
    out.push(`#### 🔁 Flaky: failed, then passed on retry (${s.flaky.length})\n`, `${s.flaky.join('')}\n`);
  const retryLine = retrySummary(s.result);
  if (retryLine) out.push(retryLine);
  if (s.quarantined.length > 0)
    out.push(
      `#### 🔕 Quarantined failures: warnings, not failing the job (${s.quarantined.length})\n`,
      `${s.quarantined.join('')}\n`,
    );
  const skippedTotal = s.skipped.length + s.omittedSkipped;
  if (skippedTotal > 0) {
    out.push(
      details(
        `⏭️ Skipped (${skippedTotal})`,
        `${s.skipped.join('')}${truncated(s.omittedSkipped, 'skipped tests')}`,
      ),
    );
  }
  return out;
}
