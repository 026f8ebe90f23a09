// `veristat -C base.csv comp.csv` output, as a table or with `-o csv` (veristat.c in tools/testing/selftests/bpf/, its `-C` mode).
// A is the first file (base), B the second; DIFF is B - A as `%+ld (%+.2lf%%)`, or MATCH/MISMATCH.
import { readCsv } from './csv.ts';
import {
  parseInteger,
  programKey,
  unlessClosed,
  VeristatFormatError,
  withEarlierProblems,
  type ParseProblem,
  type Verdict,
} from './run.ts';
import { formatPct } from './diff.ts';
import { statById, statForHeader } from './stats.ts';
import { findTables } from './text-table.ts';

export interface NumericDiff {
  abs: number;
  pct: number;
}

/** One stat of one program: each side is null where veristat printed N/A (program on one side only). */
export interface CompareCell {
  base: number | string | null;
  comp: number | string | null;
  /** Numbers: the parsed diff; verdict: MATCH/MISMATCH; null for N/A. */
  diff: NumericDiff | 'MATCH' | 'MISMATCH' | null;
  /** The DIFF cell exactly as printed. */
  diffText: string;
}

export interface CompareRow {
  file: string;
  prog: string;
  line: number;
  stats: Record<string, CompareCell>;
}

export interface CompareOutput {
  format: 'csv' | 'table';
  /** Stat ids in column order (unknown stats by their header text). */
  stats: string[];
  rows: CompareRow[];
  problems: ParseProblem[];
  complete: boolean;
}

const DIFF_CELL = /^(?<abs>[+-]\d+) \((?<pct>[+-]\d+\.\d{2})%\)$/;
const TABLE_SUFFIX = /^(?<name>.*?)\s*\((?<side>A|B|DIFF)\)$/;
const CSV_SUFFIX = /^(?<name>.*)_(?<side>base|comp|diff)$/;
const SIDE = { A: 'base', B: 'comp', DIFF: 'diff', base: 'base', comp: 'comp', diff: 'diff' } as const;

/** veristat's own rendering of a numeric DIFF cell, to compare our diff with its output. */
export function formatDiffCell(abs: number, pct: number): string {
  const sign = (n: number): string => (n < 0 ? '-' : '+');
  return `${sign(abs)}${Math.abs(abs)} (${formatPct(pct)})`;
}

/** Every compare table in `text`, or the compare CSV if there is no table. */
export function parseCompareOutput(text: string): CompareOutput[] {
  const all = findTables(text);
  // A mail or log may show run tables next to the compare table; only the latter are wanted here.
  const tables = all.filter((t) => t.headers.some((h) => TABLE_SUFFIX.test(h.trim())));
  if (all.length > 0 && tables.length === 0) {
    throw new VeristatFormatError(
      `line ${all[0]?.headerLine}: this is the table of one veristat run, not 'veristat -C' output (no (A)/(B)/(DIFF) columns)`,
    );
  }
  if (tables.length > 0) {
    return tables.map((t) =>
      unlessClosed(
        buildCompare('table', t.headers, t.rows, t.headerLine),
        t,
        'the compare table has no closing underline: it may be cut',
      ),
    );
  }
  const csv = readCsv(text);
  return [withEarlierProblems(buildCompare('csv', csv.headers, csv.rows, csv.headerLine), csv.problems)];
}

interface Column {
  stat: string;
  side: 'key' | 'base' | 'comp' | 'diff';
}

function classify(format: CompareOutput['format'], header: string, headerLine: number): Column {
  const key = statForHeader(header);
  if (key?.kind === 'key') return { stat: key.id, side: 'key' };
  const m = (format === 'table' ? TABLE_SUFFIX : CSV_SUFFIX).exec(header.trim());
  if (!m?.groups) {
    throw new VeristatFormatError(
      `line ${headerLine}: column '${header}' has no ${format === 'table' ? '(A)/(B)/(DIFF)' : '_base/_comp/_diff'} suffix: this is not veristat -C output`,
    );
  }
  const name = m.groups['name'] ?? '';
  const side = SIDE[m.groups['side'] as keyof typeof SIDE];
  return { stat: statForHeader(name)?.id ?? name.trim(), side };
}

function buildCompare(
  format: CompareOutput['format'],
  headers: string[],
  rows: { cells: string[]; line: number }[],
  headerLine: number,
): CompareOutput {
  const columns = headers.map((h) => classify(format, h, headerLine));
  const fileCol = columns.findIndex((c) => c.stat === 'file');
  const progCol = columns.findIndex((c) => c.stat === 'prog');
  if (fileCol < 0 || progCol < 0) {
    throw new VeristatFormatError(`line ${headerLine}: compare output without file and program columns`);
  }
  const stats = [...new Set(columns.filter((c) => c.side !== 'key').map((c) => c.stat))];
  const out: CompareOutput = { format, stats, rows: [], problems: [], complete: true };
  const problem = (line: number, message: string): void => {
    out.problems.push({ line, message });
    out.complete = false;
  };
  const seen = new Set<string>();
  for (const row of rows) {
    if (row.cells.length !== headers.length) {
      problem(row.line, `row has ${row.cells.length} fields, the header has ${headers.length}; row left out`);
      continue;
    }
    const file = row.cells[fileCol]?.trim() ?? '';
    const prog = row.cells[progCol]?.trim() ?? '';
    const key = programKey({ file, prog });
    if (seen.has(key)) {
      problem(row.line, `${key} appears again; the repeat is left out`);
      continue;
    }
    seen.add(key);
    const result: CompareRow = { file, prog, line: row.line, stats: {} };
    for (const stat of stats) result.stats[stat] = { base: null, comp: null, diff: null, diffText: '' };
    for (const [i, col] of columns.entries()) {
      const cell = result.stats[col.stat];
      const text = row.cells[i]?.trim() ?? '';
      if (!cell || col.side === 'key') continue;
      if (col.side === 'diff') {
        cell.diffText = text;
        const diff = parseDiff(text);
        if (diff === undefined) {
          problem(row.line, `${key}: ${col.stat} diff '${text}' is not N/A, MATCH, MISMATCH or '+N (+P%)'`);
        } else cell.diff = diff;
      } else {
        const value = parseValue(col.stat, text);
        if (value === undefined) problem(row.line, `${key}: ${col.stat} '${text}' is not a valid value`);
        else cell[col.side] = value;
      }
    }
    out.rows.push(result);
  }
  return out;
}

function parseDiff(text: string): CompareCell['diff'] | undefined {
  if (text === 'N/A') return null;
  if (text === 'MATCH' || text === 'MISMATCH') return text;
  const m = DIFF_CELL.exec(text);
  if (!m?.groups) return undefined;
  return { abs: Number(m.groups['abs']), pct: Number(m.groups['pct']) };
}

function parseValue(stat: string, text: string): number | string | null | undefined {
  if (text === 'N/A') return null;
  const def = statById(stat);
  if (def?.kind === 'verdict')
    return text === 'success' || text === 'failure' ? (text satisfies Verdict) : undefined;
  if (def?.kind === 'text') return text;
  return parseInteger(text) ?? (def ? undefined : text);
}
