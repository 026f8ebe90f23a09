// The ONE place in the repository that builds GitHub workflow command lines (`::name k=v::data`).
// Every other module calls formatCommand()/stopCommands() so that escaping is written, reviewed and
// tested once. Escaping follows actions/toolkit command.ts and the runner's unescaping
// (https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs):
// '%' first, then CR and LF; property values also ':' and ','.
import { randomBytes } from 'node:crypto';

/** Properties of a workflow command; undefined and empty values are left out, as the toolkit does. */
export type CommandProperties = Record<string, string | number | undefined>;

const COMMAND_NAME = /^[a-z][a-z-]*$/;

/** Escape a command's message (data) part. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escape a property value: data escaping plus ':' and ',' which separate properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command line, without the trailing newline. */
export function formatCommand(name: string, properties: CommandProperties, message: string): string {
  if (!COMMAND_NAME.test(name)) throw new Error(`not a workflow command name: ${JSON.stringify(name)}`);
  // The runner trims the property list, so a value's edge whitespace could not survive the trip;
  // trim it here so what we send is what GitHub shows.
  const props = Object.entries(properties)
    .map(([key, value]): [string, string] => [key, value === undefined ? '' : String(value).trim()])
    .filter((entry) => entry[1] !== '')
    .map(([key, value]) => {
      if (!COMMAND_NAME.test(key.toLowerCase()))
        throw new Error(`not a property name: ${JSON.stringify(key)}`);
      return `${key}=${escapeProperty(value)}`;
    });
  return `::${name}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(message)}`;
}

/** A token nobody can guess, for ::stop-commands:: (128 random bits, hex). */
export function newStopToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Text we do not control, framed so the runner interprets none of it as a command: the runner stops
 * processing commands (both `::cmd::` and legacy `##[cmd]`) until a line equal to `::TOKEN::`.
 * Returns the full block, ending with a newline.
 */
export function stopCommands(text: string, token: string): string {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(token))
    throw new Error('stop-commands token must be 16+ random characters');
  if (text.includes(token))
    throw new Error('untrusted text contains the stop-commands token; use a new token');
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${formatCommand('stop-commands', {}, token)}\n${body}::${token}::\n`;
}

/**
 * True when `text` could hold a workflow command anywhere: `::` or the legacy `##[`. The runner
 * trims each line with .NET's String.TrimStart() before looking for `::`, and .NET's white space
 * (Char.IsWhiteSpace) is wider than JavaScript's `\s` (it has U+0085 NEL), and it splits lines on
 * more than LF. So rather than reproduce the trim, any text holding either marker ANYWHERE takes
 * the untrusted path (stopCommands).
 */
export function mayHoldCommand(text: string): boolean {
  return text.includes('::') || text.includes('##[');
}

/**
 * JSON text with the same value but no `::` and no `##[` (written `:\u003a` and `#\u0023[` inside
 * its strings, the only place either can occur), so printing it inside an Actions step can neither
 * run a command nor need framing: the output stays valid JSON for whatever reads it.
 */
export function jsonWithoutCommands(json: string): string {
  return json.replaceAll('##[', '#\\u0023[').replaceAll('::', ':\\u003a');
}

/**
 * Every character .NET's Char.IsWhiteSpace() accepts (Unicode categories Zs, Zl, Zp, plus U+0009-
 * U+000D, U+0085 and U+00A0): what String.TrimStart() removes before the runner looks for `::`.
 * https://learn.microsoft.com/dotnet/api/system.char.iswhitespace
 */
export const DOTNET_WHITESPACE: readonly string[] = [
  ...'\t\n\v\f\r \u0085\u00a0\u1680',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
];

const DOTNET_TRIM_START = new RegExp(`^[${DOTNET_WHITESPACE.join('')}]+`);

/**
 * What the runner does with one line of a step's output: .NET TrimStart(), then a `::name` command
 * or a legacy `##[name]` command. Returns the command name, or undefined for plain text. The runner
 * splits output into lines on LF (a CR before it is dropped); callers split likewise.
 */
export function runnerCommandName(line: string): string | undefined {
  const trimmed = line.replace(DOTNET_TRIM_START, '');
  const modern = /^::([^\s:]+)/u.exec(trimmed);
  if (modern) return modern[1];
  const legacy = /##\[([^\]]+)\]/.exec(trimmed);
  return legacy ? legacy[1] : undefined;
}
