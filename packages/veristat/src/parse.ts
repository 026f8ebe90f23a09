// Entry points for text: a run (CSV or table, detected) and compare output (`-C`, CSV or table).
import { readCsv } from './csv.ts';
import { buildRun, unlessClosed, VeristatFormatError, withEarlierProblems, type VeristatRun } from './run.ts';
import { findTables, type RawTable } from './text-table.ts';

/** A CSV parsed by header name: any veristat version's column set, unknown columns kept. */
export function parseCsv(text: string): VeristatRun {
  const csv = readCsv(text);
  return withEarlierProblems(buildRun('csv', csv.headers, csv.rows, csv.headerLine), csv.problems);
}

/** One table (`veristat obj.o` without `-o csv`). Rows are counted; the `Done.` line is not trusted. */
export function parseTable(table: RawTable): VeristatRun {
  return unlessClosed(
    buildRun('table', table.headers, table.rows, table.headerLine),
    table,
    'the table has no closing underline: the output may be cut after the last row shown',
  );
}

/** veristat output of one run in either form. Text holding several tables is refused (ambiguous). */
export function parseRunText(text: string): VeristatRun {
  const tables = findTables(text);
  if (tables.length > 1) {
    throw new VeristatFormatError(
      `the input holds ${tables.length} veristat tables (lines ${tables.map((t) => t.headerLine).join(', ')}); give one run per file`,
    );
  }
  const [table] = tables;
  return table ? parseTable(table) : parseCsv(text);
}
