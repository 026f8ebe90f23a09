// The ONE place in the repository that builds GitHub workflow command lines (`::name k=v::data`).
// Every other module calls formatCommand()/stopCommands() so that escaping is written, reviewed and
// tested once. Escaping follows actions/toolkit command.ts and the runner's unescaping
// (ActionCommand.cs): '%' first, then CR and LF; property values also ':' and ','.
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
