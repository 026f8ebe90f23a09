// The dependency arrows: the runner protocol, the Logger port, the vocabulary and Debian
// provisioning are leaves; renderers (report, veristat) sit above them; only the actions and the
// command line sit above the renderers; the adapter (gh) renders nothing. Checked from every
// package's imports, not only its package.json, so a stray import cannot slip in.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');

function imports(pkg: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/from '(@bpf-ci\/[a-z-]+|@actions\/[a-z-]+)/g))
          found.add(m[1]!);
      }
    }
  };
  walk(join(root, 'packages', pkg, 'src'));
  return found;
}

const packages = readdirSync(join(root, 'packages')).sort();

/** What each package may import from the monorepo (anything not listed is forbidden). */
const ALLOWED: Record<string, string[]> = {
  logger: [],
  protocol: ['@bpf-ci/logger'],
  domain: [],
  debian: [],
  'input-file': [],
  model: [],
  parsers: ['@bpf-ci/model', '@bpf-ci/domain', '@bpf-ci/input-file'],
  matrix: ['@bpf-ci/logger', '@bpf-ci/domain', '@bpf-ci/input-file'],
  flaky: ['@bpf-ci/model', '@bpf-ci/parsers', '@bpf-ci/matrix'],
  kernel: ['@bpf-ci/logger', '@bpf-ci/protocol', '@bpf-ci/domain', '@bpf-ci/debian', '@bpf-ci/input-file'],
  vm: [
    '@bpf-ci/logger',
    '@bpf-ci/domain',
    '@bpf-ci/debian',
    '@bpf-ci/model',
    '@bpf-ci/parsers',
    '@bpf-ci/input-file',
    '@bpf-ci/flaky',
  ],
  report: [
    '@bpf-ci/logger',
    '@bpf-ci/protocol',
    '@bpf-ci/domain',
    '@bpf-ci/model',
    '@bpf-ci/parsers',
    '@bpf-ci/input-file',
  ],
  veristat: ['@bpf-ci/logger', '@bpf-ci/protocol', '@bpf-ci/domain', '@bpf-ci/input-file'],
  gh: ['@bpf-ci/logger', '@bpf-ci/protocol', '@bpf-ci/domain', '@actions/core'],
  'run-report': [
    '@bpf-ci/logger',
    '@bpf-ci/coverage',
    '@bpf-ci/protocol',
    '@bpf-ci/domain',
    '@bpf-ci/model',
    '@bpf-ci/parsers',
    '@bpf-ci/report',
    '@bpf-ci/veristat',
  ],
  host: ['@bpf-ci/logger', '@bpf-ci/domain', '@bpf-ci/debian', '@bpf-ci/vm'],
  // The static site and the Grafana panels over the stats store's answers.
  dashboard: ['@bpf-ci/logger', '@bpf-ci/protocol', '@bpf-ci/flaky', '@bpf-ci/stats'],
  coverage: ['@bpf-ci/logger', '@bpf-ci/protocol', '@bpf-ci/domain', '@bpf-ci/model'],
  repro: [
    '@bpf-ci/logger',
    '@bpf-ci/domain',
    '@bpf-ci/model',
    '@bpf-ci/flaky',
    '@bpf-ci/vm',
    '@bpf-ci/stats',
    '@bpf-ci/input-file',
  ],
};

describe('package layers', () => {
  it.each(Object.keys(ALLOWED))('%s imports only the layers below it', (pkg) => {
    const allowed = ALLOWED[pkg]!;
    const own = `@bpf-ci/${pkg}`;
    const extra = [...imports(pkg)].filter((i) => i !== own && !allowed.includes(i));
    expect(extra).toEqual([]);
  });

  // Packages above the renderers (cli and newer ones) may use any package, but never @actions/*.
  it.each(packages.filter((p) => !(p in ALLOWED)))('%s uses no @actions package', (pkg) => {
    expect([...imports(pkg)].filter((i) => i.startsWith('@actions/'))).toEqual([]);
  });
});
