// The cache lock across processes: three contenders never hold it at once, including when they
// all find the lock of a dead process and race to take it over (the race the old lock lost: a
// waiter that read a dead pid removed the lock another waiter had just taken).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cacheRoot, checkoutRoot } from '@bpf-ci/debian';
import { describe, expect, it } from 'vitest';

const CONTENDER = join(import.meta.dirname, 'lock-contenders.ts');
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Checks the log: every enter is followed by the same process's leave, never by another enter. */
function overlaps(log: string): string[] {
  const problems: string[] = [];
  let holder: string | undefined;
  for (const line of log.trim().split('\n')) {
    const [what, pid] = line.split(' ');
    if (what === 'enter') {
      if (holder !== undefined) problems.push(`${pid} entered while ${holder} held the lock`);
      holder = pid;
    } else {
      if (holder !== pid) problems.push(`${pid} left a lock held by ${holder}`);
      holder = undefined;
    }
  }
  return problems;
}

async function contend(lock: string, rounds: number): Promise<string> {
  const log = join(mkdtempSync(join(tmpdir(), 'bpf-ci-lock-log-')), 'log');
  writeFileSync(log, '');
  await Promise.all(
    [1, 2, 3].map(() =>
      promisify(execFile)(process.execPath, [CONTENDER, lock, log, String(rounds)], { cwd: ROOT }),
    ),
  );
  return readFileSync(log, 'utf8');
}

describe('withLock', () => {
  it('three processes never hold the lock at the same time', async () => {
    const lock = join(mkdtempSync(join(tmpdir(), 'bpf-ci-lock-')), 'entry.lock');
    const log = await contend(lock, 15);
    expect(log.split('\n').filter((l) => l.startsWith('enter'))).toHaveLength(45);
    expect(overlaps(log)).toEqual([]);
  }, 60_000);

  it('three processes that all find a dead owner take over one at a time', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const lock = join(mkdtempSync(join(tmpdir(), 'bpf-ci-lock-')), 'entry.lock');
      // pid 2^22 + 1 is above Linux's pid_max limit: never a live process.
      writeFileSync(lock, String(2 ** 22 + 1));
      const log = await contend(lock, 3);
      expect(log.split('\n').filter((l) => l.startsWith('enter'))).toHaveLength(9);
      expect(overlaps(log)).toEqual([]);
    }
  }, 120_000);
});

describe('cacheRoot', () => {
  it('is $BPF_CI_CACHE when set', () => {
    expect(cacheRoot({ BPF_CI_CACHE: '/var/cache/bpf-ci' })).toBe('/var/cache/bpf-ci');
  });

  it('inside Actions: .cache in the workspace, the same from the sources and from a bundle', () => {
    const env = { GITHUB_WORKSPACE: '/home/runner/work/bpf/bpf' };
    const fromSource = cacheRoot(env, join(ROOT, 'packages', 'debian', 'src'));
    const fromBundle = cacheRoot(env, join(ROOT, 'dist', 'vmtest-runner'));
    expect(fromSource).toBe('/home/runner/work/bpf/bpf/.cache');
    expect(fromBundle).toBe(fromSource);
  });

  it('outside Actions: .cache in the bpf-ci checkout, from the sources and from dist/<action>', () => {
    expect(checkoutRoot(join(ROOT, 'dist', 'kernel-build'))).toBe(ROOT);
    expect(cacheRoot({}, join(ROOT, 'dist', 'kernel-build'))).toBe(join(ROOT, '.cache'));
    expect(cacheRoot({}, join(ROOT, 'packages', 'debian', 'src'))).toBe(join(ROOT, '.cache'));
  });
});
