// The coverage-report action's run() in process on real GCOV data (test/fixtures/gcov): an
// unpacked GCOV build artifact (manifest.json + gcno/) and the vmtest-runner's gcov folder give
// the summary section, results.json's coverage field, the HTML report and the outputs.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRun } from '@bpf-ci/model';
import { ROOT, runInProcess } from '../../helpers/action-harness.ts';
import { gcovFixtureChange } from '../../helpers/gcov-change.ts';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'gcov');

function artifact(dir: string, coverage: boolean): string {
  const kernel = join(dir, 'kernel');
  cpSync(join(FIXTURE, 'gcno'), join(kernel, 'gcno'), { recursive: true });
  const manifest = {
    schemaVersion: 1,
    arch: 'x86_64',
    toolchain: { name: 'gcc', version: 'gcc (Debian 12.2.0-14) 12.2.0' },
    kernelRelease: '6.1.192',
    configHash: 'ab',
    source: { version: '6.1.192' },
    files: { image: 'bzImage', vmlinux: 'vmlinux', config: 'config', ...(coverage ? { gcno: 'gcno' } : {}) },
    ...(coverage
      ? {
          coverage: {
            directories: ['kernel/bpf'],
            // The folders the fixture's kernel was built in (its notes name them).
            sourceDir: '/work/cache/kernel-e2e/linux',
            buildDir: '/work/cache/kernel-e2e/build-x86_64-gcc-gcov',
          },
        }
      : {}),
    createdAt: '2026-11-25T22:00:00Z',
  };
  writeFileSync(join(kernel, 'manifest.json'), JSON.stringify(manifest));
  return kernel;
}

describe('actions/coverage-report', () => {
  it('reports a GCOV build’s coverage into the summary, results.json, HTML and its outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-coverage-action-'));
    const results = join(dir, 'results.json');
    writeFileSync(
      results,
      JSON.stringify({ schemaVersion: 1, context: {}, binaries: [], events: [], sources: [] }),
    );
    const result = await runInProcess('coverage-report', {
      'gcov-dir': join(FIXTURE, 'gcov'),
      'artifact-dir': artifact(dir, true),
      'source-dir': join(FIXTURE, 'source'),
      results,
      'test-name': 'coverage on x86_64 with gcc',
      'output-dir': join(dir, 'coverage'),
    });
    expect(result.commands.filter((c) => c.name === 'error')).toEqual([]);
    expect(result.code).toBe(0);
    const coverage = parseRun(JSON.parse(readFileSync(results, 'utf8'))).coverage!;
    expect(coverage.files.map((f) => f.path).sort()).toEqual(['kernel/bpf/disasm.c', 'kernel/bpf/tnum.c']);
    expect(result.summary).toContain(`(${coverage.lines.hit} of ${coverage.lines.found}) |`);
    expect(result.outputs).toEqual({
      tracefile: join(dir, 'coverage', 'coverage.lcov'),
      'html-dir': join(dir, 'coverage', 'html'),
      'lines-percent': ((100 * coverage.lines.hit) / coverage.lines.found).toFixed(1),
      // No base and head: no patch coverage.
      'patch-percent': '',
    });
    expect(readFileSync(join(dir, 'coverage', 'html', 'index.html'), 'utf8')).toContain('kernel/bpf');
  });

  it('fails the step when the patch coverage is below patch-threshold, and only then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-coverage-action-'));
    const repo = join(dir, 'linux');
    const git = gcovFixtureChange(repo);
    const range = `${git('rev-parse', 'HEAD^1').trim()}..${git('rev-parse', 'HEAD').trim()}`;
    const kernel = artifact(dir, true);
    const withThreshold = (threshold: string) =>
      runInProcess('coverage-report', {
        'gcov-dir': join(FIXTURE, 'gcov'),
        'artifact-dir': kernel,
        'source-dir': repo,
        base: 'HEAD^1',
        head: 'HEAD',
        'patch-threshold': threshold,
        'output-dir': join(dir, `coverage-${threshold || 'none'}`),
      });
    // One of the change's two added lines ran: 50 %.
    const below = await withThreshold('60');
    expect(below.code).toBe(1);
    const errors = below.commands.filter((c) => c.name === 'error').map((c) => c.data);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('50');
    expect(errors[0]).toContain('60');
    expect(errors[0]).toContain(range);
    expect(below.outputs['patch-percent']).toBe('50.0');
    const met = await withThreshold('50');
    expect(met.code).toBe(0);
    expect(met.commands.filter((c) => c.name === 'error')).toEqual([]);
    const none = await withThreshold('');
    expect(none.code).toBe(0);
    // The uncovered line is a warning whatever the threshold.
    expect(none.commands.some((c) => c.name === 'warning' && c.data.includes('tnum_sbin'))).toBe(true);
    const bad = await withThreshold('101');
    expect(bad.code).toBe(1);
    expect(
      bad.commands
        .filter((c) => c.name === 'error')
        .map((c) => c.data)
        .join('\n'),
    ).toContain("input 'patch-threshold'");
  });

  it('takes base and head together only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-coverage-action-'));
    const result = await runInProcess('coverage-report', {
      'gcov-dir': join(FIXTURE, 'gcov'),
      'artifact-dir': artifact(dir, true),
      base: 'HEAD^1',
      'output-dir': join(dir, 'coverage'),
    });
    expect(result.code).toBe(1);
    expect(result.commands.filter((c) => c.name === 'error').map((c) => c.data)).toEqual([
      'base and head go together',
    ]);
  });

  it('says an artifact without GCOV is not a coverage build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-coverage-action-'));
    const result = await runInProcess('coverage-report', {
      'gcov-dir': join(FIXTURE, 'gcov'),
      'artifact-dir': artifact(dir, false),
      'output-dir': join(dir, 'coverage'),
    });
    expect(result.code).toBe(1);
    expect(result.commands.filter((c) => c.name === 'error').map((c) => c.data)).toEqual([
      `${join(dir, 'kernel')} is not a GCOV build: build it with kernel-build's coverage input`,
    ]);
  });
});
