// veristat's table output (tools/testing/selftests/bpf/veristat.c): a header line, a `-` underline per column, rows, the
// underline again, maybe a `Done.` line. Columns come from the underline's dash runs, because
// headers (`Duration (us)`) and, in theory, names contain spaces.

export interface RawTable {
  headers: string[];
  /** 1-based line of the header. */
  headerLine: number;
  rows: { cells: string[]; line: number }[];
  /** False when the table stopped without its closing underline (cut output). */
  closed: boolean;
  /** The `Done. Processed ...` line after the table, if any. Its counts are not trusted. */
  doneLine?: string;
}

const UNDERLINE = /^\s*-+(?: {2}-+)*\s*$/;

/** Every table in `text` (a mail or a log may hold several). */
export function findTables(text: string): RawTable[] {
  const lines = text.split(/\r?\n/);
  const tables: RawTable[] = [];
  let i = 1;
  while (i < lines.length) {
    const underline = lines[i] ?? '';
    const header = lines[i - 1] ?? '';
    if (!UNDERLINE.test(underline) || header.trim() === '') {
      i++;
      continue;
    }
    const spans = dashRuns(underline);
    const table: RawTable = { headers: slice(header, spans), headerLine: i, rows: [], closed: false };
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.replace(/\s+$/, '') === underline.replace(/\s+$/, '')) {
        table.closed = true;
        j++;
        break;
      }
      if (line.trim() === '' || /^\s*Done\. /.test(line)) break;
      table.rows.push({ cells: slice(line, spans), line: j + 1 });
    }
    const next = lines[j]?.trim() ?? '';
    if (next.startsWith('Done. ')) {
      table.doneLine = next;
      j++;
    }
    tables.push(table);
    i = j + 1;
  }
  return tables;
}

function dashRuns(underline: string): [number, number][] {
  return [...underline.matchAll(/-+/g)].map((m) => [m.index, m.index + m[0].length]);
}

/** Cell k runs from its column's start to the next column's start; padding is trimmed. */
function slice(line: string, spans: [number, number][]): string[] {
  return spans.map(([start], k) => {
    const end = spans[k + 1]?.[0];
    return line.slice(start, end).trim();
  });
}
