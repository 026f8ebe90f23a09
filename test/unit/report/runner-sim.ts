// What the Actions runner does with a step's stdout and stderr, after actions/runner
// (https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs and
// src/Runner.Common/ActionCommand.cs): lines split on CR/LF, `::name props::data` parsed at the
// start of a line left-trimmed by .NET's String.TrimStart() (Char.IsWhiteSpace: Unicode Zs, Zl, Zp,
// U+0009-U+000D, U+0085, U+00A0), legacy `##[name props]data` anywhere in a line, and nothing
// processed between ::stop-commands::TOKEN and ::TOKEN::. Tests feed our output through it to see
// exactly which commands GitHub would run.
const REGISTERED = new Set([
  'error',
  'warning',
  'notice',
  'debug',
  'group',
  'endgroup',
  'add-mask',
  'stop-commands',
  'set-output',
  'set-env',
  'add-path',
  'save-state',
  'echo',
  'add-matcher',
  'remove-matcher',
]);

export interface ParsedCommand {
  name: string;
  properties: Record<string, string>;
  data: string;
}

const unescapeData = (s: string): string =>
  s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
const unescapeProperty = (s: string): string =>
  s
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');

/** .NET's Char.IsWhiteSpace, written from its documentation (not from the code under test). */
export const DOTNET_SPACE = /[\p{Zs}\p{Zl}\p{Zp}\t\n\v\f\r\u0085\u00a0]/u;
const DOTNET_TRIM_START = /^[\p{Zs}\p{Zl}\p{Zp}\t\n\v\f\r\u0085\u00a0]+/u;
const DOTNET_TRIM =
  /^[\p{Zs}\p{Zl}\p{Zp}\t\n\v\f\r\u0085\u00a0]+|[\p{Zs}\p{Zl}\p{Zp}\t\n\v\f\r\u0085\u00a0]+$/gu;

export function parseV2(line: string): ParsedCommand | undefined {
  const message = line.replace(DOTNET_TRIM_START, '');
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!REGISTERED.has(name.toLowerCase())) return undefined;
  const properties: Record<string, string> = {};
  if (space > 0) {
    for (const prop of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter((p) => p !== '')) {
      const eq = prop.indexOf('=');
      if (eq > 0 && eq < prop.length - 1)
        properties[prop.slice(0, eq)] = unescapeProperty(prop.slice(eq + 1));
    }
  }
  return { name: name.toLowerCase(), properties, data: unescapeData(message.slice(end + 2)) };
}

export function parseLegacy(line: string): ParsedCommand | undefined {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const end = line.indexOf(']', start);
  if (end < 0) return undefined;
  const info = line.slice(start + 3, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!REGISTERED.has(name.toLowerCase())) return undefined;
  return { name: name.toLowerCase(), properties: {}, data: line.slice(end + 1) };
}

/** Every command the runner would execute for this stdout, in order. */
export function runnerCommands(stdout: string): ParsedCommand[] {
  const out: ParsedCommand[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    if (stopToken !== undefined) {
      if (line.replace(DOTNET_TRIM, '').toLowerCase() === `::${stopToken}::`.toLowerCase())
        stopToken = undefined;
      continue;
    }
    const command = parseV2(line) ?? parseLegacy(line);
    if (!command) continue;
    if (command.name === 'stop-commands') stopToken = command.data;
    else out.push(command);
  }
  return out;
}
