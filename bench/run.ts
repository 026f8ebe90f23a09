// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints
// one table. Each module's default export returns rows; compare rows as ratios within one run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './bench.ts';

const dir = import.meta.dirname;
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort();

const rows: BenchRow[] = [];
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: () => Promise<BenchRow[]> };
  for (const row of await mod.default()) {
    rows.push(row);
    process.stdout.write(`${row.name}: ${row.value} ${row.unit}${row.note ? `  (${row.note})` : ''}\n`);
  }
}
process.stdout.write(`\n${rows.length} figures from ${files.length} benchmarks on ${process.version}\n`);
