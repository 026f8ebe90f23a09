// veristat's `-o csv`: printf'd, unquoted, one row per program, no trailer (tools/testing/selftests/bpf/veristat.c).
import { parse } from 'csv-parse/sync';
import { VeristatFormatError, type ParseProblem, type RawRow } from './run.ts';

export interface RawCsv {
  headers: string[];
  headerLine: number;
  rows: RawRow[];
  problems: ParseProblem[];
}

/**
 * Splits veristat CSV into header and rows. Quoting is off: veristat never quotes, so a `"` in a
 * name is a plain character. A last line without its newline may have been cut in the middle of a
 * number, so it is left out and reported rather than compared.
 */
export function readCsv(text: string): RawCsv {
  const records = parse(text, {
    quote: false,
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  const [header, ...body] = records;
  if (header === undefined) throw new VeristatFormatError('the veristat CSV is empty (no header line)');
  if (header.record.length < 2) {
    throw new VeristatFormatError(
      `line ${header.info.lines}: '${header.record.join(',')}' is not a veristat CSV header (expected file_name,prog_name,...)`,
    );
  }
  const problems: ParseProblem[] = [];
  const rows = body.map((r) => ({ cells: r.record, line: r.info.lines }));
  const last = rows.at(-1);
  if (last && !/\n$/.test(text)) {
    rows.pop();
    problems.push({
      line: last.line,
      message: `the file ends without a newline, so its last row '${last.cells.join(',')}' may be cut; row left out`,
    });
  }
  return { headers: header.record, headerLine: header.info.lines, rows, problems };
}
