// Bundle every action (actions/<name>/src/index.ts, which runs its main.ts) with ncc into
// dist/<name>/index.js.
//   --check       rebuild from a clean dist/ and fail if the result differs from what is committed.
//   --out DIR     bundle into DIR/<name>/ instead of dist/ (the test harness, size measurements).
//   --only NAME   bundle only that action (repeatable).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string', multiple: true, default: [] },
  },
});
const check = values.check;
const outDir = values.out ? resolve(values.out) : join(root, 'dist');
const actionsDir = join(root, 'actions');
const actions = (existsSync(actionsDir) ? readdirSync(actionsDir, { withFileTypes: true }) : [])
  .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'src', 'index.ts')))
  .map((d) => d.name)
  .filter((name) => values.only.length === 0 || values.only.includes(name))
  .sort();

if (values.only.length === 0) rmSync(outDir, { recursive: true, force: true });
for (const action of actions) {
  process.stderr.write(`ncc: ${action}\n`);
  rmSync(join(outDir, action), { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
      'build',
      join('actions', action, 'src', 'index.ts'),
      '--out',
      join(outDir, action),
      '--license',
      'licenses.txt',
      '--quiet',
      '--transpile-only',
    ],
    { cwd: root, stdio: 'inherit' },
  );
}

if (check) {
  const status = execFileSync('git', ['status', '--porcelain', '--', 'dist'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (status.trim() !== '') {
    process.stderr.write(
      `dist/ is stale: rebuilding the bundles changed these files:\n${status}\nRun 'npm run build' and commit dist/.\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`dist/ is up to date (${actions.length} actions)\n`);
}
