// test_maps (tools/testing/selftests/bpf/test_maps.c): `Fork N tasks to '...'` progress, `<func>:PASS` lines, `<func> SKIP (...)`,
// CHECK failures `<func>(<line>):FAIL:<tag> <msg>`, assert() in a child, free-form `Failed ...`
// messages, and the closing `test_maps: OK, N SKIPPED`. test_maps stops at its first failure and
// then prints no closing line, so a failure also leaves the run incomplete.
import type { Assertion, BinaryResult, Counts, TestCase } from '@bpf-ci/model';
import { newTestCase } from '@bpf-ci/model';
import type { LogicalLine } from './normalize.ts';
import {
  EXIT_LINE,
  TM_ASSERT,
  TM_FAIL,
  TM_FAILED_FREE,
  TM_FORK,
  TM_OK,
  TM_PASS,
  TM_SKIP,
  TP_RESULT,
  TP_SUMMARY,
} from './patterns.ts';
import { RunParser, type RunEnd } from './run.ts';

const CONTEXT_LINES = 20;

export function countMaps(tests: readonly TestCase[]): Counts {
  const counts: Counts = { passed: 0, skipped: 0, failed: 0 };
  for (const t of tests) {
    if (t.status === 'pass') counts.passed++;
    else if (t.status === 'skip') counts.skipped++;
    else counts.failed++;
  }
  return counts;
}

export class MapsRun extends RunParser {
  /** The last lines before a failure: its context, since test_maps prints no per-test block. */
  private context: string[] = [];
  private lastTask: string | undefined;
  private printedSkipped: number | undefined;
  private failedAt: string | undefined;

  feed(l: LogicalLine): boolean {
    const t = l.match;
    let m: RegExpExecArray | null;
    if ((m = TM_OK.exec(t))) {
      if (this.ended) return false;
      this.seen = true;
      this.ended = true;
      this.result.summaryLine = t;
      this.printedSkipped = Number(m[1]);
      return true;
    }
    if ((m = EXIT_LINE.exec(t))) {
      if (m[1] !== undefined || m[2] !== undefined) this.result.exitCode = Number(m[1] ?? m[2]);
      return true;
    }
    if (this.ended) return false;
    if ((m = TM_FORK.exec(t))) {
      this.seen = true;
      this.lastTask = m[2];
      return true;
    }
    if ((m = TM_PASS.exec(t))) {
      this.add(newTestCase(m[2] ? `${m[1]} (${m[2]})` : (m[1] ?? ''), 'pass', { inputLine: l.lineNo }));
      return true;
    }
    if ((m = TM_SKIP.exec(t))) {
      const test = newTestCase(m[1] ?? '', 'skip', { inputLine: l.lineNo });
      if (m[2]) test.reason = m[2].replace(/^\((.*)\)$/, '$1');
      this.add(test);
      return true;
    }
    if ((m = TM_FAIL.exec(t))) {
      const rest = m[3] ?? '';
      const sp = rest.indexOf(' ');
      this.fail(m[1] ?? '', l, {
        kind: 'check',
        func: m[1] ?? '',
        tag: sp === -1 ? rest : rest.slice(0, sp),
        message: sp === -1 ? '' : rest.slice(sp + 1),
        sourceLine: Number(m[2]),
        inputLine: l.lineNo,
      });
      return true;
    }
    if ((m = TM_ASSERT.exec(t))) {
      this.fail(m[3] ?? '', l, {
        kind: 'other',
        func: m[3] ?? '',
        tag: 'assert',
        message: `Assertion ${m[4] ?? ''} failed (${m[1] ?? ''}:${m[2] ?? ''})`,
        sourceLine: Number(m[2]),
        inputLine: l.lineNo,
      });
      return true;
    }
    if ((m = TM_FAILED_FREE.exec(t))) {
      this.fail(m[1] ?? 'test_maps', l, {
        kind: 'other',
        tag: m[1] ?? '',
        message: t,
        inputLine: l.lineNo,
      });
      return true;
    }
    // test_maps never prints these: test_progs output follows (one console log holding both runs).
    if (t.charCodeAt(0) === 35 /* # */ ? TP_RESULT.test(t) : TP_SUMMARY.test(t)) return false;
    this.context.push(l.text);
    if (this.context.length > CONTEXT_LINES) this.context.shift();
    return true;
  }

  private add(test: TestCase): void {
    this.seen = true;
    this.context = [];
    this.result.tests.push(test);
    this.hooks.testReported(test.name);
  }

  private fail(name: string, l: LogicalLine, assertion: Assertion): void {
    const test = newTestCase(name, 'fail', {
      inputLine: l.lineNo,
      log: [...this.context, l.text],
      assertions: [assertion],
    });
    if (this.lastTask !== undefined) test.reason = `failed after the '${this.lastTask}' stress step`;
    this.failedAt ??= l.match;
    this.add(test);
  }

  runningTest(): string | undefined {
    return this.lastTask;
  }

  finish(end: RunEnd): BinaryResult {
    const r = this.result;
    r.parsedCounts = countMaps(r.tests);
    if (!this.ended) {
      this.markIncomplete('no-summary');
      this.addDetail(
        this.failedAt
          ? `test_maps stopped at its first failure ("${this.failedAt}"); the tests after it did not run`
          : 'no "test_maps: OK" line: the output ended before test_maps finished',
      );
      if (end.cut) this.markIncomplete('truncated');
    }
    if (end.kernelPanic) {
      this.markIncomplete('kernel-panic');
      this.addDetail(`kernel panic: ${end.kernelPanic}`);
    }
    // test_maps prints only its skip count; that is what can be cross-checked.
    if (this.printedSkipped !== undefined && this.printedSkipped !== r.parsedCounts.skipped) {
      r.countsMismatch = `${r.parsedCounts.skipped} skip line(s) parsed; the tool printed "${r.summaryLine ?? ''}"`;
    }
    return r;
  }
}
