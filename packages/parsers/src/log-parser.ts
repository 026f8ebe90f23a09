// The streaming orchestrator: physical lines in (push), ParsedLog out (end). It normalises each line,
// takes kernel console output out of the test stream (splats become ConsoleEvents attributed to the
// test that reports next), repairs result lines that console output or wrapping split, segments
// the input into runs (command echo, kselftest header, a result line after a closing line) and
// feeds each run's lines to its binary's parser. Memory: one pending test log, the failures kept
// and one entry per test; passing tests' logs are dropped as soon as their result line comes.
import type { BinaryResult, ConsoleEvent } from '@bpf-ci/model';
import { markIncomplete, newBinaryResult } from '@bpf-ci/model';
import { consolePrefix, isSplatStart, SplatCollector } from './console.ts';
import { type LogicalLine, LineNormalizer } from './normalize.ts';
import {
  ASSERT_FAIL,
  ASSERT_PASS,
  COMMAND,
  CONSOLE_TIMESTAMP_INSIDE,
  CRASH,
  TAP_RESULT,
  TAP_START,
  TESTMOD_MISSING,
  TESTMOD_SKIPPED,
  TM_FORK,
  TM_OK,
  TP_RESULT,
  TP_SUMMARY,
  TV_RESULT,
  TV_SUMMARY,
} from './patterns.ts';
import type { RunHooks, RunParser, RunStart } from './run.ts';
import { MapsRun } from './test-maps.ts';
import { TestProgsRun } from './test-progs.ts';
import { VerifierRun } from './test-verifier.ts';
import {
  binaryFamily,
  type LogFormat,
  type ParsedLog,
  type ParseOptions,
  UnknownFormatError,
} from './types.ts';

type Family = 'test_progs' | 'test_verifier' | 'test_maps';

const PREAMBLE_LINES = 500;
const NAMES_BINARY = /test_(?:progs|verifier|maps)/;
const SPLIT_RESULT_START = /^#\d+(?:\/\d+)?[ \t]/;
/** `<func>:PASS:` / `<func>:FAIL:`: test log, never a command line. */
function isCheckLine(t: string): boolean {
  const colon = t.indexOf(':');
  return colon > 0 && (t.startsWith('PASS:', colon + 1) || t.startsWith('FAIL:', colon + 1));
}

function endsLikeResult(t: string): boolean {
  return t.endsWith(':OK') || t.endsWith(':FAIL') || t.endsWith(':SKIP') || t.endsWith(')');
}

function startsResult(t: string): boolean {
  return t.charCodeAt(0) === 35 && (TP_RESULT.test(t) || SPLIT_RESULT_START.test(t));
}

/** Which binary family a line belongs to, when no run claims it. */
function detectFamily(t: string): Family | undefined {
  const c = t.charCodeAt(0);
  if (c === 35 /* # */) {
    if (TP_RESULT.test(t)) return 'test_progs';
    if (TV_RESULT.test(t)) return 'test_verifier';
    return undefined;
  }
  if (t.startsWith('Summary: ')) {
    if (TP_SUMMARY.test(t)) return 'test_progs';
    if (TV_SUMMARY.test(t)) return 'test_verifier';
    return undefined;
  }
  if (ASSERT_PASS.test(t) || ASSERT_FAIL.test(t)) return 'test_progs';
  if (t === TESTMOD_SKIPPED || TESTMOD_MISSING.test(t) || CRASH.test(t)) return 'test_progs';
  if (TM_FORK.test(t) || TM_OK.test(t)) return 'test_maps';
  return undefined;
}

function familyOf(binary: string): Family {
  return binaryFamily(binary) ?? 'test_progs';
}

/** Options a command line gives the parser (only what changes how output is read). */
export function parseCommand(line: string, at: number, binary: string): RunStart {
  const tail = line.slice(at).replace(/^[/$# ]+/, '');
  const command = tail.replace(/\s*['"]\s*\)?\s*$/, '').trim();
  const args = command
    .split(/\s+/)
    .slice(1)
    .map((a) => a.replace(/^['"]|['"]$/g, ''));
  const start: RunStart = { binary, command };
  if (args.some((a) => /^-v+$/.test(a))) start.verbose = true;
  if (args.some((a) => /^(?:-j\d*|--workers(?:=\d+)?)$/.test(a))) start.parallel = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    // Only -a (exact names) says which test ran; -t is a substring filter.
    const value = a === '-a' || a === '--allow' ? args[i + 1] : a.startsWith('-a') ? a.slice(2) : undefined;
    if (value !== undefined && /^\w+$/.test(value)) start.selected = value;
  }
  return start;
}

export class LogParser {
  private readonly normalizer = new LineNormalizer();
  private readonly results: BinaryResult[] = [];
  private readonly looseEvents: ConsoleEvent[] = [];
  private run: RunParser | undefined;
  private splat: SplatCollector | undefined;
  /** Events of the current run waiting for the next result line to name their test. */
  private unattributed: ConsoleEvent[] = [];
  private panicTitle: string | undefined;
  private fragment: { line: LogicalLine; text: string; spaced: boolean; cutByConsole: boolean } | undefined;
  /** Inside a kselftest section of a binary the parsers do not know (its lines are skipped). */
  private ignoring = false;
  private lastCut = false;
  /** Unrecognised lines while no run is open (the next detected run gets them). */
  private preamble: LogicalLine[] = [];
  private contentLines = 0;
  private readonly hooks: RunHooks = {
    testReported: (key) => {
      if (this.unattributed.length === 0) return;
      for (const ev of this.unattributed) ev.test ??= key;
      this.unattributed = [];
    },
  };
  private readonly onLine = (l: LogicalLine): void => this.line(l);

  private readonly opts: ParseOptions;

  constructor(opts: ParseOptions = {}) {
    if (opts.binary !== undefined && binaryFamily(opts.binary) === undefined) {
      throw new RangeError(
        `unknown binary ${JSON.stringify(opts.binary)}: expected test_progs, test_progs-<flavour> ` +
          '(no_alu32, cpuv4, ...), test_verifier or test_maps',
      );
    }
    this.opts = opts;
  }

  /** One physical line without its newline; `cut` when it was the last and had no newline. */
  push(raw: string, lineNo: number, cut = false): void {
    this.lastCut = cut;
    this.normalizer.process(raw, lineNo, this.onLine);
  }

  private line(l: LogicalLine): void {
    if (l.match !== '') this.contentLines++;
    const t = l.match;
    const prefix = consolePrefix(t);
    if (this.fragment && !prefix && this.fragment.cutByConsole) {
      // printk cut a line in two: `#3 ato[  1.2] ...` then `mics:OK`. The next line that is not
      // console output is the rest of it (unless it is a result line of its own).
      const f = this.fragment;
      this.fragment = undefined;
      if (!startsResult(t)) {
        this.closeSplat();
        const joined = f.text + l.text;
        this.line({ text: joined, match: joined.trim(), lineNo: f.line.lineNo });
        return;
      }
      this.dispatch(f.line);
    }
    if (this.splat) {
      const r = this.splat.offer(t);
      if (r === 'taken') return;
      this.closeSplat();
      if (r === 'done') return;
    }
    if (prefix) {
      const body = t.slice(prefix.length);
      if (isSplatStart(body)) this.splat = new SplatCollector(body, prefix, l.lineNo);
      return;
    }
    if (this.fragment) {
      const f = this.fragment;
      this.fragment = undefined;
      const joined = f.spaced ? `${f.text} ${t}` : f.text + t;
      // A line that is a result line on its own is never the rest of another one.
      if (!startsResult(t) && TP_RESULT.test(joined)) {
        this.dispatch({ text: joined, match: joined, lineNo: f.line.lineNo });
        return;
      }
      this.dispatch(f.line);
    }
    const inside = t.indexOf('[', 1) > 0 ? CONSOLE_TIMESTAMP_INSIDE.exec(t) : null;
    if (inside && inside.index > 0) {
      const before = t.slice(0, inside.index);
      const rest = t.slice(inside.index);
      if (TP_RESULT.test(before.trimEnd())) {
        // The result line was complete; a console line followed without a newline.
        const fixed = before.trimEnd();
        this.dispatch({ text: fixed, match: fixed, lineNo: l.lineNo });
      } else {
        this.fragment = {
          line: { ...l, text: before, match: before.trim() },
          text: before,
          spaced: false,
          cutByConsole: true,
        };
      }
      this.line({ text: rest, match: rest.trim(), lineNo: l.lineNo });
      return;
    }
    if (isSplatStart(t)) {
      this.splat = new SplatCollector(t, '', l.lineNo);
      return;
    }
    const c = t.charCodeAt(0);
    if (c === 35 /* # */ && !TP_RESULT.test(t) && SPLIT_RESULT_START.test(t) && this.takesTestProgs()) {
      // Possibly a result line wrapped by a mail client; joined with the next line if that fits.
      this.fragment = { line: l, text: l.text.trimStart(), spaced: !/\s$/.test(l.text), cutByConsole: false };
      return;
    }
    if (c !== 35 && t.includes('#') && endsLikeResult(t) && this.takesTestProgs()) {
      // The rest of a cut result line whose name has a `#` ("btf/struct test #3 ...") comes first.
      if (this.run instanceof TestProgsRun && this.run.takeRestOfCutResult(l)) return;
      const embedded = embeddedResult(t);
      if (embedded !== undefined) {
        // Another writer's output (strace, a shell) in front of a result line on the same line.
        this.dispatch({ text: embedded, match: embedded, lineNo: l.lineNo });
        return;
      }
    }
    this.dispatch(l);
  }

  private takesTestProgs(): boolean {
    const forced = this.opts.binary;
    if (forced !== undefined) return familyOf(forced) === 'test_progs';
    return this.run === undefined || familyOf(this.run.result.binary) === 'test_progs' || this.run.ended;
  }

  private dispatch(l: LogicalLine): void {
    const t = l.match;
    const c = t.charCodeAt(0);
    if (c === 35 /* # */ && t.startsWith('# selftests: ')) {
      const m = TAP_START.exec(t);
      this.closeRun();
      this.preamble = [];
      const binary = m?.[2] ?? '';
      if (binaryFamily(binary)) {
        this.ignoring = false;
        this.startRun({ binary });
      } else {
        this.ignoring = true;
      }
      return;
    }
    if (c === 110 /* n */ || c === 111 /* o */) {
      const m = TAP_RESULT.exec(t);
      if (m) {
        this.onTapResult(m);
        return;
      }
    }
    if (this.ignoring) return;
    if (!isCheckLine(t) && t.includes('test_') && NAMES_BINARY.test(t)) {
      const cmd = COMMAND.exec(t);
      if (cmd && c !== 35 /* a result line never starts a run */) {
        const binary = this.opts.binary ?? cmd[1] ?? 'test_progs';
        this.closeRun();
        this.preamble = [];
        this.startRun(parseCommand(t, cmd.index, binary));
        return;
      }
    }
    if (this.run && this.run.feed(l)) return;
    const forced = this.opts.binary;
    const family = detectFamily(t);
    const wanted = forced !== undefined ? familyOf(forced) : family;
    if (family !== undefined && family === wanted) {
      const carried = this.run?.handOver() ?? [];
      const previous = this.run?.start;
      this.closeRun();
      // The next run of the same family without a command line of its own: the same binary again.
      const binary = previous && familyOf(previous.binary) === family ? previous.binary : (forced ?? family);
      const run = this.startRun({ binary });
      // Lines before a run's first known line may be its first test's log: they go in first.
      for (const p of [...this.preamble, ...carried]) run.feed(p);
      this.preamble = [];
      run.feed(l);
      return;
    }
    if (forced !== undefined && this.run === undefined && t !== '') {
      // The caller says which binary wrote this: everything before its first known line is its output.
      this.startRun({ binary: forced }).feed(l);
      return;
    }
    if (t !== '' || this.preamble.length > 0) {
      this.preamble.push(l);
      if (this.preamble.length > PREAMBLE_LINES) this.preamble.shift();
    }
  }

  private onTapResult(m: RegExpExecArray): void {
    const binary = m[4] ?? '';
    const target = this.run?.result.binary === binary ? this.run : undefined;
    const result = target?.result ?? this.results.findLast((r) => r.binary === binary);
    if (result) {
      if (m[7] !== undefined) result.exitCode = Number(m[7]);
      else if (m[1] === 'ok') result.exitCode ??= 0;
      else result.notes.push(`the kselftest runner reported "${m[0]}"`);
      if (m[6] !== undefined) {
        markIncomplete(
          result,
          'timeout',
          `the kselftest runner killed ${binary} after its ${m[6]} s timeout`,
        );
      }
    }
    if (target) this.closeRun();
    this.ignoring = false;
  }

  private startRun(start: RunStart): RunParser {
    const family = familyOf(start.binary);
    const run =
      family === 'test_verifier'
        ? new VerifierRun(start, this.hooks)
        : family === 'test_maps'
          ? new MapsRun(start, this.hooks)
          : new TestProgsRun(start, this.hooks);
    this.run = run;
    return run;
  }

  private closeSplat(): void {
    const splat = this.splat;
    this.splat = undefined;
    if (!splat || splat.bogus) return;
    const ev = splat.event;
    const run = this.run;
    if (run && !run.ended) {
      ev.binary = run.result.binary;
      run.result.events.push(ev);
      this.unattributed.push(ev);
      if (ev.kind === 'panic') this.panicTitle ??= ev.title;
    } else {
      this.looseEvents.push(ev);
    }
  }

  private closeRun(cut = false): void {
    const run = this.run;
    this.run = undefined;
    if (!run) return;
    const end: { cut: boolean; kernelPanic?: string } = { cut };
    if (this.panicTitle !== undefined) end.kernelPanic = this.panicTitle;
    const result = run.finish(end);
    const running = run.runningTest();
    for (const ev of this.unattributed) if (running !== undefined) ev.test ??= running;
    this.unattributed = [];
    this.panicTitle = undefined;
    this.results.push(result);
  }

  /** Finish the input. Throws UnknownFormatError when nothing in it was recognised. */
  end(): ParsedLog {
    if (this.fragment) {
      const f = this.fragment;
      this.fragment = undefined;
      this.dispatch(f.line);
    }
    this.closeSplat();
    this.closeRun(this.lastCut);
    const source = this.opts.source ?? 'input';
    const results = this.results.filter((r) => binaryFamily(r.binary) !== undefined);
    if (results.length === 0 && this.looseEvents.length === 0) {
      if (this.contentLines === 0) {
        return {
          results: [partialResult(this.opts.binary, 'the input is empty: no selftest output at all')],
          events: [],
          format: 'empty',
        };
      }
      if (this.opts.binary === undefined) {
        throw new UnknownFormatError(
          source,
          `none of its ${this.contentLines} non-empty line(s) is a known result, summary or console line`,
        );
      }
      return {
        results: [
          partialResult(
            this.opts.binary,
            `no ${this.opts.binary} output recognised in ${this.contentLines} line(s)`,
          ),
        ],
        events: [],
        format: formatOf([this.opts.binary]),
      };
    }
    return {
      results,
      events: this.looseEvents,
      format: results.length === 0 ? 'kernel_console' : formatOf(results.map((r) => r.binary)),
    };
  }
}

function partialResult(binary: string | undefined, detail: string): BinaryResult {
  return newBinaryResult(binary ?? 'unknown', {
    complete: false,
    incompleteReasons: ['no-summary'],
    incompleteDetail: detail,
  });
}

function formatOf(binaries: readonly string[]): LogFormat {
  const families = new Set(binaries.map((b) => binaryFamily(b) ?? 'test_progs'));
  if (families.size === 1) return [...families][0] ?? 'mixed';
  return 'mixed';
}

/**
 * The `#N ...:STATUS` inside a line another writer prefixed (strace: `write(1, "#7/1 ..."..., 833#7/1
 * ...`). The leftmost `#` that starts a result line, since a name may hold a `#` of its own
 * ("btf/struct test #3 Invalid member offset") and the part after it reads as a result line too;
 * but when a later one starts with the same `#N` or `#N/M`, the earlier is the writer's echo of it.
 */
function embeddedResult(t: string): string | undefined {
  const candidates: string[] = [];
  for (let i = t.indexOf('#', 1); i > 0 && candidates.length < 16; i = t.indexOf('#', i + 1)) {
    const candidate = t.slice(i);
    if (TP_RESULT.test(candidate)) candidates.push(candidate);
  }
  const numberOf = (c: string) => /^#\d+(?:\/\d+)?/.exec(c)?.[0];
  let chosen = candidates[0];
  for (const later of candidates.slice(1))
    if (chosen !== undefined && numberOf(later) === numberOf(chosen)) chosen = later;
  return chosen;
}
