// Follows the guest console as it streams: splits it into lines, recognises the init script's
// markers (which carry the run's nonce, so test output cannot fake them) and counts test results
// for the progress line. Pure: the caller feeds text and the time.

export type MarkerEvent =
  | { kind: 'boot' }
  | { kind: 'ready' }
  | { kind: 'done' }
  | { kind: 'shell' }
  | { kind: 'fatal'; message: string }
  | { kind: 'total'; runner: string; count: number }
  | { kind: 'begin'; runner: string }
  | { kind: 'end'; runner: string; exitCode: number; seconds: number }
  /** Retries (retry-guest.ts): the guest waits for attempt K's plan, runs it, ends it, or gave up waiting. */
  | { kind: 'retry-wait' | 'retry-begin' | 'retry-timeout'; runner: string; attempt: number }
  | { kind: 'retry-end'; runner: string; attempt: number; exitCode: number; seconds: number };

export interface RunnerProgress {
  runner: string;
  total?: number;
  done: number;
  failed: number;
  startedAt: number;
  endedAt?: number;
  exitCode?: number;
  /** Past test_progs' "All error logs:" recap, which repeats failed results: stop counting. */
  recap?: boolean;
  /** Console line number (1-based) of the begin and end markers: attributes splats to runners. */
  beginLine: number;
  endLine?: number;
}

/** Strip ANSI escapes and carriage returns the guest may print. */
function clean(line: string): string {
  // eslint-disable-next-line no-control-regex
  return line.replace(/\r/g, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}

/** A test result line of the selftest runners, top-level tests only, for counting progress. */
export function classifyResultLine(line: string): 'ok' | 'fail' | 'skip' | undefined {
  // test_progs: "#12      name:OK", "#12 name:FAIL", "#12 name:SKIP" (subtests are #12/3: not counted)
  const progs = /^#\d+\s+\S.*:(OK|FAIL|SKIP)(\b.*)?$/.exec(line);
  if (progs) return progs[1] === 'FAIL' ? 'fail' : progs[1] === 'SKIP' ? 'skip' : 'ok';
  // test_verifier: "#12/u name OK", "#12/p name FAIL", "#12/p name SKIP"
  const verifier = /^#\d+\/[up] .* (OK|FAIL|SKIP)\b/.exec(line);
  if (verifier) return verifier[1] === 'FAIL' ? 'fail' : verifier[1] === 'SKIP' ? 'skip' : 'ok';
  return undefined;
}

export function parseMarker(line: string, nonce: string): MarkerEvent | undefined {
  const at = line.indexOf(`${nonce} `);
  if (at < 0) return undefined;
  const [verb, ...rest] = line
    .slice(at + nonce.length + 1)
    .trim()
    .split(/\s+/);
  switch (verb) {
    case 'boot':
    case 'ready':
    case 'done':
    case 'shell':
      return { kind: verb };
    case 'fatal':
      // Clipped: the guest could print a line of any length after the nonce.
      return { kind: 'fatal', message: rest.join(' ').slice(0, 500) };
    case 'total': {
      const count = Number(rest[1]);
      return rest[0] && Number.isInteger(count) ? { kind: 'total', runner: rest[0], count } : undefined;
    }
    case 'begin':
      return rest[0] ? { kind: 'begin', runner: rest[0] } : undefined;
    case 'end': {
      const exitCode = Number(rest[1]);
      const seconds = Number(rest[2]);
      return rest[0] && Number.isInteger(exitCode)
        ? { kind: 'end', runner: rest[0], exitCode, seconds: Number.isFinite(seconds) ? seconds : 0 }
        : undefined;
    }
    case 'retry-wait':
    case 'retry-begin':
    case 'retry-timeout': {
      const attempt = Number(rest[1]);
      return rest[0] && Number.isInteger(attempt) ? { kind: verb, runner: rest[0], attempt } : undefined;
    }
    case 'retry-end': {
      const attempt = Number(rest[1]);
      const exitCode = Number(rest[2]);
      const seconds = Number(rest[3]);
      return rest[0] && Number.isInteger(attempt) && Number.isInteger(exitCode)
        ? {
            kind: 'retry-end',
            runner: rest[0],
            attempt,
            exitCode,
            seconds: Number.isFinite(seconds) ? seconds : 0,
          }
        : undefined;
    }
    default:
      return undefined;
  }
}

export class ConsoleWatcher {
  readonly nonce: string;
  /** Everything seen so far, split into lines (the last partial line is in `pending`). */
  lineCount = 0;
  lastOutputAt: number;
  booted = false;
  ready = false;
  done = false;
  /** The guest started its interactive shell (repro --shell). */
  shell = false;
  fatal: string | undefined;
  readonly runners: RunnerProgress[] = [];
  /** Markers naming a runner that is not in the plan: forged (the guest can read the nonce in /init). */
  ignoredMarkers = 0;
  private pending = '';
  private readonly totals = new Map<string, number>();
  private readonly planned: ReadonlySet<string> | undefined;

  /**
   * `plannedRunners`: the runner names of the plan. The guest runs the pull request's kernel as
   * root and can print any marker, nonce included; a marker naming another runner is dropped, so a
   * forged marker can at most misstate this run's own runners, never add one (a name that would
   * reach the log, a file name or another job's results).
   */
  constructor(nonce: string, now: number, plannedRunners?: readonly string[]) {
    this.nonce = nonce;
    this.lastOutputAt = now;
    this.planned = plannedRunners ? new Set(plannedRunners) : undefined;
  }

  /** The runner that began and has not ended. */
  get current(): RunnerProgress | undefined {
    const last = this.runners.at(-1);
    return last && last.endedAt === undefined ? last : undefined;
  }

  /** Feed console text; returns the markers it completed, in order. */
  feed(text: string, now: number): MarkerEvent[] {
    if (text.length > 0) this.lastOutputAt = now;
    const parts = (this.pending + text).split('\n');
    this.pending = parts.pop() ?? '';
    const events: MarkerEvent[] = [];
    for (const raw of parts) {
      this.lineCount++;
      const event = this.line(clean(raw), now);
      if (event) events.push(event);
    }
    return events;
  }

  /** The unterminated last line, when the console stopped mid-line. */
  flush(now: number): MarkerEvent[] {
    if (this.pending === '') return [];
    return this.feed('\n', now);
  }

  private line(line: string, now: number): MarkerEvent | undefined {
    const marker = parseMarker(line, this.nonce);
    if (marker && 'runner' in marker && this.planned && !this.planned.has(marker.runner)) {
      this.ignoredMarkers++;
      return undefined;
    }
    if (marker) {
      this.apply(marker, now);
      return marker;
    }
    const current = this.current;
    if (current && !current.recap) {
      if (line === 'All error logs:') {
        current.recap = true;
        return undefined;
      }
      const verdict = classifyResultLine(line);
      if (verdict) {
        current.done++;
        if (verdict === 'fail') current.failed++;
      }
    }
    return undefined;
  }

  private apply(m: MarkerEvent, now: number): void {
    switch (m.kind) {
      case 'boot':
        this.booted = true;
        break;
      case 'ready':
        this.ready = true;
        break;
      case 'done':
        this.done = true;
        break;
      case 'shell':
        this.shell = true;
        break;
      case 'fatal':
        this.fatal = m.message;
        break;
      case 'total':
        this.totals.set(m.runner, m.count);
        break;
      case 'begin': {
        const total = this.totals.get(m.runner);
        this.runners.push({
          runner: m.runner,
          done: 0,
          failed: 0,
          startedAt: now,
          beginLine: this.lineCount,
          ...(total !== undefined ? { total } : {}),
        });
        break;
      }
      case 'end': {
        const r = this.runners.findLast((x) => x.runner === m.runner);
        if (r) {
          r.endedAt = now;
          r.exitCode = m.exitCode;
          r.endLine = this.lineCount;
        }
        break;
      }
      case 'retry-end': {
        // Kernel splats during a retry belong to its runner: its console range grows.
        const r = this.runners.findLast((x) => x.runner === m.runner);
        if (r) r.endLine = this.lineCount;
        break;
      }
      default:
        break;
    }
  }
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** "test_progs: 412/3013, 2 failed, 4m12s" */
export function progressLine(p: RunnerProgress, now: number): string {
  const count = p.total !== undefined ? `${p.done}/${p.total}` : `${p.done} done`;
  return `${p.runner}: ${count}, ${p.failed} failed, ${formatDuration((p.endedAt ?? now) - p.startedAt)}`;
}
