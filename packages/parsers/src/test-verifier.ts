// test_verifier (tools/testing/selftests/bpf/test_verifier.c): `#N/u` and `#N/p` lines, the verdict at the end of the line or on a
// later one (libbpf may print in between), FAIL details and verifier logs, trailing spaces, Summary.
// Each case number is a TestCase named by its description, with subtests `u` and `p` (one per run),
// and the counts follow the tool: one per run.
import type { BinaryResult, Counts, TestCase, TestStatus } from '@bpf-ci/model';
import { newTestCase, worstStatus } from '@bpf-ci/model';
import { extractVerifierAssertions } from './assertions.ts';
import type { LogicalLine } from './normalize.ts';
import { EXIT_LINE, TV_PASS_END, TV_RESULT, TV_SUMMARY } from './patterns.ts';
import { countsDifference, LogBuffer, RunParser, type RunEnd } from './run.ts';

const NOT_RUN = / Did not run the program \([^)]*\)$/;
const LONE_PASS = /^(?:\d+ cases )?OK$/;

export function countVerifier(tests: readonly TestCase[]): Counts {
  const counts: Counts = { passed: 0, skipped: 0, failed: 0 };
  for (const t of tests) {
    for (const s of t.subtests) {
      if (s.status === 'pass') counts.passed++;
      else if (s.status === 'skip') counts.skipped++;
      else counts.failed++;
    }
  }
  return counts;
}

interface Current {
  run: TestCase;
  resultLine: string;
  decided: boolean;
}

export class VerifierRun extends RunParser {
  private readonly byNumber = new Map<number, { test: TestCase; clean: boolean }>();
  private current: Current | undefined;
  private readonly log = new LogBuffer();
  private lastLine: string | undefined;

  feed(l: LogicalLine): boolean {
    const t = l.match;
    if (t.charCodeAt(0) === 35 /* # */) {
      const m = TV_RESULT.exec(t);
      if (m) {
        if (this.ended) return false;
        this.closeCurrent();
        this.onLine(Number(m[1]), m[2] ?? 'p', m[3] ?? '', l);
        return true;
      }
    }
    if (t.startsWith('Summary: ')) {
      const m = TV_SUMMARY.exec(t);
      if (m) {
        if (this.ended) return false;
        this.closeCurrent();
        this.seen = true;
        this.ended = true;
        this.result.summaryLine = t;
        this.result.printedCounts = { passed: Number(m[1]), skipped: Number(m[2]), failed: Number(m[3]) };
        return true;
      }
    }
    const exit = EXIT_LINE.exec(t);
    if (exit) {
      if (exit[1] !== undefined || exit[2] !== undefined) this.result.exitCode = Number(exit[1] ?? exit[2]);
      return true;
    }
    if (this.ended) return false;
    const cur = this.current;
    if (cur && !cur.decided) {
      // The verdict may follow messages printed while the case ran (`Failed to load BTF spec ...`).
      if (LONE_PASS.test(t) || TV_PASS_END.test(t)) {
        this.decide(cur, 'pass');
        return true;
      }
      if (t.startsWith('FAIL')) {
        this.decide(cur, 'fail');
        cur.resultLine = `${cur.resultLine} ${t}`;
      } else if (t.startsWith('SKIP')) {
        this.decide(cur, 'skip');
        cur.run.reason = t;
        return true;
      }
    }
    if (cur) this.log.push(l.text, l.lineNo);
    return true;
  }

  private decide(cur: Current, status: TestStatus): void {
    cur.decided = true;
    cur.run.status = status;
  }

  private onLine(num: number, mode: string, rest: string, l: LogicalLine): void {
    this.seen = true;
    this.lastLine = l.match;
    let status: TestStatus = 'error';
    let desc = rest;
    let decided = true;
    let reason: string | undefined;
    const failAt = rest.startsWith('FAIL') ? 0 : rest.indexOf(' FAIL');
    const skipAt = rest.indexOf(' SKIP');
    if (TV_PASS_END.test(rest)) {
      status = 'pass';
      desc = rest.replace(TV_PASS_END, '').replace(NOT_RUN, '');
    } else if (failAt !== -1) {
      status = 'fail';
      desc = rest.slice(0, failAt);
    } else if (skipAt !== -1) {
      status = 'skip';
      desc = rest.slice(0, skipAt);
      reason = rest.slice(skipAt + 1);
    } else {
      decided = false;
    }
    desc = desc.trim();
    let entry = this.byNumber.get(num);
    if (!entry) {
      entry = { test: newTestCase(desc, status, { number: num, inputLine: l.lineNo }), clean: decided };
      this.byNumber.set(num, entry);
      this.result.tests.push(entry.test);
    } else if (!entry.clean && decided) {
      // The first line of this case had text printed into it; this one names it cleanly.
      entry.test.name = desc;
      entry.clean = true;
    }
    const run = newTestCase(mode, status, { inputLine: l.lineNo });
    if (reason !== undefined) run.reason = reason;
    entry.test.subtests.push(run);
    this.current = { run, resultLine: l.match, decided };
    this.hooks.testReported(entry.test.name);
  }

  private closeCurrent(): void {
    const cur = this.current;
    this.current = undefined;
    if (!cur) return;
    if (!cur.decided) {
      cur.run.status = 'error';
      cur.run.reason = 'test_verifier printed no verdict for this run';
    }
    if (cur.run.status === 'fail' || cur.run.status === 'error') {
      const { lines } = this.log.take();
      cur.run.log = [cur.resultLine, ...lines];
      cur.run.assertions = extractVerifierAssertions(cur.resultLine, lines);
    } else {
      this.log.clear();
    }
  }

  runningTest(): string | undefined {
    return undefined;
  }

  finish(end: RunEnd): BinaryResult {
    this.closeCurrent();
    const r = this.result;
    for (const { test } of this.byNumber.values()) {
      test.status = worstStatus(test.subtests.map((s) => s.status)) ?? test.status;
      if (test.status === 'fail') test.assertions = test.subtests.flatMap((s) => s.assertions);
    }
    if (!this.ended) {
      this.markIncomplete('no-summary');
      this.addDetail(
        `no Summary line: the output ended ${this.lastLine ? `after "${this.lastLine}"` : 'before any result line'}`,
      );
      if (end.cut) this.markIncomplete('truncated');
    }
    if (end.kernelPanic) {
      this.markIncomplete('kernel-panic');
      this.addDetail(`kernel panic: ${end.kernelPanic}`);
    }
    r.parsedCounts = countVerifier(r.tests);
    if (r.printedCounts) {
      const diff = countsDifference(r.printedCounts, r.parsedCounts, r.summaryLine ?? '');
      if (diff) r.countsMismatch = diff;
    }
    return r;
  }
}
