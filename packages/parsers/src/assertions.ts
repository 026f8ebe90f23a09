// Structured assertions from a failed test's log: every test_progs check form (the macros of
// tools/testing/selftests/bpf/test_progs.h): ASSERT_*, CHECK, CHECK_FAIL / PRINT_FAIL, SYS (the
// shell command is the tag), test_loader expectations, plus test_verifier's EXP/RES pairs. Pure: log lines in, assertions out.
import type { Assertion, AssertionKind } from '@bpf-ci/model';
import { ASSERT_FAIL, ASSERT_PASS, TP_RESULT } from './patterns.ts';

/** Lines that are never the continuation of a wrapped assertion message. */
const KNOWN_LINE =
  /^(?:[A-Za-z_]\w*:(?:PASS|FAIL):|#\d|libbpf: |\(\S+\.c:\d+|VERIFIER LOG:|=+$|(?:MATCHED|EXPECTED|WRONG LINE) +(?:MSG|SUBSTR|REGEX):|Unexpected retval|Summary: |All error logs:|# |Caught signal|Stack trace:|WATCHDOG: )/;
const LOADER_EXPECT = /^(MATCHED|EXPECTED|WRONG LINE) +(MSG|SUBSTR|REGEX): '(.*)'$/;
const LOADER_RETVAL = /^Unexpected retval: (-?\d+) != (-?\d+)$/;

/** The complete ASSERT_* message forms; a message that matches none is still being wrapped. */
const RELATION = /^unexpected (.+?): actual (.+?) (!=|==|<=|>=|<|>) expected (.+)$/;
const SUBSTR = /^unexpected (.+?): '(.*)' is not a substring of '(.*)'$/;
const BOOL = /^unexpected (.+?): got (TRUE|FALSE)$/;
const ERROR = /^unexpected error: (-?\d+)(?: \(errno (-?\d+)\))?$/;
const SUCCESS = /^unexpected success: (-?\d+)$/;
const POINTER = /^unexpected pointer: (\S+)$/;
const FD = /^unexpected fd: (-?\d+) \(errno (-?\d+)\)$/;
const ERRNO_TAIL = /^\(errno -?\d+\)$/;
const CHECK_FAIL_REST = /^(\d+)(?: (.*))?$/;

/** Commands SYS() runs; a tag starting with one (or with an option) is a shell command line. */
const SHELL_COMMANDS = new Set(
  'ip tc sysctl ethtool mount umount ping ping6 nc echo bpftool iptables ip6tables nft modprobe rmmod insmod sh bash cat mkdir rm taskset tcpdump ss test socat iperf3 bridge devlink'.split(
    ' ',
  ),
);

const MAX_CONTINUATION = 4;

/** Collapse the whitespace mail and commit-message wrapping put inside a message. */
function flat(text: string): string {
  return text
    .replace(/\s*\\\n\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function isComplete(message: string): boolean {
  if (!message.startsWith('unexpected ')) return false;
  return (
    RELATION.test(message) ||
    SUBSTR.test(message) ||
    BOOL.test(message) ||
    ERROR.test(message) ||
    SUCCESS.test(message) ||
    POINTER.test(message) ||
    FD.test(message)
  );
}

/** Split `<tag> unexpected <tag>: ...` at the ` unexpected ` that repeats the tag, else the first. */
function splitTag(rest: string): { tag: string; message: string } | undefined {
  let first = -1;
  for (let i = rest.indexOf(' unexpected '); i !== -1; i = rest.indexOf(' unexpected ', i + 1)) {
    if (first === -1) first = i;
    const tag = rest.slice(0, i);
    if (rest.startsWith(`unexpected ${tag}:`, i + 1)) return { tag, message: rest.slice(i + 1) };
  }
  if (first === -1) {
    if (rest.startsWith('unexpected ')) return { tag: '', message: rest };
    return undefined;
  }
  return { tag: rest.slice(0, first), message: rest.slice(first + 1) };
}

function fillValues(a: Assertion): void {
  const msg = flat(a.message);
  let m: RegExpExecArray | null;
  if ((m = RELATION.exec(msg))) {
    a.actual = unquote(m[2] ?? '');
    a.relation = m[3] ?? '';
    a.expected = unquote(m[4] ?? '');
  } else if ((m = SUBSTR.exec(msg))) {
    a.expected = m[2] ?? '';
    a.actual = m[3] ?? '';
    a.relation = 'not a substring of';
  } else if ((m = BOOL.exec(msg))) {
    a.actual = m[2] ?? '';
    a.expected = m[2] === 'TRUE' ? 'FALSE' : 'TRUE';
  } else if ((m = ERROR.exec(msg))) {
    a.actual = m[1] ?? '';
    a.expected = '0';
    a.relation = '!=';
  } else if ((m = SUCCESS.exec(msg))) {
    a.actual = m[1] ?? '';
    a.expected = 'an error (< 0)';
  } else if ((m = POINTER.exec(msg))) {
    a.actual = m[1] ?? '';
  } else if ((m = FD.exec(msg))) {
    a.actual = m[1] ?? '';
    a.expected = 'a valid fd (>= 0)';
  }
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith("'") && s.endsWith("'") ? s.slice(1, -1) : s;
}

function looksLikeShell(tag: string): boolean {
  const first = tag.split(' ', 1)[0] ?? '';
  return tag.includes(' ') && (SHELL_COMMANDS.has(first) || / -{1,2}[A-Za-z]/.test(tag));
}

/** Parse a `<func>:FAIL:<rest>` line (rest possibly joined with continuation lines). */
function fromFailLine(func: string, rest: string, wrapped: boolean): Assertion {
  // Only a wrapped message is re-spaced: a tag may really contain two spaces (`test  count`).
  const split = splitTag(wrapped ? flat(rest) : rest);
  if (split) {
    const kind: AssertionKind =
      split.message.startsWith('unexpected error:') && looksLikeShell(split.tag) ? 'sys' : 'assert';
    const a: Assertion = { kind, func, tag: split.tag, message: split.message };
    fillValues(a);
    return a;
  }
  const cf = CHECK_FAIL_REST.exec(rest);
  if (cf) {
    const message = cf[2] ?? '';
    const kind: AssertionKind =
      func === 'validate_msgs' || message === 'expect_msg' ? 'verifier' : 'check_fail';
    return { kind, func, tag: message, message, sourceLine: Number(cf[1]) };
  }
  const sp = rest.indexOf(' ');
  const tag = sp === -1 ? rest : rest.slice(0, sp);
  return { kind: 'check', func, tag, message: sp === -1 ? '' : rest.slice(sp + 1) };
}

function stripWrapMark(s: string): string {
  return s.endsWith(' \\') ? s.slice(0, -2) : s;
}

/**
 * Every failed check in a test_progs log, in order. Continuation lines (mail wrapping, a CHECK
 * format without `\n`) are joined to the message until it is complete or a known line starts.
 * `firstLineNo` maps log indexes back to input lines when the caller knows them.
 */
export function extractAssertions(log: readonly string[], lineNos?: readonly number[]): Assertion[] {
  const out: Assertion[] = [];
  for (let i = 0; i < log.length; i++) {
    const line = (log[i] ?? '').trim();
    const fail = ASSERT_FAIL.exec(line);
    if (fail) {
      const func = fail[1] ?? '';
      let rest = stripWrapMark(fail[2] ?? '');
      const pieces = [rest];
      let j = i + 1;
      for (; j < log.length && j <= i + MAX_CONTINUATION; j++) {
        const next = (log[j] ?? '').trim();
        if (next === '' || KNOWN_LINE.test(next) || TP_RESULT.test(next) || ASSERT_PASS.test(next)) break;
        const joined = flat(rest);
        const split = splitTag(joined);
        const complete = split !== undefined && isComplete(split.message);
        const errnoTail = complete && /unexpected error: -?\d+$/.test(joined) && ERRNO_TAIL.test(next);
        if (complete && !errnoTail) break;
        if (split === undefined && CHECK_FAIL_REST.test(rest)) break;
        pieces.push(stripWrapMark(next));
        rest = pieces.join('\n');
      }
      const a = fromFailLine(func, pieces.join(' '), pieces.length > 1);
      const lineNo = lineNos?.[i];
      if (lineNo !== undefined) a.inputLine = lineNo;
      out.push(a);
      i = j - 1;
      continue;
    }
    const expect = LOADER_EXPECT.exec(line);
    if (expect && expect[1] !== 'MATCHED') {
      const a: Assertion = {
        kind: 'verifier',
        tag: `${expect[2] ?? 'MSG'}`.toLowerCase(),
        message: line,
        expected: expect[3] ?? '',
      };
      const lineNo = lineNos?.[i];
      if (lineNo !== undefined) a.inputLine = lineNo;
      out.push(a);
      continue;
    }
    const retval = LOADER_RETVAL.exec(line);
    if (retval) {
      out.push({
        kind: 'verifier',
        tag: 'retval',
        message: line,
        actual: retval[1] ?? '',
        expected: retval[2] ?? '',
        relation: '!=',
      });
    }
  }
  return out;
}

const TV_EXP = /^EXP: ?(.*)$/;
const TV_RES = /^RES: ?(.*)$/;
const TV_RETVAL = /FAIL retval (-?\d+) != (-?\d+)/;

/** test_verifier failure details: `Unexpected error message!` + `EXP:` / `RES:`, retval mismatches. */
export function extractVerifierAssertions(resultLine: string, log: readonly string[]): Assertion[] {
  const out: Assertion[] = [];
  const rv = TV_RETVAL.exec(resultLine);
  if (rv) {
    out.push({
      kind: 'verifier',
      tag: 'retval',
      message: `retval ${rv[1]} != ${rv[2]}`,
      actual: rv[1] ?? '',
      expected: rv[2] ?? '',
      relation: '!=',
    });
  }
  for (let i = 0; i < log.length; i++) {
    const line = (log[i] ?? '').trim();
    if (line.startsWith('Unexpected ') || line.startsWith('Failed to load prog')) {
      // `Unexpected error message!` -> tag "error message"; the EXP/RES pair that follows is the data.
      const tag = line.replace(/^Unexpected /, '').replace(/!$/, '');
      const a: Assertion = { kind: 'verifier', tag, message: line };
      const exp = TV_EXP.exec((log[i + 1] ?? '').trim());
      const res = TV_RES.exec((log[i + 2] ?? '').trim());
      if (exp && res) {
        a.expected = exp[1] ?? '';
        a.actual = res[1] ?? '';
        a.message = `expected "${a.expected}", got "${a.actual}"`;
        i += 2;
      }
      out.push(a);
    }
  }
  return out;
}
