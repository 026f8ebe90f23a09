// Writes packages/model/results.schema.json, the published JSON schema of results.json, from the
// zod model. --check: fail if the committed file differs (run in CI like check-dist).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsJsonSchema } from '@bpf-ci/model';

const file = join(import.meta.dirname, '..', 'packages', 'model', 'results.schema.json');
const text = `${JSON.stringify(resultsJsonSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  const committed = readFileSync(file, 'utf8');
  if (committed !== text) {
    process.stderr.write(`${file} is stale: run 'npm run build:schema' and commit it.\n`);
    process.exit(1);
  }
  process.stderr.write('results.schema.json is up to date\n');
} else {
  writeFileSync(file, text);
}
