// The quarantine file (.github/bpf-ci-quarantine.yml): tests that still run, but whose failures are
// warnings in a section of their own instead of failing the job, each with a reason, a link, an owner
// and an end date. A kernel splat or crash is never quarantined, an expired entry stops working and
// says so by name, and an entry that matches nothing is reported.
import type { BinaryResult, QuarantineMark, QuarantineReport, Run, TestCase } from '@bpf-ci/model';
import { locateYamlNode } from '@bpf-ci/matrix';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { selectorMatches } from './selector.ts';
import { matchesVariant, Variant, variantOf } from './variant.ts';

export const DEFAULT_QUARANTINE_PATH = '.github/bpf-ci-quarantine.yml';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export const QuarantineEntry = z
  .object({
    /** "test" or "test/subtest"; `*` and `?` are globs. */
    test: z
      .string()
      .min(1)
      .refine((s) => !/[\n,]/.test(s), { message: 'a selector names one test: no commas or newlines' }),
    variants: z.array(Variant).min(1).optional(),
    reason: z.string().min(1),
    link: z.url({ protocol: /^https?$/ }),
    owner: z.string().min(1),
    expires: z
      .string()
      .regex(ISO_DAY, 'expires is a day written YYYY-MM-DD')
      .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), { message: 'not a calendar day' }),
  })
  .strict();
export type QuarantineEntry = z.infer<typeof QuarantineEntry>;

export const QuarantineFile = z.object({ quarantine: z.array(QuarantineEntry) }).strict();
export type QuarantineFile = z.infer<typeof QuarantineFile>;

export interface QuarantineIssue {
  file: string;
  line: number;
  column: number;
  message: string;
  fix: string;
}

export class QuarantineFileError extends Error {
  readonly issues: QuarantineIssue[];
  constructor(issues: QuarantineIssue[]) {
    super(issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}\n  fix: ${i.fix}`).join('\n'));
    this.name = 'QuarantineFileError';
    this.issues = issues;
  }
}

const EXAMPLE_ENTRY =
  'quarantine:\n  - test: netcnt\n    reason: ...\n    link: https://lore.kernel.org/bpf/...\n    owner: name@example.org\n    expires: 2026-12-31';

function fixFor(issue: z.core.$ZodIssue): string {
  const field = String(issue.path.at(-1) ?? '');
  if (issue.code === 'unrecognized_keys')
    return `remove ${issue.keys.map((k) => `'${k}'`).join(', ')}: an entry has test, variants, reason, link, owner, expires; a variant has arch, toolchain, runner, accelerator`;
  if (issue.code === 'invalid_type' && issue.input === undefined)
    return `add '${field}:' to the entry (every entry needs test, reason, link, owner and expires)`;
  switch (field) {
    case 'expires':
      return 'write the last day it applies, as YYYY-MM-DD (e.g. 2026-12-31)';
    case 'link':
      return 'link the issue or the lore.kernel.org thread: an http(s) URL';
    case 'accelerator':
      return 'write kvm or tcg';
    case 'quarantine':
      return `start the file with a list of entries:\n${EXAMPLE_ENTRY}`;
    default:
      return issue.path.length === 0
        ? `the file holds one key, quarantine:\n${EXAMPLE_ENTRY}`
        : `fix ${field}`;
  }
}

/** Parse and validate quarantine YAML; every problem names the line, the column and the fix. */
export function parseQuarantine(text: string, file = DEFAULT_QUARANTINE_PATH): QuarantineFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number): { line: number; column: number } => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  if (doc.errors.length > 0) {
    throw new QuarantineFileError(
      doc.errors.map((e) => ({
        file,
        ...pos(e.pos[0]),
        message: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}`,
        fix:
          e.code === 'DUPLICATE_KEY'
            ? 'remove one of the two keys'
            : 'check the indentation and quoting here (a value holding ": " or "#" needs quotes)',
      })),
    );
  }
  const parsed = QuarantineFile.safeParse(doc.toJS() ?? { quarantine: [] });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const { node, key } = locateYamlNode(doc, issue.path);
    const where =
      issue.code === 'unrecognized_keys'
        ? locateYamlNode(doc, [...issue.path, issue.keys[0] ?? '']).key
        : undefined;
    const at = pos((where ?? node ?? key)?.range?.[0] ?? 0);
    const name = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    const message = missing
      ? `${name.replace(/\.[^.[]+$/, '') || 'the file'}: missing '${String(issue.path.at(-1))}'`
      : `${name || 'the file'}: ${issue.message}`;
    return { file, ...at, message, fix: fixFor(issue) };
  });
  throw new QuarantineFileError(issues.sort((a, b) => a.line - b.line || a.column - b.column));
}

/** Whether the entry still quarantines on `today` (YYYY-MM-DD): it does through its expiry day. */
export function isExpired(entry: QuarantineEntry, today: string): boolean {
  return entry.expires < today;
}

function mark(entry: QuarantineEntry): QuarantineMark {
  return {
    selector: entry.test,
    reason: entry.reason,
    owner: entry.owner,
    link: entry.link,
    expires: entry.expires,
  };
}

/** Why this failing test must not be quarantined: it crashed, or the kernel splatted while it ran. */
function refusal(result: BinaryResult, key: string, test: TestCase): string | undefined {
  if (test.status === 'error') return `it crashed${test.reason ? ` (${test.reason})` : ''}`;
  const parent = key.split('/')[0] ?? key;
  const splat = result.events.find(
    (e) =>
      e.kind === 'panic' ||
      e.test === undefined ||
      e.test === key ||
      e.test === parent ||
      e.test.startsWith(`${parent}/`),
  );
  return splat ? `the kernel reported ${splat.kind} (${splat.title}) while it ran` : undefined;
}

export interface QuarantineOutcome {
  run: Run;
  report: QuarantineReport;
}

/**
 * Mark the failures the file's active entries cover as quarantined (a warning that does not fail
 * the job). Pure: returns a new Run. `today` is YYYY-MM-DD.
 */
export function applyQuarantine(
  run: Run,
  file: QuarantineFile,
  today: string,
  fileName = DEFAULT_QUARANTINE_PATH,
): QuarantineOutcome {
  const variant = variantOf(run.context);
  const report: QuarantineReport = { file: fileName, expired: [], unmatched: [], refused: [] };
  const active: QuarantineEntry[] = [];
  for (const entry of file.quarantine) {
    if (!matchesVariant(variant, entry.variants)) continue; // another variant's entry
    if (isExpired(entry, today)) {
      report.expired.push({ selector: entry.test, expires: entry.expires, owner: entry.owner });
    } else active.push(entry);
  }
  const matched = new Set<QuarantineEntry>();
  const binaries = run.binaries.map((result) => {
    const tests = result.tests.map((test) => {
      const entryFor = (key: string): QuarantineEntry | undefined => {
        const hits = active.filter((e) => selectorMatches(e.test, key));
        for (const h of hits) matched.add(h);
        return hits[0];
      };
      const decide = (key: string, t: TestCase): TestCase => {
        const entry = entryFor(key);
        if (!entry || (t.status !== 'fail' && t.status !== 'error')) return t;
        const why = refusal(result, key, t);
        if (why) {
          report.refused.push({ key, selector: entry.test, why });
          return t;
        }
        return { ...t, quarantined: mark(entry) };
      };
      const subtests = test.subtests.map((s) => decide(`${test.name}/${s.name}`, s));
      let parent = decide(test.name, { ...test, subtests });
      const failedSubs = subtests.filter((s) => s.status === 'fail' || s.status === 'error');
      // A parent failed only because of quarantined subtests is quarantined with them.
      const firstMark = failedSubs[0]?.quarantined;
      if (
        !parent.quarantined &&
        parent.status === 'fail' &&
        firstMark &&
        parent.assertions.length === 0 &&
        failedSubs.every((s) => s.quarantined)
      ) {
        parent = { ...parent, quarantined: firstMark };
      }
      return parent;
    });
    return { ...result, tests };
  });
  report.unmatched = active.filter((e) => !matched.has(e)).map((e) => e.test);
  return { run: { ...run, binaries, quarantine: report }, report };
}
