import { basename } from 'node:path';

// Turns kbuild-style make output ("  CC      kernel/bpf/core.o", "  CLNG-BPF [test_maps] x.bpf.o")
// into progress messages: the phase (the tag make prints) and how many steps are done so far.
// Pure: the caller passes the clock, so tests need no timers.

/** One kbuild "quiet" line: a tag of capitals, digits and dashes, then the target. */
const STEP = /^\s{1,4}([A-Z][A-Z0-9_-]{1,15})(?:\s+\[[^\]]*\])?\s+(\S.*)$/;

export interface ProgressUpdate {
  phase: string;
  steps: number;
  /** Steps per phase so far, in the order the phases appeared. */
  phases: Map<string, number>;
}

export class MakeProgress {
  readonly phases = new Map<string, number>();
  steps = 0;
  private readonly seen = new Set<string>();
  private lastReport: number;
  private readonly everyMs: number;

  constructor(now: number, everyMs = 15_000) {
    this.lastReport = now;
    this.everyMs = everyMs;
  }

  /**
   * Feeds one output line; returns a message when the phase changed or `everyMs` passed since the
   * last message, so the log shows progress without one line per file.
   */
  feed(line: string, now: number): string | undefined {
    const m = STEP.exec(line);
    if (!m?.[1]) return undefined;
    const tag = m[1];
    this.steps++;
    this.phases.set(tag, (this.phases.get(tag) ?? 0) + 1);
    // Parallel make interleaves phases, so only a phase seen for the first time is news.
    const isNew = !this.seen.has(tag);
    this.seen.add(tag);
    if (!isNew && now - this.lastReport < this.everyMs) return undefined;
    this.lastReport = now;
    return `${this.steps} steps done, now ${tag} ${basename((m[2] ?? '').trim())}`;
  }

  /** A one-line account of the steps per phase, for the end of the build. */
  summary(): string {
    return [...this.phases].map(([tag, n]) => `${tag} ${n}`).join(', ');
  }
}
