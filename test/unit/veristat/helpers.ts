// Reading the real veristat samples (test/fixtures/samples, byte-for-byte copies) and deriving
// variants of them by editing one line, so every scenario starts from real veristat output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SAMPLES = join(import.meta.dirname, '..', '..', 'fixtures', 'samples');

export function sample(name: string): string {
  return readFileSync(join(SAMPLES, name), 'utf8');
}

export const BASELINE_2026 = 'veristat-csv-2026-baseline.csv';
export const PATCHED_2026 = 'veristat-csv-2026-patched.csv';
export const SESSION_2022 = 'veristat-session-2022-v6.1-table-csv-compare.txt';

/**
 * The lines the 2022 mail shows after `$ cat <file>` (a CSV), without the two spaces of indentation
 * the commit message added. Ends at the first blank line.
 */
export function csvFromSession(file: string): string {
  const lines = sample(SESSION_2022).split('\n');
  const start = lines.findIndex((l) => l.trim() === `$ cat ${file}`);
  if (start < 0) throw new Error(`no 'cat ${file}' in the session sample`);
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    out.push(line.replace(/^ {2}/, ''));
  }
  return `${out.join('\n')}\n`;
}

/** Replaces the CSV row of program `prog` with `row` (or removes it when row is undefined). */
export function editRow(csv: string, prog: string, row?: string): string {
  const lines = csv.split('\n');
  const i = lines.findIndex((l) => l.split(',')[1] === prog);
  if (i < 0) throw new Error(`no row for ${prog}`);
  if (row === undefined) lines.splice(i, 1);
  else lines[i] = row;
  return lines.join('\n');
}
