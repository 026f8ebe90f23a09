// test_progs, test_progs-no_alu32, test_progs-cpuv4 (one output format): serial and -j output,
// every result-line format since v5.14, subtests, log blocks, `All error logs:` (deduplicated),
// Summary cross-check, crashes, the watchdog, and truncated runs (tools/testing/selftests/bpf/test_progs.c).
import type { BinaryResult, Counts, TestCase, TestStatus } from '@bpf-ci/model';
import { newTestCase } from '@bpf-ci/model';
import { extractAssertions } from './assertions.ts';
import type { LogicalLine } from './normalize.ts';
import {
  ASSERT_FAIL,
  ASSERT_PASS,
  BACKTRACE_FRAME,
  CRASH,
  EXIT_LINE,
  FLAVOR,
  SHELL_SIGNAL,
  signalName,
  STACK_TRACE,
  TESTMOD_MISSING,
  TESTMOD_SKIPPED,
  TP_ERROR_LOGS,
  TP_RESULT,
  TP_SUMMARY,
  WATCHDOG,
  WORKER_PROGRESS,
} from './patterns.ts';
import { countsDifference, LogBuffer, RunParser, type RunEnd } from './run.ts';

/** A top-level test whose subtest lines came but whose own line has not (yet). */
interface OpenTest {
  number: number;
  name: string | undefined;
  log: string[];
  logNos: number[];
  subtests: TestCase[];
}

const STATUS: Record<string, TestStatus> = { OK: 'pass', FAIL: 'fail', SKIP: 'skip' };
const TEST_FUNC = /^(?:serial_)?test_(\w+)$/;
const NOTE_LINES = 20;
/** What can start a result line cut short: `#`, `#171`, `#171/2`, `#171/28   sockopt/set`. */
const CUT_RESULT_HEAD = /^#\d*(?:\/\d*)?(?:[ \t].*)?$/;
const MAX_CUT_RESULTS = 8;
const NO_LOG: { lines: string[]; lineNos: number[] } = { lines: [], lineNos: [] };
/** First characters of the lines special() knows. */
const SPECIAL_FIRST = new Set(['A', 'B', 'C', 'F', 'K', 'L', 'S', 'W', '[', '+']);

/**
 * test_progs checks its own framework with dummy subtests (one skipped twice, one failed) and then
 * resets its counters (prog_tests/prog_tests_framework.c, clear_test_state): its subtests are printed
 * but never counted, and its FAIL subtest is deliberate.
 */
export const SELF_TEST = 'prog_tests_framework';

/** test_progs' own counting rules (tools/testing/selftests/bpf/test_progs.c, calculate_summary_and_print_errors). */
export function countTestProgs(tests: readonly TestCase[]): Counts {
  const counts: Counts = { passed: 0, passedSubtests: 0, skipped: 0, failed: 0 };
  for (const t of tests) {
    if (t.status === 'fail' || t.status === 'error') counts.failed++;
    else if (t.status === 'pass' || t.status === 'skip') counts.passed++;
    if (t.name === SELF_TEST) continue;
    if (t.subtests.length > 0) {
      for (const s of t.subtests) {
        if (s.status === 'pass') counts.passedSubtests = (counts.passedSubtests ?? 0) + 1;
        else if (s.status === 'skip') counts.skipped++;
      }
    } else if (t.status === 'skip') {
      counts.skipped++;
    }
  }
  return counts;
}

/** ≤ v5.15 counted failed subtests in FAILED too (test_progs.c up to v5.15): say so when that explains it. */
function oldCountingHint(printed: Counts, parsed: Counts, tests: readonly TestCase[]): string {
  const failedSubtests = tests.reduce((n, t) => n + t.subtests.filter((s) => s.status === 'fail').length, 0);
  const onlyFailed =
    printed.passed === parsed.passed &&
    printed.skipped === parsed.skipped &&
    printed.failed !== parsed.failed;
  return onlyFailed && failedSubtests > 0 && printed.failed === parsed.failed + failedSubtests
    ? ' (test_progs up to v5.15 also counted failed subtests in FAILED, which gives exactly this)'
    : '';
}

/** The test a log belongs to, from the `test_<name>` / `serial_test_<name>` function that logged. */
function inferTestName(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const t = line.trim();
    const m = ASSERT_PASS.exec(t) ?? ASSERT_FAIL.exec(t);
    const name = m ? TEST_FUNC.exec(m[1] ?? '') : null;
    if (name) return name[1];
  }
  return undefined;
}

function hasChecks(lines: readonly string[]): boolean {
  return lines.some((l) => {
    const t = l.trim();
    return ASSERT_PASS.test(t) || ASSERT_FAIL.test(t);
  });
}

export class TestProgsRun extends RunParser {
  private readonly pending = new LogBuffer();
  private readonly open = new Map<number, OpenTest>();
  private readonly byName = new Map<string, TestCase>();
  private errorSection = false;
  private lastTop: TestCase | undefined;
  private lastWasTopResult = false;
  private lastResultLine: string | undefined;
  private stack: string[] | undefined;
  private crashTarget: TestCase | undefined;
  private crashed = false;
  private watchdogKill: { test: string; seconds: number } | undefined;
  private readonly workers = new Map<string, { num: number; name: string }>();
  private unfinishedName: string | undefined;
  /** Starts of result lines another writer's output cut off, waiting for their rest (newest last). */
  private cutResults: { head: string; lineNo: number; quoted: boolean }[] = [];
  private readonly reportedNumbers = new Set<number>();

  feed(l: LogicalLine): boolean {
    const t = l.match;
    if (this.stack) {
      if (t === STACK_TRACE || BACKTRACE_FRAME.test(t)) {
        this.stack.push(t);
        return true;
      }
      this.flushStack();
    }
    if (t === '') {
      if (this.pending.length > 0 && !this.ended) this.pending.push(l.text, l.lineNo);
      return !this.ended;
    }
    const c = t.charCodeAt(0);
    if (c === 35 /* # */) {
      const m = TP_RESULT.exec(t);
      if (m) {
        if (this.ended || this.restarted(m)) return false;
        this.cutResults.length = 0;
        this.onResult(m, l);
        return true;
      }
    }
    // A rest may start with `#` too: a name's own `#` right after the cut ("btf/decl_tag test"
    // then " #11, func parameter, ...:OK").
    if (this.takeRestOfCutResult(l)) return true;
    if (c === 83 /* S */ && t.startsWith('Summary: ')) {
      const m = TP_SUMMARY.exec(t);
      if (m) {
        if (this.ended) return false;
        this.onSummary(m, t);
        return true;
      }
    }
    if (this.special(t)) return true;
    if (this.ended) return false;
    if (t.includes('#')) this.noteCutResult(l);
    this.pending.push(l.text, l.lineNo);
    this.lastWasTopResult = false;
    if (!this.seen && (ASSERT_PASS.test(t) || ASSERT_FAIL.test(t))) this.seen = true;
    return true;
  }

  /**
   * In -j runs the main process prints result lines while helper programs of other workers (dd,
   * losetup, shell scripts) write to the same console: a result line can be cut anywhere, its start
   * ending one line (`... #171/28`) and its rest, padding included, starting a later one
   * (`   sockopt/setsockopt: ...:OK`). A line ending in what can start a result line is kept as a
   * candidate until the next real result line.
   */
  private noteCutResult(l: LogicalLine): void {
    const text = l.text.trimStart();
    // Every `#` that can start one, the leftmost (longest) last so that it is tried first: a
    // name may hold a `#` of its own ("btf/struct test #3 ...").
    for (let i = text.lastIndexOf('#'); i >= 0; i = i > 0 ? text.lastIndexOf('#', i - 1) : -1) {
      const head = text.slice(i);
      if (!CUT_RESULT_HEAD.test(head) || TP_RESULT.test(head.trim())) continue;
      this.cutResults.push({ head, lineNo: l.lineNo, quoted: l.quoted !== undefined });
      if (this.cutResults.length > MAX_CUT_RESULTS) this.cutResults.shift();
    }
  }

  /** Whether `l` completes a result line cut earlier (then it was taken as that result). */
  takeRestOfCutResult(l: LogicalLine): boolean {
    return this.cutResults.length > 0 && !this.ended && this.completesCutResult(l);
  }

  /** The rest of a cut result line: joined, it is one result, if its name belongs to its number. */
  private completesCutResult(l: LogicalLine): boolean {
    for (let k = this.cutResults.length - 1; k >= 0; k--) {
      const cut = this.cutResults[k];
      if (!cut) continue;
      // An unquoted log's rest keeps its `> `; a mail-quoted log's rest loses it like every line.
      const rests = l.quoted === undefined ? [l.text] : cut.quoted ? [l.text, l.quoted] : [l.quoted, l.text];
      for (const rest of rests) {
        const joined = (cut.head + rest).trim();
        const m = TP_RESULT.exec(joined);
        if (!m || !this.belongsToNumber(m)) continue;
        this.cutResults.length = 0;
        this.onResult(m, { text: joined, match: joined, lineNo: cut.lineNo });
        return true;
      }
    }
    return false;
  }

  /**
   * A result the output so far allows at this number: a test not reported yet (or, under `All
   * error logs:`, reprinted with its own number), a subtest of the test open at that number.
   */
  private belongsToNumber(m: RegExpExecArray): boolean {
    const num = Number(m[1]);
    const name = m[3] ?? '';
    const slash = name.indexOf('/');
    const isSub = m[2] !== undefined;
    if (num === 0 || (isSub ? slash <= 0 : slash >= 0)) return false;
    const top = isSub ? name.slice(0, slash) : name;
    const open = this.open.get(num);
    if (open?.name !== undefined && open.name !== top) return false;
    if (isSub && (open?.subtests.at(-1)?.number ?? 0) >= Number(m[2])) return false;
    const reported = this.byName.get(top);
    if (reported) return this.errorSection && reported.number === num;
    if (this.errorSection) return false;
    if (open?.name !== undefined) return true;
    return !this.reportedNumbers.has(num) && ![...this.open.values()].some((o) => o.name === top);
  }

  /**
   * A test reported a second time outside `All error logs:` means a new run began without a
   * command line or Summary between (a retry after a crash, concatenated logs).
   */
  private restarted(m: RegExpExecArray): boolean {
    if (this.errorSection) return false;
    const name = m[3] ?? '';
    if (m[2] === undefined) return this.byName.has(name);
    const slash = name.indexOf('/');
    return slash > 0 && this.byName.has(name.slice(0, slash));
  }

  /** The log lines not yet claimed by a result line: they belong to the run that takes over. */
  override handOver(): LogicalLine[] {
    const { lines, lineNos } = this.pending.take();
    return lines.map((text, i) => ({ text, match: text.trim(), lineNo: lineNos[i] ?? 0 }));
  }

  /** Lines about the run rather than a test: crash, watchdog, bpf_testmod, exit status. */
  private special(t: string): boolean {
    // Test log lines mostly start with a lower-case C function name; none of these do.
    if (!SPECIAL_FIRST.has(t.charAt(0))) return false;
    let m: RegExpExecArray | null;
    if (t === TP_ERROR_LOGS) {
      this.errorSection = true;
      this.pending.clear();
      return true;
    }
    if ((m = CRASH.exec(t))) {
      this.onCrash(m[1], Number(m[2]), t);
      return true;
    }
    if ((m = WATCHDOG.exec(t))) {
      const test = m[1] ?? '';
      const seconds = Number(m[2]);
      if ((m[3] ?? '').startsWith(',')) {
        this.watchdogKill = { test, seconds };
        this.markIncomplete('timeout');
        this.addDetail(`the test_progs watchdog killed ${test} after ${seconds} s`);
      } else {
        this.result.notes.push(`test_progs watchdog: ${test} was still running after ${seconds} s`);
      }
      return true;
    }
    if (TESTMOD_MISSING.test(t) || t === TESTMOD_SKIPPED) {
      this.seen = true;
      const note = t === TESTMOD_SKIPPED ? t : `${t} (bpf_testmod.ko is missing)`;
      if (!this.result.notes.includes(note)) this.result.notes.push(note);
      return true;
    }
    if ((m = FLAVOR.exec(t))) {
      if (this.result.binary === 'test_progs') this.result.binary = `test_progs-${m[1] ?? ''}`;
      return true;
    }
    if ((m = WORKER_PROGRESS.exec(t))) {
      if (m[4] === 'running') this.workers.set(m[1] ?? '', { num: Number(m[2]), name: m[3] ?? '' });
      else this.workers.delete(m[1] ?? '');
      return true;
    }
    if (t.startsWith('Launching ') && /^Launching \d+ workers\.$/.test(t)) {
      this.result.variant = 'parallel';
      return true;
    }
    if ((m = EXIT_LINE.exec(t))) {
      if (m[1] !== undefined || m[2] !== undefined) this.result.exitCode = Number(m[1] ?? m[2]);
      if (m[3] !== undefined) this.result.signal = m[3];
      return true;
    }
    if ((m = SHELL_SIGNAL.exec(t))) {
      if (m[1] === 'Segmentation fault') {
        this.result.signal ??= 'SIGSEGV';
        this.result.exitCode ??= 139;
      }
      if (!this.ended) {
        this.markIncomplete('crash');
        if (!this.crashed) this.addDetail(`the shell reported "${t}"`);
      }
      return true;
    }
    return false;
  }

  private onResult(m: RegExpExecArray, l: LogicalLine): void {
    this.seen = true;
    const num = Number(m[1]);
    const sub = m[2];
    const name = m[3] ?? '';
    const status = STATUS[m[4] ?? ''] ?? 'fail';
    // Only a failure's log is kept (and a test's own log, printed before its first subtest).
    const open0 = this.open.get(num);
    const keep =
      status === 'fail' || (sub !== undefined && (open0 === undefined || open0.subtests.length === 0));
    const { lines, lineNos } = keep ? this.pending.take() : (this.pending.clear(), NO_LOG);
    this.lastResultLine = l.match;
    if (sub !== undefined) {
      this.lastWasTopResult = false;
      const slash = name.indexOf('/');
      const parentName = slash > 0 ? name.slice(0, slash) : undefined;
      const subName = slash > 0 ? name.slice(slash + 1) : name;
      let open = this.open.get(num);
      if (open && parentName !== undefined && open.name !== undefined && open.name !== parentName) {
        this.closeUnfinished(open, 'its result line never came');
        open = undefined;
      }
      if (!open) {
        open = { number: num, name: parentName, log: [], logNos: [], subtests: [] };
        this.open.set(num, open);
      }
      const test = newTestCase(subName, status, { number: Number(sub), inputLine: l.lineNo });
      if (status === 'fail') {
        test.log = lines;
        test.assertions = extractAssertions(lines, lineNos);
      } else if (open.subtests.length === 0 && lines.length > 0) {
        // Before the first subtest line comes the test's own log (printed first).
        open.log.push(...lines);
        open.logNos.push(...lineNos);
      }
      open.subtests.push(test);
      if (parentName !== undefined) this.hooks.testReported(parentName);
      return;
    }
    let open = this.open.get(num);
    if (open && open.name !== undefined && open.name !== name) {
      this.closeUnfinished(open, 'its result line never came');
      open = undefined;
    }
    this.open.delete(num);
    const test = newTestCase(name, status, {
      number: num,
      inputLine: l.lineNo,
      subtests: open?.subtests ?? [],
    });
    if (m[5] !== undefined) test.skippedSubtests = { skipped: Number(m[5]), total: Number(m[6]) };
    else if (l.match.endsWith('(not built)')) test.reason = 'not built';
    if (status === 'fail') {
      const log = open ? open.log.concat(lines) : lines;
      const nos = open ? open.logNos.concat(lineNos) : lineNos;
      test.log = log;
      test.assertions = extractAssertions(log, nos);
    }
    if (name === SELF_TEST && status !== 'fail') {
      // Its FAIL subtest fails on purpose: it ran but gives no verdict (`done`), so it is never
      // listed nor annotated as a failure. When the self-test itself fails, its subtests are as printed.
      for (const s of test.subtests) {
        s.reason =
          'a dummy subtest of the framework self-test: test_progs resets its counters and does not count it';
        if (s.status === 'fail') s.status = 'done';
      }
    }
    this.hooks.testReported(name);
    this.reportedNumbers.add(num);
    this.addTest(test);
    this.lastTop = test;
    this.lastWasTopResult = true;
  }

  /** Under `All error logs:` a failure is printed a second time: merge it, never count it twice. */
  private addTest(test: TestCase): void {
    const existing = this.errorSection ? this.byName.get(test.name) : undefined;
    if (!existing) {
      this.result.tests.push(test);
      this.byName.set(test.name, test);
      return;
    }
    // The reporter may have trimmed the first copy: keep the longer log.
    if (test.log.length > existing.log.length) {
      existing.log = test.log;
      existing.assertions = test.assertions;
    }
    for (const sub of test.subtests) {
      const known = existing.subtests.find((s) => s.name === sub.name);
      if (!known) existing.subtests.push(sub);
      else if (sub.log.length > known.log.length) {
        known.log = sub.log;
        known.assertions = sub.assertions;
      }
    }
  }

  private onSummary(m: RegExpExecArray, line: string): void {
    this.seen = true;
    const printed: Counts = {
      passed: Number(m[1]),
      passedSubtests: Number(m[2]),
      skipped: m[3] !== undefined ? Number(m[3]) : 0,
      failed: Number(m[5] ?? m[6]),
    };
    if (m[4] !== undefined) printed.notBuilt = Number(m[4]);
    this.result.printedCounts = printed;
    this.result.summaryLine = line;
    this.cutResults.length = 0;
    this.ended = true;
    this.pending.clear();
    for (const open of [...this.open.values()]) this.closeUnfinished(open, 'its result line never came');
  }

  private onCrash(worker: string | undefined, sig: number, line: string): void {
    this.seen = true;
    const name = signalName(sig);
    this.result.signal = name;
    this.markIncomplete('crash');
    let target: TestCase | undefined;
    if (worker !== undefined) {
      // A crashed worker's test is never printed nor counted; the Summary can look clean.
      const running = this.workers.get(worker);
      if (running) {
        target = newTestCase(running.name, 'error', {
          number: running.num,
          reason: `test_progs worker ${worker} crashed with ${name} while running this test`,
        });
        this.result.tests.push(target);
      }
      this.addDetail(
        `test_progs worker ${worker} crashed with ${name}${running ? ` in ${running.name}` : ''}; ` +
          'the test it was running is missing from the output and from the Summary',
      );
    } else {
      this.crashed = true;
      const reason = this.watchdogKill
        ? `killed by the test_progs watchdog after ${this.watchdogKill.seconds} s (${name})`
        : `test_progs crashed with ${name} in this test`;
      if (this.lastWasTopResult && this.lastTop) target = this.lastTop;
      else target = this.unfinishedFromPending(reason);
      if (target) {
        target.status = 'error';
        target.reason = reason;
      }
      this.addDetail(`test_progs crashed with ${name}${target ? ` in ${target.name}` : ''}`);
    }
    this.crashTarget = target;
    this.stack = [line];
  }

  private flushStack(): void {
    const stack = this.stack ?? [];
    this.stack = undefined;
    if (this.crashTarget) this.crashTarget.log.push(...stack);
    else this.result.notes.push(stack.join('\n'));
    this.crashTarget = undefined;
  }

  /** A test that printed log lines but never its result line: kept as an error, never dropped. */
  private unfinishedFromPending(reason: string): TestCase | undefined {
    const { lines, lineNos } = this.pending.take();
    if (lines.length === 0) return undefined;
    if (!hasChecks(lines)) {
      const shown = lines.slice(-NOTE_LINES);
      this.result.notes.push(
        `${lines.length} line(s) of output after the last result line` +
          `${lines.length > shown.length ? ` (the last ${shown.length})` : ''}:\n${shown.join('\n')}`,
      );
      return undefined;
    }
    const name = inferTestName(lines) ?? this.start.selected ?? '(test not named in the output)';
    const test = newTestCase(name, 'error', {
      log: lines,
      assertions: extractAssertions(lines, lineNos),
      reason,
    });
    if (lineNos[0] !== undefined) test.inputLine = lineNos[0];
    this.result.tests.push(test);
    this.unfinishedName = name;
    return test;
  }

  private closeUnfinished(open: OpenTest, why: string): void {
    this.open.delete(open.number);
    const name = open.name ?? `#${open.number}`;
    const test = newTestCase(name, 'error', {
      number: open.number,
      subtests: open.subtests,
      log: open.log,
      reason: `reported subtests, but ${why}`,
    });
    this.result.tests.push(test);
    this.unfinishedName = name;
  }

  runningTest(): string | undefined {
    return this.unfinishedName ?? this.start.selected;
  }

  finish(end: RunEnd): BinaryResult {
    if (this.stack) this.flushStack();
    const r = this.result;
    if (!this.ended) {
      const why = end.kernelPanic
        ? 'the kernel panicked before its result line'
        : 'the output ended before its result line';
      for (const open of [...this.open.values()]) this.closeUnfinished(open, why);
      if (!this.crashed) this.unfinishedFromPending(why);
      this.markIncomplete('no-summary');
      const after = this.lastResultLine ? `after "${this.lastResultLine}"` : 'before any result line';
      this.addDetail(`no Summary line: the output ended ${after}`);
      if (end.cut) this.markIncomplete('truncated');
    }
    if (end.kernelPanic) {
      this.markIncomplete('kernel-panic');
      this.addDetail(`kernel panic: ${end.kernelPanic}`);
    }
    r.parsedCounts = countTestProgs(r.tests);
    if (r.printedCounts) {
      const diff = countsDifference(r.printedCounts, r.parsedCounts, r.summaryLine ?? '');
      if (diff) r.countsMismatch = diff + oldCountingHint(r.printedCounts, r.parsedCounts, r.tests);
    }
    return r;
  }
}
