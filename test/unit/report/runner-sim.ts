// What the Actions runner does with a step's stdout, after actions/runner ActionCommand.cs and
// ActionCommandManager.cs (see formats.md §8.1): lines split on CR/LF, `::name props::data`
// parsed at the start of a (left-trimmed) line, legacy `##[name props]data` anywhere in a line,
// and nothing processed between ::stop-commands::TOKEN and ::TOKEN::. Tests feed our output
// through it to see exactly which commands GitHub would run.
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

export function parseV2(line: string): ParsedCommand | undefined {
  const message = line.trimStart();
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
      if (line.trim().toLowerCase() === `::${stopToken}::`.toLowerCase()) stopToken = undefined;
      continue;
    }
    const command = parseV2(line) ?? parseLegacy(line);
    if (!command) continue;
    if (command.name === 'stop-commands') stopToken = command.data;
    else out.push(command);
  }
  return out;
}
