// A synthetic kernel change over the real GCOV fixture (test/fixtures/gcov/source): a git checkout
// whose last commit "adds" two lines of kernel/bpf/tnum.c, tnum_const()'s return, which
// test_verifier runs millions of times, and tnum_sbin()'s last store (tnum_sbin never runs).
// Patch coverage of HEAD^1..HEAD is then one covered line (tnum.c:18) and one uncovered (tnum.c:197).
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const GCOV_FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'gcov');

/** Makes the checkout at `repo`; returns a git runner for it. */
export function gcovFixtureChange(repo: string): (...args: string[]) => string {
  cpSync(join(GCOV_FIXTURE, 'source'), repo, { recursive: true });
  const git = (...args: string[]): string =>
    execFileSync(
      'git',
      ['-C', repo, '-c', 'user.name=bpf-ci', '-c', 'user.email=ci@bpf-ci.invalid', ...args],
      {
        encoding: 'utf8',
      },
    );
  const file = join(repo, 'kernel/bpf/tnum.c');
  const source = readFileSync(file, 'utf8');
  const lines = source.split('\n');
  if (lines[17] !== '\treturn TNUM(value, 0);' || lines[196] !== '\tstr[min(size - 1, (size_t)64)] = 0;')
    throw new Error(`${file} is not the fixture's tnum.c`);
  git('init', '-q');
  writeFileSync(file, lines.filter((_, i) => i !== 17 && i !== 196).join('\n'));
  git('add', '.');
  git('commit', '-qm', 'base');
  writeFileSync(file, source);
  git('commit', '-qam', 'head');
  return git;
}
