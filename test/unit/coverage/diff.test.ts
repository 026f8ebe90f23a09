import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '@bpf-ci/coverage';

/** git diff of two versions of a file in a fresh repository: the real tool's hunks. */
function gitDiff(before: string, after: string, path = 'kernel/bpf/verifier.c'): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-diff-'));
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      encoding: 'utf8',
    });
  git('init', '-q');
  execFileSync('mkdir', ['-p', join(dir, 'kernel/bpf')]);
  writeFileSync(join(dir, path), before);
  git('add', '.');
  git('commit', '-qm', 'base');
  writeFileSync(join(dir, path), after);
  return git('diff', '-U3');
}

const lines = (n: number): string[] => Array.from({ length: n }, (_, i) => `line ${i + 1}`);

describe('unified diff hunks', () => {
  it('gives the new-side numbers of added and changed lines, not of removed or context lines', () => {
    const before = lines(40);
    const after = [...before];
    after.splice(4, 1, 'changed 5'); // line 5 changed
    after.splice(20, 0, 'added A', 'added B'); // new lines 21, 22
    after.splice(35, 2); // two lines removed
    const added = parseUnifiedDiff(gitDiff(`${before.join('\n')}\n`, `${after.join('\n')}\n`));
    expect([...added]).toEqual([['kernel/bpf/verifier.c', [5, 21, 22]]]);
  });

  it('handles a new file, a deleted file and "no newline at end of file"', () => {
    const text = [
      'diff --git a/kernel/bpf/new.c b/kernel/bpf/new.c',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/kernel/bpf/new.c',
      '@@ -0,0 +1,2 @@',
      '+int a;',
      '+int b;',
      '\\ No newline at end of file',
      'diff --git a/kernel/bpf/old.c b/kernel/bpf/old.c',
      'deleted file mode 100644',
      '--- a/kernel/bpf/old.c',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-int c;',
      '',
    ].join('\n');
    expect([...parseUnifiedDiff(text)]).toEqual([['kernel/bpf/new.c', [1, 2]]]);
  });

  it('does not mistake a removed line starting with "--" or an added "++" line for a file header', () => {
    const before = ['int x;', '-- y', 'int z;'].join('\n');
    const after = ['int x;', '++ y', 'int z;'].join('\n');
    const added = parseUnifiedDiff(gitDiff(`${before}\n`, `${after}\n`));
    expect([...added]).toEqual([['kernel/bpf/verifier.c', [2]]]);
  });
});
