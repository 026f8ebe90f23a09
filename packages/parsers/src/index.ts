// @bpf-ci/parsers: the BPF selftests' output (test_progs and flavours, test_verifier, test_maps,
// the -J JSON summary, the kernel console) turned into @bpf-ci/model results. Pure functions over
// text; parseFile is the only I/O and streams, so memory follows the failures kept, not the log size.
import { openInputFile } from '@bpf-ci/input-file';
import type { ConsoleEvent } from '@bpf-ci/model';
import { resultFromJsonSummary } from './json-summary.ts';
import { LogParser } from './log-parser.ts';
import { binaryFamily, type ParsedLog, type ParseOptions, UnknownFormatError } from './types.ts';

export { mergeJsonSummary, readJsonSummary, resultFromJsonSummary } from './json-summary.ts';
export {
  jsonSummaryBeside,
  jsonSummaryOwner,
  jsonSummaryTarget,
  type JsonSummaryCandidate,
} from './json-summary-owner.ts';
export { extractAssertions, extractVerifierAssertions } from './assertions.ts';
export { countTestProgs } from './test-progs.ts';
export { signalName } from './patterns.ts';
export { countVerifier } from './test-verifier.ts';
export { LogParser } from './log-parser.ts';
export { KNOWN_FORMATS, UnknownFormatError, binaryFamily } from './types.ts';
export type { LogFormat, ParsedLog, ParseOptions } from './types.ts';

/** Feed the complete lines of `text` (continuing `carry`) to the parser; returns the unfinished rest. */
function feedLines(parser: LogParser, carry: string, text: string, counter: { lineNo: number }): string {
  let nl = text.indexOf('\n');
  if (nl === -1) return carry + text;
  parser.push(carry + text.slice(0, nl), ++counter.lineNo);
  let start = nl + 1;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    parser.push(text.slice(start, nl), ++counter.lineNo);
    start = nl + 1;
  }
  return text.slice(start);
}

function looksLikeJson(text: string): boolean {
  return /^\s*\{/.test(text.slice(0, 256));
}

function fromJson(text: string, opts: ParseOptions): ParsedLog {
  const binary = opts.binary ?? 'test_progs';
  if (binaryFamily(binary) !== 'test_progs') {
    throw new UnknownFormatError(
      opts.source ?? 'input',
      `a JSON document, but ${binary} writes no JSON summary`,
    );
  }
  return { results: [resultFromJsonSummary(text, binary)], events: [], format: 'test_progs_json' };
}

/** Parse a whole log (or a -J JSON summary) held in memory. */
export function parseText(text: string, opts: ParseOptions = {}): ParsedLog {
  if (looksLikeJson(text)) return jsonOrLog(text, opts);
  return parseLogText(text, opts);
}

function parseLogText(text: string, opts: ParseOptions): ParsedLog {
  const parser = new LogParser(opts);
  const counter = { lineNo: 0 };
  const rest = feedLines(parser, '', text, counter);
  if (rest !== '') parser.push(rest, ++counter.lineNo, true);
  return parser.end();
}

/**
 * Text starting with `{`: a JSON summary when it parses as JSON. Otherwise it may be a log whose
 * first line happens to start with `{` (a shell or a test printed one): its result lines win. Only
 * when none are found is it read as a JSON summary cut mid-way (which says so).
 */
function jsonOrLog(text: string, opts: ParseOptions): ParsedLog {
  try {
    JSON.parse(text);
    return fromJson(text, opts);
  } catch {
    // not a complete JSON document
  }
  try {
    const log = parseLogText(text, opts);
    if (log.results.some((r) => r.tests.length > 0 || r.summaryLine !== undefined) || log.events.length > 0)
      return log;
  } catch (err) {
    if (!(err instanceof UnknownFormatError)) throw err;
  }
  return fromJson(text, opts);
}

/**
 * Parse a file, streaming: lines are parsed as they are read. Invalid UTF-8 becomes U+FFFD; a last
 * line without newline marks the output as cut. Throws UnknownFormatError (naming the file) when
 * nothing in it is a known format, InputFileError when it is not a regular file or too large, and
 * the usual fs errors when it cannot be read.
 */
export async function parseFile(path: string, opts: ParseOptions = {}): Promise<ParsedLog> {
  const withSource: ParseOptions = { ...opts, source: opts.source ?? path };
  const parser = new LogParser(withSource);
  const counter = { lineNo: 0 };
  // Bytes after the last newline wait for the next chunk: a newline is never inside a UTF-8
  // sequence, so each decoded piece ends on a character boundary (Buffer decoding is native).
  let carry: Buffer | undefined;
  let json: Buffer[] | undefined;
  let started = false;
  // A regular file within the size limit only: the guest could leave a FIFO or a symlink to /dev/zero.
  const handle = await openInputFile(path, { what: 'selftest log' });
  for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    if (!started) {
      const head = bytes.toString('utf8', 0, Math.min(bytes.length, 256));
      if (head.trim() !== '') {
        started = true;
        if (looksLikeJson(head)) json = [];
      }
    }
    if (json) {
      json.push(bytes);
      continue;
    }
    const buf = carry ? Buffer.concat([carry, bytes]) : bytes;
    const lastNl = buf.lastIndexOf(10);
    if (lastNl === -1) {
      carry = buf;
      continue;
    }
    feedLines(parser, '', buf.toString('utf8', 0, lastNl + 1), counter);
    carry = buf.subarray(lastNl + 1);
  }
  if (json) return jsonOrLog(Buffer.concat(json).toString('utf8'), withSource);
  if (carry && carry.length > 0) parser.push(carry.toString('utf8'), ++counter.lineNo, true);
  return parser.end();
}

/**
 * Kernel splats in a console log (or in any selftest log the console wrote into), each attributed
 * to the test that was running when it appeared, when test output interleaves.
 */
export function parseConsole(text: string): ConsoleEvent[] {
  let parsed: ParsedLog;
  try {
    parsed = parseText(text);
  } catch (err) {
    if (err instanceof UnknownFormatError) return [];
    throw err;
  }
  return [...parsed.events, ...parsed.results.flatMap((r) => r.events)].sort(
    (a, b) => (a.inputLine ?? 0) - (b.inputLine ?? 0),
  );
}
