// Kernel console splats (lib/bug.c, kernel/panic.c, mm/kasan/report.c, kernel/rcu/tree_stall.h): detect the first line, collect the splat until its end
// marker, pull out the call trace. Works line by line so it can run inside any selftest log where
// console output interleaves with test output.
import type { ConsoleEvent, ConsoleEventKind } from '@bpf-ci/model';
import { ASSERT_FAIL, ASSERT_PASS, CONSOLE_PREFIX, CONSOLE_TIMESTAMP_INSIDE, TP_RESULT } from './patterns.ts';

/** kernel-patches/vmtest's SPLAT_DENYLIST plus panic, arm64 faults and the KASAN ruler. */
const SPLAT_START =
  /^(?:(?:BUG|WARNING|UBSAN|Oops)[: ]|kernel BUG at|Kernel panic - not syncing|Unable to handle kernel|Internal error: Oops|general protection fault|watchdog: .*(?:soft lockup|hard LOCKUP)|(?:rcu: )?INFO: (?:task .* blocked for more than|[_a-z]+ (?:self-)?detected stalls?)|Out of memory: Killed process|\S+ invoked oom-killer:|={60,}$)/;
/** First characters a splat line can start with (after prefixes): a cheap filter before the regex. */
const START_CHARS = new Set(['B', 'W', 'U', 'O', 'k', 'K', 'I', 'g', 'w', 'r', '=']);
/** Known benign lines CI allowlists (kernel-patches/vmtest SPLAT_ALLOWLIST). */
const BENIGN = /^WARNING: Unprivileged eBPF is enabled/;
const END_TRACE = /^---\[ end (?:trace [0-9a-f]+|Kernel panic - not syncing.*) \]---/;
const KASAN_RULER = /^={60,}$/;
const CALL_TRACE = /^Call [Tt]race:$/;
const FRAME =
  /^(?:\? )?(?:[A-Za-z_.$][\w.$]*(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[[\w]+\])?(?: \S+:\d+)?(?: \[inline\])?|<\/?[A-Z]+>)$/;
const PANIC_TAIL =
  /^(?:SMP: stopping secondary CPUs|Kernel Offset: |CPU features: |Memory Limit: |Rebooting in |CPU: |Hardware name: |Call [Tt]race:|Shutting down cpus|---\[ end Kernel panic)/;
const TIMESTAMP = /\[ *(\d+\.\d+)\]/;
const MAX_LINES = 400;

export function splatKind(title: string): ConsoleEventKind {
  if (title.startsWith('Kernel panic')) return 'panic';
  if (title.startsWith('BUG: KASAN') || KASAN_RULER.test(title)) return 'kasan';
  if (title.startsWith('BUG: KFENCE')) return 'kfence';
  if (title.startsWith('BUG: Bad page')) return 'bad-page';
  if (title.includes('soft lockup')) return 'soft-lockup';
  if (title.includes('hard LOCKUP')) return 'hard-lockup';
  if (/detected stall/.test(title)) return 'rcu-stall';
  if (title.includes('blocked for more than')) return 'hung-task';
  if (title.startsWith('UBSAN')) return 'ubsan';
  if (title.startsWith('Out of memory') || title.includes('invoked oom-killer')) return 'oom';
  if (
    /^WARNING: (?:possible (?:circular|recursive) locking|suspicious RCU usage|inconsistent lock state|possible irq lock inversion|bad unlock balance|held lock freed|lock held when returning)/.test(
      title,
    )
  )
    return 'lockdep';
  if (title.startsWith('WARNING')) return 'warning';
  if (
    title.startsWith('Oops') ||
    title.startsWith('Internal error: Oops') ||
    title.startsWith('Unable to handle kernel') ||
    title.startsWith('BUG: kernel NULL pointer') ||
    title.startsWith('BUG: unable to handle') ||
    title.startsWith('general protection fault')
  )
    return 'oops';
  return 'bug';
}

/** The console prefix (`<3>[  107.408167] `) of a line, or '' when it has none. */
export function consolePrefix(match: string): string {
  const c = match.charCodeAt(0);
  if (c !== 91 /* [ */ && c !== 60 /* < */) return '';
  const m = CONSOLE_PREFIX.exec(match);
  return m ? m[0] : '';
}

/** True when `body` (a line without console prefix) starts a kernel splat. */
export function isSplatStart(body: string): boolean {
  if (!START_CHARS.has(body.charAt(0))) return false;
  return SPLAT_START.test(body) && !BENIGN.test(body);
}

/** Lines that mean test output resumed, so an unterminated splat is over. */
function isTestOutput(body: string): boolean {
  const c = body.charCodeAt(0);
  if (c === 35 /* # */) return TP_RESULT.test(body);
  if (c === 83 /* S */ && body.startsWith('Summary: ')) return true;
  if (c === 65 /* A */ && body === 'All error logs:') return true;
  return ASSERT_PASS.test(body) || ASSERT_FAIL.test(body);
}

/** A splat being collected. */
export class SplatCollector {
  readonly event: ConsoleEvent;
  private readonly timestamped: boolean;
  private lastTime: number | undefined;
  private inTrace = false;
  private traceDone = false;
  private kasanRuler: boolean;
  private rulers = 0;
  /** A KASAN ruler that no report followed: not a splat at all. */
  bogus = false;

  constructor(body: string, prefix: string, lineNo: number) {
    this.kasanRuler = KASAN_RULER.test(body);
    if (this.kasanRuler) this.rulers = 1;
    this.event = {
      kind: splatKind(body),
      title: body,
      lines: [body],
      callTrace: [],
      inputLine: lineNo,
    };
    this.timestamped = prefix !== '';
    const time = timestampOf(prefix);
    if (time !== undefined) {
      this.event.timestamp = time;
      this.lastTime = time;
    }
  }

  /**
   * Offer the next line. 'taken': part of this splat. 'done': the splat ended with this line (taken).
   * 'over': the splat ended before this line, which the caller must process itself.
   */
  offer(match: string): 'taken' | 'done' | 'over' {
    const prefix = consolePrefix(match);
    const body = prefix ? match.slice(prefix.length) : match;
    const ev = this.event;
    if (ev.lines.length >= MAX_LINES) return 'over';
    if (!prefix) {
      if (isTestOutput(body)) return 'over';
      // A test line that console output cut (`#3 ato[  1.2] ...`) is test output, not splat text.
      if (body.charCodeAt(0) === 35 && (this.timestamped || /^#\d/.test(body))) return 'over';
      if (this.timestamped && CONSOLE_TIMESTAMP_INSIDE.test(body)) return 'over';
    }
    if (prefix) {
      const time = timestampOf(prefix);
      // A console line long after the splat's last one is a new, unrelated message.
      if (time !== undefined && this.lastTime !== undefined && time - this.lastTime > 2) return 'over';
      if (time !== undefined) this.lastTime = time;
    } else if (this.timestamped && /^(?:[$#] |root@|\[root@)/.test(body)) {
      return 'over';
    }
    if (this.kasanRuler && ev.lines.length === 1 && !isSplatStart(body)) {
      this.bogus = true;
      return 'over';
    }
    if (isSplatStart(body) && !KASAN_RULER.test(body)) {
      const kind = splatKind(body);
      // An arm64 fault's `Internal error: Oops` and x86's `Oops:` continue the same splat; so does
      // the `BUG: KASAN:` line after the opening ruler.
      const continues =
        (kind === 'oops' && !this.traceDone && ev.callTrace.length === 0) ||
        (this.kasanRuler && ev.lines.length === 1);
      if (!continues) return 'over';
      if (this.kasanRuler && ev.lines.length === 1) {
        ev.title = body;
        ev.kind = splatKind(body);
      } else if (ev.kind !== 'oops' && kind === 'oops') {
        ev.kind = kind;
      }
    }
    if (ev.kind === 'panic' && !prefix && ev.lines.length > 0 && !PANIC_TAIL.test(body) && !this.inTrace) {
      // After `Kernel panic - not syncing` only its fixed tail follows; anything else is host output.
      if (!FRAME.test(body.trim())) return 'over';
    }
    ev.lines.push(body);
    if (ev.timestamp === undefined) {
      const t = timestampOf(prefix);
      if (t !== undefined) ev.timestamp = t;
    }
    this.trackTrace(body);
    if (END_TRACE.test(body)) return 'done';
    if (KASAN_RULER.test(body)) {
      this.rulers++;
      if (this.rulers >= 2 || ev.kind === 'kasan') return 'done';
    }
    return 'taken';
  }

  private trackTrace(body: string): void {
    const trimmed = body.trim();
    if (CALL_TRACE.test(trimmed)) {
      if (!this.traceDone) this.inTrace = true;
      return;
    }
    if (!this.inTrace) return;
    if (FRAME.test(trimmed)) {
      this.event.callTrace.push(trimmed);
    } else {
      this.inTrace = false;
      this.traceDone = true;
    }
  }
}

function timestampOf(prefix: string): number | undefined {
  if (!prefix) return undefined;
  const m = TIMESTAMP.exec(prefix);
  return m ? Number(m[1]) : undefined;
}
