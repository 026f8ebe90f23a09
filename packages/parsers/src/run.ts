// What every per-binary parser shares: the result being built, a bounded log buffer, and the hook
// that tells the orchestrator a test reported (so console events can be attributed to it).
import type { BinaryResult, Counts, IncompleteReason } from '@bpf-ci/model';
import { addIncompleteDetail, markIncomplete, newBinaryResult } from '@bpf-ci/model';
import type { LogicalLine } from './normalize.ts';

export interface RunHooks {
  /** A result line for `key` ("test" or "test/subtest") was parsed. */
  testReported(key: string): void;
}

export interface RunStart {
  binary: string;
  command?: string;
  /** Ran with -v: logs stream live instead of being printed on failure only. */
  verbose?: boolean;
  /** Ran with -j / --workers. */
  parallel?: boolean;
  /** A single test selected with -t / -a, used only to name a test a crash left unreported. */
  selected?: string;
}

/** How the input ended, as the orchestrator saw it. */
export interface RunEnd {
  /** The last input line had no newline (the output was cut mid-line). */
  cut: boolean;
  /** A kernel panic appeared while this binary ran. */
  kernelPanic?: string;
}

export abstract class RunParser {
  readonly result: BinaryResult;
  /** The tool printed its closing line (Summary / test_maps: OK). */
  ended = false;
  /** Any line of this binary's output was recognised. */
  seen = false;

  readonly start: RunStart;
  protected readonly hooks: RunHooks;

  constructor(start: RunStart, hooks: RunHooks) {
    this.start = start;
    this.hooks = hooks;
    this.result = newBinaryResult(start.binary);
    if (start.command !== undefined) this.result.command = start.command;
    if (start.parallel) this.result.variant = 'parallel';
  }

  /** Offer a line. Returns false when the line is not this binary's (the caller may try others). */
  abstract feed(line: LogicalLine): boolean;

  /** Close the run: counts, completeness, synthetic tests for what a crash left unreported. */
  abstract finish(end: RunEnd): BinaryResult;

  /** Lines to pass to the run that starts when this one is found to be over (none by default). */
  handOver(): LogicalLine[] {
    return [];
  }

  /** The test most likely running now, for console events nobody reported after. */
  abstract runningTest(): string | undefined;

  protected markIncomplete(reason: IncompleteReason): void {
    markIncomplete(this.result, reason);
  }

  protected addDetail(text: string): void {
    addIncompleteDetail(this.result, text);
  }
}

/** Compare printed and parsed counts; a readable difference, or undefined when they agree. */
export function countsDifference(printed: Counts, parsed: Counts, summaryLine: string): string | undefined {
  const diffs: string[] = [];
  if (printed.passed !== parsed.passed) diffs.push(`passed ${parsed.passed} (tool: ${printed.passed})`);
  if (printed.passedSubtests !== undefined && printed.passedSubtests !== parsed.passedSubtests)
    diffs.push(`passed subtests ${parsed.passedSubtests ?? 0} (tool: ${printed.passedSubtests})`);
  if (printed.skipped !== parsed.skipped) diffs.push(`skipped ${parsed.skipped} (tool: ${printed.skipped})`);
  if (printed.failed !== parsed.failed) diffs.push(`failed ${parsed.failed} (tool: ${printed.failed})`);
  if (diffs.length === 0) return undefined;
  return `the result lines give ${diffs.join(', ')}; the tool printed "${summaryLine}"`;
}

const HEAD = 2000;
const TAIL = 8000;

/**
 * A test's log while it runs. Bounded: beyond HEAD + TAIL lines only the first HEAD and the last
 * TAIL are kept (a failure's cause is usually at its start or right before its result line).
 */
export class LogBuffer {
  private head: string[] = [];
  private headNos: number[] = [];
  private tail: string[] = [];
  private tailNos: number[] = [];
  private tailStart = 0;
  private dropped = 0;

  get length(): number {
    return this.head.length + this.tail.length;
  }

  push(text: string, lineNo: number): void {
    if (this.head.length < HEAD) {
      this.head.push(text);
      this.headNos.push(lineNo);
      return;
    }
    if (this.tail.length < TAIL) {
      this.tail.push(text);
      this.tailNos.push(lineNo);
      return;
    }
    this.tail[this.tailStart] = text;
    this.tailNos[this.tailStart] = lineNo;
    this.tailStart = (this.tailStart + 1) % TAIL;
    this.dropped++;
  }

  /** The kept lines in order, then empty the buffer. */
  take(): { lines: string[]; lineNos: number[] } {
    let lines = this.head;
    let lineNos = this.headNos;
    if (this.tail.length > 0) {
      const tail = [...this.tail.slice(this.tailStart), ...this.tail.slice(0, this.tailStart)];
      const tailNos = [...this.tailNos.slice(this.tailStart), ...this.tailNos.slice(0, this.tailStart)];
      if (this.dropped > 0) {
        tail.unshift(`[bpf-ci: ${this.dropped} log lines not kept]`);
        tailNos.unshift(tailNos[0] ?? 0);
      }
      lines = lines.concat(tail);
      lineNos = lineNos.concat(tailNos);
    }
    this.head = [];
    this.headNos = [];
    this.clear();
    while (lines.length > 0 && (lines[lines.length - 1] ?? '').trim() === '') {
      lines.pop();
      lineNos.pop();
    }
    return { lines, lineNos };
  }

  /** Forget the lines (a passing test's log), reusing the arrays. */
  clear(): void {
    this.head.length = 0;
    this.headNos.length = 0;
    this.tail.length = 0;
    this.tailNos.length = 0;
    this.tailStart = 0;
    this.dropped = 0;
  }
}
