// Bundle every action (actions/<name>/src/index.ts, the entry point that calls main.ts's run(), or
// src/main.ts where it is still the entry point) with ncc into dist/<name>/index.js.
// --check: rebuild from a clean dist/ and fail if the result differs from what is committed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const actionsDir = join(root, 'actions');
const actions = (existsSync(actionsDir) ? readdirSync(actionsDir, { withFileTypes: true }) : [])
  .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'src', 'main.ts')))
  .map((d) => d.name)
  .sort();

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const action of actions) {
  process.stderr.write(`ncc: ${action}\n`);
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
      'build',
      join(
        'actions',
        action,
        'src',
        existsSync(join(root, 'actions', action, 'src', 'index.ts')) ? 'index.ts' : 'main.ts',
      ),
      '--out',
      join('dist', action),
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
