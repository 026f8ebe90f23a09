// Turns raw input lines into the logical lines the parsers match on. Real logs carry CRLF from
// serial consoles, bare CRs where output interleaved, ANSI colours from CI wrappers, NBSP padding
// and `> ` quoting from mail, GitHub's per-line timestamps and the kselftest `# ` prefix
// (kselftest's TAP output, tools/testing/selftests/kselftest.h, and CI log prefixes). Stateful only for the kselftest prefix, which applies inside a TAP section.

/** One logical line: `text` is kept for logs, `match` (trimmed) is what patterns see. */
export interface LogicalLine {
  text: string;
  match: string;
  /** 1-based physical line in the input. */
  lineNo: number;
  /**
   * The line before a mail quote (`> `) was taken off it: in a -j run it may instead be the rest of
   * a result line cut just before a name's own `> ` ("deny IP_TOS " then "> 128:OK").
   */
  quoted?: string;
}

// Built from strings so no control character appears in a regex literal.
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}(?:\\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])`, 'g');
const GH_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;
/** Lines GitHub's runner or a CI wrapper adds around output (`##[group]`, group and endgroup markers). */
const RUNNER_LINE = /^(?:##\[(?:group|endgroup|section|command)\]|:{2}(?:end)?group:{2})/; // parses the markers; builds no command
const TAP_ENTRY = /^# (?:#\d|Summary: |timeout set to )/;
const TAP_EXIT = /^(?:not )?ok \d+ /;

/** Strip ANSI escapes, NBSP and a GitHub log timestamp; the cheap checks come first. */
export function cleanText(raw: string): string {
  let s = raw;
  if (s.includes(ESC)) s = s.replace(ANSI, '');
  if (s.includes('\u00a0')) s = s.replaceAll('\u00a0', ' ');
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57 && s.length >= 20 && s.charCodeAt(10) === 84) s = s.replace(GH_TIMESTAMP, '');
  return s;
}

function leadingSpace(s: string): number {
  let i = 0;
  while (i < s.length && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
  return i;
}

export class LineNormalizer {
  /** Inside a kselftest TAP section: strip one `# ` from every line. */
  private tap = false;

  /** Normalise one physical line (without its `\n`) into one or more logical lines. */
  process(raw: string, lineNo: number, emit: (line: LogicalLine) => void): void {
    let s = raw;
    if (s.charCodeAt(s.length - 1) === 13) s = s.slice(0, -1);
    if (s.includes('\r')) {
      // A bare CR means two writers shared the line (console printk, progress output): each part
      // is its own line so no result line is lost inside another.
      for (const part of s.split('\r')) if (part !== '') this.one(part, lineNo, emit);
      return;
    }
    this.one(s, lineNo, emit);
  }

  private one(raw: string, lineNo: number, emit: (line: LogicalLine) => void): void {
    let text = cleanText(raw);
    let lead = leadingSpace(text);
    let quoted: string | undefined;
    if (text.charCodeAt(lead) === 62 /* > */) {
      // Mail quoting: `> ` (possibly nested). `>ffff...` (KASAN memory dump) is not a quote.
      let q = lead;
      while (text.charCodeAt(q) === 62 && (text.charCodeAt(q + 1) === 32 || q + 1 === text.length)) {
        q += 2;
        while (text.charCodeAt(q) === 32) q++;
      }
      if (q !== lead) {
        quoted = text;
        text = text.slice(Math.min(q, text.length));
        lead = leadingSpace(text);
      }
    }
    const c = text.charCodeAt(lead);
    if ((c === 35 || c === 58) && RUNNER_LINE.test(text.slice(lead, lead + 16))) return;
    if (c === 35 /* # */) {
      if (text.startsWith('# selftests: ', lead)) {
        // The runner's own header line stays as it is: it names the binary that follows.
        this.tap = true;
      } else {
        if (!this.tap && TAP_ENTRY.test(text.slice(lead, lead + 24))) this.tap = true;
        if (this.tap && (text.charCodeAt(lead + 1) === 32 || lead + 1 === text.length)) {
          text = text.slice(lead + 2);
        }
      }
    } else if (this.tap && (c === 110 || c === 111) && TAP_EXIT.test(text.slice(lead, lead + 8))) {
      this.tap = false;
    } else if (!this.tap && c === 84 && text.startsWith('TAP version', lead)) {
      this.tap = true;
    }
    const last = text.charCodeAt(text.length - 1);
    const trimmed = text.charCodeAt(0) > 32 && last > 32 && last !== 0xa0;
    const line: LogicalLine = { text, match: trimmed ? text : text.trim(), lineNo };
    if (quoted !== undefined) line.quoted = quoted;
    emit(line);
  }
}
