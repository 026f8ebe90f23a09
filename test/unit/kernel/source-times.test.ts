// A build folder restored next to a fresh checkout: with real git, only files whose content
// changed since the cached build end up newer than their objects.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alignSourceTimes, changedPaths, parseLsFiles, recordSourceBlobs } from '@bpf-ci/kernel';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    encoding: 'utf8',
  });
}

/** A "kernel" repository with three sources, and a clone of it made later (all times = now). */
function checkout(): { origin: string; clone: string; build: string } {
  const root = mkdtempSync(join(tmpdir(), 'bpf-ci-times-'));
  const origin = join(root, 'origin');
  git(root, 'init', '-q', origin);
  for (const f of ['a.c', 'b.c', 'c.h']) writeFileSync(join(origin, f), `/* ${f} v1 */\n`);
  git(origin, 'add', '.');
  git(origin, 'commit', '-qm', 'v1');
  const build = join(root, 'build');
  execFileSync('mkdir', [build]);
  return { origin, clone: join(root, 'clone'), build };
}

const mtime = (path: string): number => statSync(path).mtimeMs;

describe('source times for a cached build folder', () => {
  it('keeps unchanged files older than their objects and makes changed ones newer', async () => {
    const { origin, clone, build } = checkout();
    // The cached build: made from v1, objects written after the sources.
    expect(await recordSourceBlobs(origin, build)).toBe(true);
    // The next run: v2 changes b.c and adds d.c, checked out fresh.
    writeFileSync(join(origin, 'b.c'), '/* b.c v2 */\n');
    writeFileSync(join(origin, 'd.c'), '/* d.c */\n');
    git(origin, 'add', '.');
    git(origin, 'commit', '-qm', 'v2');
    git(join(clone, '..'), 'clone', '-q', origin, clone);
    // A patch applied without committing is a change too.
    writeFileSync(join(clone, 'c.h'), '/* c.h patched */\n');
    const objectTime = Date.now() / 1000 - 3600;
    for (const o of ['a.o', 'b.o', 'c.o']) {
      writeFileSync(join(build, o), '');
      utimesSync(join(build, o), objectTime, objectTime);
    }

    const result = await alignSourceTimes(clone, build);
    expect(result).toEqual({ kind: 'aligned', unchanged: 1, changed: 3 });
    expect(mtime(join(clone, 'a.c'))).toBeLessThan(mtime(join(build, 'a.o')));
    for (const f of ['b.c', 'c.h', 'd.c'])
      expect(mtime(join(clone, f)), f).toBeGreaterThan(objectTime * 1000);

    // Interrupted before finishing: the changed files stay counted as changed even if reverted.
    git(clone, 'checkout', '-q', 'c.h');
    const again = await alignSourceTimes(clone, build);
    expect(again).toEqual({ kind: 'aligned', unchanged: 1, changed: 3 });

    // After a complete build, nothing is changed any more.
    await recordSourceBlobs(clone, build);
    expect(await alignSourceTimes(clone, build)).toEqual({ kind: 'aligned', unchanged: 4, changed: 0 });
  });

  it('leaves a tree alone when it is not a git checkout, or when the folder has no record', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'bpf-ci-times-plain-'));
    expect(await alignSourceTimes(plain, plain)).toEqual({ kind: 'not-git' });
    const { origin, build } = checkout();
    expect(await alignSourceTimes(origin, build)).toEqual({ kind: 'no-record' });
  });

  it('reads git ls-files -s -z, skipping conflict stages, and compares blob ids', () => {
    const listing = [
      '100644 aaaa 0\tkernel/bpf/core.c',
      '100755 bbbb 0\tscripts/x y.sh',
      '100644 cccc 1\tconflict.c',
      '',
    ].join('\u0000');
    const blobs = parseLsFiles(listing);
    expect([...blobs]).toEqual([
      ['kernel/bpf/core.c', 'aaaa'],
      ['scripts/x y.sh', 'bbbb'],
    ]);
    expect([
      ...changedPaths(blobs, new Map([...blobs, ['new.c', 'dddd']]), new Set(['scripts/x y.sh'])),
    ]).toEqual(['scripts/x y.sh', 'new.c']);
  });
});
