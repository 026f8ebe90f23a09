// One veristat run (a CSV or a table) as data, built from header + rows whichever form they came in.
import { INSN_LIMIT, statForHeader } from './stats.ts';

export type Verdict = 'success' | 'failure';

/** One program's line of veristat output. */
export interface ProgramStats {
  file: string;
  prog: string;
  verdict?: Verdict;
  /** Numeric stats by stat id (`insns`, `states`, ...) or, for a column we do not know, its header. */
  values: Record<string, number>;
  /** Text stats (`prog_type`, `attach_type`) and unknown non-numeric columns. */
  text: Record<string, string>;
  /** 1-based line in the input. */
  line: number;
}

/** Something in the input we could not take as it was. The run is then partial (`complete: false`). */
export interface ParseProblem {
  line?: number;
  message: string;
}

/** A parse result (a run, a compare): its problems, and whether it is whole. */
interface Checked {
  problems: ParseProblem[];
  complete: boolean;
}

/** Problems found before the rows were read (the CSV's own syntax) come first and make `result` partial. */
export function withEarlierProblems<T extends Checked>(result: T, problems: readonly ParseProblem[]): T {
  if (problems.length > 0) {
    result.problems.unshift(...problems);
    result.complete = false;
  }
  return result;
}

/** A table without its closing underline may be cut after its last row: said, and `result` is partial. */
export function unlessClosed<T extends Checked>(
  result: T,
  table: { closed: boolean; headerLine: number },
  message: string,
): T {
  if (!table.closed) {
    result.problems.push({ line: table.headerLine, message });
    result.complete = false;
  }
  return result;
}

export interface VeristatRun {
  format: 'csv' | 'table';
  /** Stat ids of the columns, in input order (unknown columns by their header). */
  columns: string[];
  /** Columns this parser does not know (a newer veristat): compared if numeric, otherwise kept as text. */
  unknownColumns: string[];
  programs: ProgramStats[];
  problems: ParseProblem[];
  /** False when a problem lost data: a cut row, a bad cell, a duplicate, an unterminated table. */
  complete: boolean;
}

/** Input that is not veristat output at all, or misses the columns that identify a program. */
export class VeristatFormatError extends Error {
  override name = 'VeristatFormatError';
}

export interface RawRow {
  cells: string[];
  line: number;
}

export function programKey(p: { file: string; prog: string }): string {
  return `${p.file}/${p.prog}`;
}

/** veristat prints integers only (`%ld`); anything else in a numeric column is a broken cell. */
export function parseInteger(cell: string): number | undefined {
  return /^[+-]?\d+$/.test(cell) ? Number(cell) : undefined;
}

export function isAtInsnLimit(p: ProgramStats): boolean {
  return p.values['insns'] === INSN_LIMIT;
}

/** The header's columns: each one's stat (undefined: unknown to bpf-ci) and the key columns. */
interface Layout {
  width: number;
  stats: ReturnType<typeof statForHeader>[];
  columns: string[];
  fileCol: number;
  progCol: number;
}

/**
 * Turns header + rows into a run. Rows are checked one by one: a row with too few cells, a
 * non-numeric cell or a repeated program is reported as a problem and never silently misread.
 */
export function buildRun(
  format: VeristatRun['format'],
  headers: string[],
  rows: RawRow[],
  headerLine = 1,
): VeristatRun {
  const layout = readHeader(headers, headerLine);
  const run: VeristatRun = {
    format,
    columns: layout.columns,
    unknownColumns: headers.filter((_, i) => layout.stats[i] === undefined).map((h) => h.trim()),
    programs: [],
    problems: [],
    complete: true,
  };
  const problem = (line: number, message: string): void => {
    run.problems.push({ line, message });
    run.complete = false;
  };
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const program = readProgram(row, layout, firstLineOf, problem);
    if (program) run.programs.push(program);
  }
  return run;
}

/** The columns of a header of one veristat run; a header that is not one is a VeristatFormatError. */
function readHeader(headers: string[], headerLine: number): Layout {
  const stats = headers.map((h) => statForHeader(h));
  const columns = headers.map((h, i) => stats[i]?.id ?? h.trim());
  const fileCol = columns.indexOf('file');
  const progCol = columns.indexOf('prog');
  if (fileCol < 0 || progCol < 0) {
    throw new VeristatFormatError(
      `line ${headerLine}: the header '${headers.join(',')}' has no ${fileCol < 0 ? 'file_name' : 'prog_name'} column; ` +
        `veristat output always starts with file_name,prog_name (table: File, Program)`,
    );
  }
  if (headers.some((h) => /\((A|B|DIFF)\)\s*$|_(base|comp|diff)$/i.test(h.trim()))) {
    throw new VeristatFormatError(
      `line ${headerLine}: this is 'veristat -C' compare output, not the output of one run; ` +
        'use parseCompareOutput() or pass the two runs it was made from',
    );
  }
  const seen = new Map<string, number>();
  for (const [i, c] of columns.entries()) {
    const first = seen.get(c);
    if (first !== undefined) {
      throw new VeristatFormatError(`line ${headerLine}: columns ${first + 1} and ${i + 1} both hold '${c}'`);
    }
    seen.set(c, i);
  }
  return { width: headers.length, stats, columns, fileCol, progCol };
}

/** One row as a program, or undefined (with a problem said) when the row cannot be one. */
function readProgram(
  row: RawRow,
  layout: Layout,
  firstLineOf: Map<string, number>,
  problem: (line: number, message: string) => void,
): ProgramStats | undefined {
  if (row.cells.length !== layout.width) {
    problem(
      row.line,
      `row has ${row.cells.length} fields, the header has ${layout.width}: the output is cut or a name contains ','; row left out`,
    );
    return undefined;
  }
  const file = row.cells[layout.fileCol]?.trim() ?? '';
  const prog = row.cells[layout.progCol]?.trim() ?? '';
  if (file === '' || prog === '') {
    problem(row.line, 'row has an empty file or program name; row left out');
    return undefined;
  }
  const key = programKey({ file, prog });
  const earlier = firstLineOf.get(key);
  if (earlier !== undefined) {
    problem(row.line, `${key} appears again (first on line ${earlier}); the repeat is left out`);
    return undefined;
  }
  firstLineOf.set(key, row.line);
  const program: ProgramStats = { file, prog, values: {}, text: {}, line: row.line };
  for (const [i, rawCell] of row.cells.entries()) {
    readCell(program, rawCell.trim(), layout.stats[i], layout.columns[i] ?? '', (message) =>
      problem(row.line, `${key}: ${message}`),
    );
  }
  return program;
}

/** One cell into the program, by its column's kind; a cell of the wrong kind is a problem. */
function readCell(
  program: ProgramStats,
  cell: string,
  stat: ReturnType<typeof statForHeader>,
  column: string,
  problem: (message: string) => void,
): void {
  if (stat?.kind === 'key') return;
  if (stat?.kind === 'verdict') {
    if (cell === 'success' || cell === 'failure') program.verdict = cell;
    else problem(`verdict '${cell}' is neither success nor failure; verdict left out`);
  } else if (stat?.kind === 'number') {
    const n = parseInteger(cell);
    if (n === undefined) problem(`${column} '${cell}' is not an integer; value left out`);
    else program.values[column] = n;
  } else if (stat?.kind === 'text') {
    program.text[column] = cell;
  } else {
    // A column bpf-ci does not know: a number when it reads as one, else text.
    const n = parseInteger(cell);
    if (n === undefined) program.text[column] = cell;
    else program.values[column] = n;
  }
}
