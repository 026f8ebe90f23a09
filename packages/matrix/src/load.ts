// Read .github/bpf-ci.yml: YAML → schema → Config, or a ConfigError whose every issue names the
// file, the line and column of the offending key or value, what was expected and the fix.
import { ARCHES, ConfigError, type ConfigIssue } from '@bpf-ci/domain';
import { INPUT_LIMITS, readInputFile } from '@bpf-ci/input-file';
import {
  LineCounter,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config, type IssueHelp } from './schema.ts';
import { closest } from './suggest.ts';

export const DEFAULT_CONFIG_PATH = '.github/bpf-ci.yml';

/** Read and validate a config file. A missing file is an error (the defaults need no file). */
export async function loadConfig(path: string, displayName = path): Promise<Config> {
  return parseConfig(
    await readInputFile(path, { maxBytes: INPUT_LIMITS.config, what: 'bpf-ci config' }),
    displayName,
  );
}

/** Validate config text; `file` is the name errors are reported against. */
export function parseConfig(text: string, file = DEFAULT_CONFIG_PATH): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        ...at(e.pos[0]),
        message: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}`,
        ...(e.code === 'DUPLICATE_KEY' ? { fix: 'remove one of the two keys' } : {}),
      })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    throw new ConfigError([aliasIssue(doc, err, at)]);
  }
  const parsed = ConfigSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((issue) => describe(issue, doc, at));
  throw new ConfigError(issues.sort((a, b) => a.line - b.line || a.column - b.column));
}

type At = (offset: number) => { file: string; line: number; column: number };

/** A config has a handful of aliases; thousands of expansions is an alias bomb. */
const MAX_ALIAS_COUNT = 100;

/**
 * The YAML library throws (without a position) on an alias it cannot resolve and on an alias bomb:
 * point at the alias instead, the unresolved one or the first one.
 */
function aliasIssue(doc: Document, err: unknown, at: At): ConfigIssue {
  const aliases: Alias[] = [];
  visit(doc, {
    Alias(_key, node) {
      aliases.push(node);
    },
  });
  const unresolved = aliases.find((a) => a.resolve(doc) === undefined);
  if (unresolved)
    return {
      ...at(offsetOf(unresolved)),
      message: `unresolved alias *${unresolved.source}: no anchor &${unresolved.source} before it`,
      fix: `define &${unresolved.source} on an earlier value, or write the value out`,
    };
  const first = aliases[0];
  if (first && /alias count/i.test(err instanceof Error ? err.message : ''))
    return {
      ...at(offsetOf(first)),
      message: `the aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?)`,
      fix: 'write the values out, or use fewer nested aliases',
    };
  return { ...at(0), message: `not valid YAML: ${err instanceof Error ? err.message : String(err)}` };
}
type Path = readonly PropertyKey[];

interface Located {
  /** The node at the path, or the deepest node that exists on the way to it. */
  node: Node | undefined;
  /** The key node when the path ends at a map entry. */
  key: Node | undefined;
  /** Whether the whole path exists in the document. */
  found: boolean;
}

export function locate(doc: Document, path: Path): Located {
  let node = doc.contents ?? undefined;
  let key: Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (!pair) return { node, key, found: false };
      key = pair.key as Node;
      node = (pair.value ?? pair.key) as Node;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      key = undefined;
      node = node.items[segment] as Node;
    } else {
      return { node, key, found: false };
    }
  }
  return { node, key, found: true };
}

function offsetOf(node: Node | undefined): number {
  return node?.range?.[0] ?? 0;
}

const KIND: Record<string, string> = {
  array: 'a list',
  object: 'a map of key: value',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string '${value}'`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** A path as the user reads it: `tests.default[2]`. */
function pathName(path: Path): string {
  const text = path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('');
  return text === '' ? 'the config' : text;
}

/** Where an issue is in the config file: its node, the value written there, and its position. */
interface IssuePlace {
  doc: Document;
  at: At;
  path: Path;
  where: Located;
  /** The value written at the path (undefined when the key is missing). */
  value: unknown;
  /** The position of the value's node. */
  here: ReturnType<At>;
}

/** A zod issue as the config's author reads it: at its line and column, with what to write. */
function describe(issue: z.core.$ZodIssue, doc: Document, at: At): ConfigIssue[] {
  const path = issue.path;
  const where = locate(doc, path);
  const value: unknown = where.found && where.node ? (where.node.toJSON() as unknown) : undefined;
  const place: IssuePlace = { doc, at, path, where, value, here: at(offsetOf(where.node)) };
  switch (issue.code) {
    case 'unrecognized_keys':
      return unknownKeys(issue.keys, place);
    case 'invalid_type':
      return [wrongType(issue.expected, place)];
    case 'invalid_value':
      return [notAllowed(issue.values.map(String), place)];
    case 'too_small':
      return [outOfRange('small', issue.minimum, issue.origin, place)];
    case 'too_big':
      return [outOfRange('big', issue.maximum, issue.origin, place)];
    case 'invalid_key':
      return [badKeyName(place)];
    case 'custom':
      return [customIssue(issue.message, (issue.params ?? {}) as IssueHelp, place)];
    default:
      return [{ ...place.here, message: `${pathName(path)}: ${issue.message}` }];
  }
}

function unknownKeys(keys: readonly string[], { doc, at, path }: IssuePlace): ConfigIssue[] {
  const known = knownKeys(path);
  return keys.map((k) => {
    const keyNode = locate(doc, [...path, k]).key;
    const guess = closest(k, known);
    return {
      ...at(offsetOf(keyNode)),
      message: `unknown key '${k}'${path.length ? ` in ${pathName(path)}` : ''}`,
      expected: `one of ${known.join(', ')}`,
      fix: guess ? `did you mean '${guess}'?` : `remove '${k}'`,
    };
  });
}

/** A missing key, or a value of the wrong kind, with the edit that usually fixes it. */
function wrongType(expectedKind: string, { path, where, value, here }: IssuePlace): ConfigIssue {
  const expected = KIND[expectedKind] ?? expectedKind;
  if (!where.found) return { ...here, message: `missing key '${pathName(path)}'`, expected };
  let fix: string | undefined;
  if (expectedKind === 'array' && (typeof value === 'string' || typeof value === 'number'))
    fix = `write it as a list: [${String(value)}]`;
  else if (
    (expectedKind === 'number' || expectedKind === 'int') &&
    typeof value === 'string' &&
    /^\d+$/.test(value)
  )
    fix = `remove the quotes: ${value}`;
  else if (expectedKind === 'boolean' && typeof value === 'string')
    fix = 'write true or false, without quotes';
  return { ...here, message: `${pathName(path)} is ${kindOf(value)}`, expected, ...(fix ? { fix } : {}) };
}

/** A value outside an enum (an arch's says so by name). */
function notAllowed(options: string[], { path, value, here }: IssuePlace): ConfigIssue {
  const written = String(value);
  const isArch = options.length === ARCHES.length && ARCHES.every((a) => options.includes(a));
  const guess = closest(written, options);
  return {
    ...here,
    message: isArch ? `unknown arch '${written}'` : `'${written}' is not allowed in ${pathName(path)}`,
    expected: `one of ${options.join(', ')}`,
    fix: guess ? `did you mean '${guess}'?` : `use one of ${options.join(', ')}`,
  };
}

/** A list, string or number too small or too big. */
function outOfRange(
  side: 'small' | 'big',
  limit: unknown,
  origin: string,
  { path, value, here }: IssuePlace,
): ConfigIssue {
  const small = side === 'small';
  if (origin === 'array')
    return {
      ...here,
      message: `${pathName(path)} is ${small ? 'empty' : 'too long'}`,
      expected: `${small ? 'at least' : 'at most'} ${String(limit)} item(s)`,
    };
  if (origin === 'string')
    return { ...here, message: `${pathName(path)} is empty`, expected: 'a non-empty string' };
  return {
    ...here,
    message: `${pathName(path)} is ${String(value)}`,
    expected: `${small ? 'at least' : 'at most'} ${String(limit)}`,
  };
}

/** A map key that cannot name a job or an artifact. */
function badKeyName({ at, path, where }: IssuePlace): ConfigIssue {
  const key = String(path.at(-1));
  return {
    ...at(offsetOf(where.key ?? where.node)),
    message: `'${key}' is not a valid name in ${pathName(path.slice(0, -1))}`,
    expected: 'letters, digits, _ . and - only (it names jobs and artifacts)',
    fix: `write '${key.replace(/[^A-Za-z0-9_.-]+/g, '-')}'`,
  };
}

/** A cross-key check's issue (semanticIssues), pointing at the related place when there is one. */
function customIssue(text: string, h: IssueHelp, { doc, at, where, here }: IssuePlace): ConfigIssue {
  const position = h.atKey && where.key ? at(offsetOf(where.key)) : here;
  let message = text;
  if (h.related) {
    const related = locate(doc, h.related);
    const r = at(offsetOf(related.node));
    message += related.found
      ? ` (${pathName(h.related)} at line ${r.line}, column ${r.column})`
      : ` (${pathName(h.related.slice(0, 1))} from the defaults)`;
  }
  return {
    ...position,
    message,
    ...(h.expected ? { expected: h.expected } : {}),
    ...(h.fix ? { fix: h.fix } : {}),
  };
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  element?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  out?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
}

/** The keys accepted by the strict object at this path of the schema (for "did you mean"). */
function knownKeys(path: Path): string[] {
  let def: SchemaDef | undefined = (ConfigSchema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  const unwrap = () => {
    while (def && (def.innerType || (def.type === 'pipe' && def.out)))
      def = (def.innerType ?? def.out)?._zod.def;
  };
  for (const segment of path) {
    unwrap();
    if (def?.type === 'object') def = def.shape?.[String(segment)]?._zod.def;
    else if (def?.type === 'array') def = def.element?._zod.def;
    else if (def?.type === 'record') def = def.valueType?._zod.def;
    else return [];
  }
  unwrap();
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}
