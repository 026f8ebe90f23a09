import { describe, expect, it } from 'vitest';
import { generateMatrix, parseConfig } from '@bpf-ci/matrix';

const config = (yaml: string) => parseConfig(yaml, '.github/bpf-ci.yml');

describe('coverage legs in the matrix', () => {
  it('adds nothing without a coverage key', () => {
    const m = generateMatrix(config('arches: [x86_64]\n'));
    expect(m.build.include.some((b) => b.coverage !== undefined)).toBe(false);
    expect(m.test.include.some((t) => t.test === 'coverage')).toBe(false);
  });

  it('with `coverage: {}` adds one GCOV build of kernel/bpf on x86_64 gcc and one job running its tests in one VM', () => {
    const m = generateMatrix(config('coverage: {}\n'));
    const legs = m.build.include.filter((b) => b.coverage !== undefined);
    expect(legs.map((b) => [b.name, b.artifact, b.coverage, b.veristat])).toEqual([
      ['build for x86_64 with gcc-15, GCOV coverage', 'kernel-x86_64-gcc-15-coverage', 'kernel/bpf', false],
    ]);
    const job = m.test.include.find((t) => t.test === 'coverage')!;
    expect(job.name).toBe('coverage on x86_64 with gcc-15');
    expect(job.artifact).toBe('kernel-x86_64-gcc-15-coverage');
    expect(job.runners.split('\n')).toEqual([
      'test_progs',
      'test_progs-no_alu32',
      'test_progs-cpuv4',
      'test_maps',
      'test_verifier',
    ]);
    expect(job['coverage-per-runner']).toBe(false);
    // No threshold configured: nothing may fail on coverage.
    expect(job).not.toHaveProperty('coverage-patch-threshold');
    // The plain x86_64 gcc build is still there, unchanged.
    expect(m.build.include.find((b) => b.artifact === 'kernel-x86_64-gcc-15')?.coverage).toBeUndefined();
  });

  it('takes directories, legs and per-runner capture from the config', () => {
    const m = generateMatrix(
      config(
        'coverage:\n  on: [{arch: x86_64, toolchain: llvm}]\n  directories: [kernel/bpf, net/core/]\n  per-runner: true\n',
      ),
    );
    const legs = m.build.include.filter((b) => b.coverage !== undefined);
    expect(legs.map((b) => [b.toolchain, b.coverage])).toEqual([['llvm-22', 'kernel/bpf\nnet/core']]);
    expect(m.test.include.find((t) => t.test === 'coverage')?.['coverage-per-runner']).toBe(true);
  });

  it("carries the config's patch-threshold on the coverage job only", () => {
    const m = generateMatrix(config('coverage:\n  patch-threshold: 75.5\n'));
    expect(
      m.test.include.filter((t) => t['coverage-patch-threshold'] !== undefined).map((t) => t.name),
    ).toEqual(['coverage on x86_64 with gcc-15']);
    expect(m.test.include.find((t) => t.test === 'coverage')?.['coverage-patch-threshold']).toBe(75.5);
    for (const bad of ['101', '-1', "'80'"]) {
      expect(() => config(`coverage:\n  patch-threshold: ${bad}\n`), bad).toThrow(/patch-threshold/);
    }
  });

  it('refuses a directory that is not a plain source-relative path', () => {
    for (const dir of ['../etc', '/abs', 'kernel/$(shell id)', 'kernel/.hidden']) {
      expect(() => config(`coverage:\n  directories: ['${dir}']\n`), dir).toThrow(/kernel\/bpf/);
    }
  });
});
