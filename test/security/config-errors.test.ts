// Threat: configuration text steers what the runner reads and how much it prints. List and
// fragment paths must name files of the checkout (a denylist '../../../../etc/passwd' was read on
// the host and its lines published in plan.json); YAML aliases that cannot resolve or that expand
// without bound must give an error at their place, not a library message or a stall; and
// malformed veristat rows must neither use up the step's annotations nor echo a 50 MB line.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelJobFromRequest } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';
import { ConfigError } from '@bpf-ci/domain';
import { parseConfig } from '@bpf-ci/matrix';
import { runAction } from './run-action.ts';

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

function issuesOf(text: string): { line: number; column: number; message: string }[] {
  try {
    parseConfig(text, '.github/bpf-ci.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('list and fragment paths', () => {
  it('the matrix action refuses paths out of the checkout, each at its line and column', async () => {
    const dir = workspace({
      '.github/bpf-ci.yml': [
        'deployment:',
        '  denylists:',
        '    - tools/testing/selftests/bpf/DENYLIST',
        '    - ../../../../etc/passwd',
        '  allowlists: [/etc/shadow]',
        'config-fragments:',
        '  - ci/vmtest/configs/config',
        '  - ~/.ssh/id_rsa',
        '',
      ].join('\n'),
    });
    const run = await runAction('matrix-generator', dir, {
      config: '.github/bpf-ci.yml',
      repository: 'kernel-patches/bpf',
      event: 'push',
    });
    expect(run.code).toBe(1);
    expect(run.outputs).toEqual({});
    const errors = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toEqual([
      expect.stringMatching(
        /^::error title=bpf-ci config,file=.github\/bpf-ci.yml,line=4,col=7::'..\/..\/..\/..\/etc\/passwd' climbs out of the checkout with \.\./,
      ),
      expect.stringMatching(/line=5,col=16::'\/etc\/shadow' is an absolute path/),
      expect.stringMatching(/line=8,col=5::'~\/.ssh\/id_rsa' starts with ~/),
    ]);
  });

  /** A kernel-build request on a checkout at `dir` (nothing is built). */
  const kernelRequest = (dir: string) => ({
    arch: 'x86_64',
    toolchain: 'gcc',
    sourceDir: dir,
    outputDir: join(dir, 'out'),
    cwd: dir,
  });

  it('kernel-build: a fragment that is a symlink out of the checkout is refused', async () => {
    const dir = workspace({ 'ci/config': 'CONFIG_BPF=y\n' });
    symlinkSync('/etc/passwd', join(dir, 'ci', 'evil.config'));
    const request = kernelRequest(dir);
    await expect(
      kernelJobFromRequest({ ...request, configFragments: ['ci/evil.config'] }, new MemoryLogger()),
    ).rejects.toThrow(/config fragment ci\/evil.config: .*leaves .* \(it resolves to \/etc\/passwd\)/);
    const job = await kernelJobFromRequest(
      { ...request, configFragments: ['ci/config'] },
      new MemoryLogger(),
    );
    expect(job.fragments).toEqual([{ name: 'ci/config', text: 'CONFIG_BPF=y\n' }]);
  });

  it('kernel-build: a coverage directory with make syntax is refused; a plain one gets its own build folder', async () => {
    const dir = workspace({});
    const request = kernelRequest(dir);
    await expect(
      kernelJobFromRequest({ ...request, coverage: ['kernel/$(shell id)'] }, new MemoryLogger()),
    ).rejects.toThrow(/is not a source-relative directory/);
    const job = await kernelJobFromRequest({ ...request, coverage: ['kernel/bpf/'] }, new MemoryLogger());
    expect(job.coverage).toEqual({ directories: ['kernel/bpf'] });
    expect(job.buildDir).toMatch(/\/kernel-build\/x86_64-gcc-gcov$/);
    const plain = await kernelJobFromRequest(request, new MemoryLogger());
    expect(plain.coverage).toBeUndefined();
    expect(plain.buildDir).toMatch(/\/kernel-build\/x86_64-gcc$/);
  });
});

describe('YAML aliases', () => {
  it('an unresolved alias is an error at the alias', () => {
    expect(issuesOf('toolchains: [gcc-15]\narches: *a\n')).toEqual([
      expect.objectContaining({ line: 2, column: 9, message: 'unresolved alias *a: no anchor &a before it' }),
    ]);
  });

  it('an alias bomb is an error at its first alias, and quick', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]',
      '',
    ].join('\n');
    const started = Date.now();
    expect(issuesOf(bomb)).toEqual([
      expect.objectContaining({
        line: 2,
        column: 8,
        message: expect.stringMatching(/aliases expand to more than 100 copies/) as unknown,
      }),
    ]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('veristat-diff on malformed rows', () => {
  it('41 bad rows and a 50 MB line: one warning per side, clipped', async () => {
    const header = 'file_name,prog_name,verdict,duration,total_insns,total_states';
    const good = 'a.bpf.o,prog_a,success,10,100,5';
    const bad = Array.from({ length: 40 }, (_, i) => `b.bpf.o,prog_${i},success,10`);
    const huge = `c.bpf.o,${'x'.repeat(50 * 2 ** 20)},success,10,100`;
    const dir = workspace({
      'base.csv': `${header}\n${good}\n`,
      'new.csv': `${header}\n${good}\n${bad.join('\n')}\n${huge}\n`,
    });
    const run = await runAction('veristat-diff', dir, { base: 'base.csv', new: 'new.csv' });
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning'));
    const rows = warnings.filter((w) => w.includes('problems in the output'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/veristat new: 41 problems in the output \(lines 3, 4, 5/);
    expect(run.stdout.length).toBeLessThan(64 * 1024);
  });
});
