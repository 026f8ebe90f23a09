import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateMatrix, loadConfig, parseConfig, type Matrix, type TestEntry } from '@bpf-ci/matrix';

const root = join(import.meta.dirname, '..', '..', '..');
const example = (name: string) => join(root, 'examples', name, '.github', 'bpf-ci.yml');
const names = (m: Matrix) => ({
  build: m.build.include.map((b) => b.name),
  test: m.test.include.map((t) => t.name),
});
const testNamed = (m: Matrix, name: string): TestEntry => {
  const t = m.test.include.find((e) => e.name === name);
  if (!t) throw new Error(`no test job '${name}' in ${names(m).test.join(', ')}`);
  return t;
};

// Today's kernel-patches/bpf matrix (kernel-patches/vmtest .github/scripts/matrix.py): x86_64 gcc
// with parallel variants and veristat, x86_64 llvm, aarch64 gcc, s390x gcc without test_maps;
// test_progs-cpuv4 everywhere because every build compiles its BPF programs with LLVM 22.
const KERNEL_PATCHES_BUILDS = [
  'build for x86_64 with gcc-15',
  'build for x86_64 with llvm-22',
  'build for aarch64 with gcc-15',
  'build for s390x with gcc-15',
];
const KERNEL_PATCHES_TESTS = [
  'test_progs on x86_64 with gcc-15',
  'test_progs-parallel on x86_64 with gcc-15',
  'test_progs-no_alu32 on x86_64 with gcc-15',
  'test_progs-no_alu32-parallel on x86_64 with gcc-15',
  'test_progs-cpuv4 on x86_64 with gcc-15',
  'test_maps on x86_64 with gcc-15',
  'test_verifier on x86_64 with gcc-15',
  'test_progs on x86_64 with llvm-22',
  'test_progs-no_alu32 on x86_64 with llvm-22',
  'test_progs-cpuv4 on x86_64 with llvm-22',
  'test_maps on x86_64 with llvm-22',
  'test_verifier on x86_64 with llvm-22',
  'test_progs on aarch64 with gcc-15',
  'test_progs-no_alu32 on aarch64 with gcc-15',
  'test_progs-cpuv4 on aarch64 with gcc-15',
  'test_maps on aarch64 with gcc-15',
  'test_verifier on aarch64 with gcc-15',
  'test_progs on s390x with gcc-15',
  'test_progs-no_alu32 on s390x with gcc-15',
  'test_progs-cpuv4 on s390x with gcc-15',
  'test_verifier on s390x with gcc-15',
];

describe('the default config', () => {
  const matrix = generateMatrix(parseConfig(''), { repository: 'kernel-patches/bpf', event: 'pull_request' });

  it("is today's kernel-patches/bpf matrix", () => {
    expect(names(matrix)).toEqual({ build: KERNEL_PATCHES_BUILDS, test: KERNEL_PATCHES_TESTS });
    expect(matrix.fork).toBe(false);
    expect(matrix.notes).toEqual([]);
  });

  it('runs on self-hosted runners of each arch, building aarch64 and s390x on x86_64', () => {
    const build = (arch: string) => matrix.build.include.find((b) => b.arch === arch)!;
    expect(build('x86_64')['runs-on']).toEqual(['self-hosted', 'docker-noble-main', 'x86_64']);
    expect(build('aarch64')['runs-on']).toEqual(['self-hosted', 'docker-noble-main', 'x86_64']);
    expect(build('s390x')['runs-on']).toEqual(['self-hosted', 'docker-noble-main', 'x86_64']);
    expect(testNamed(matrix, 'test_maps on aarch64 with gcc-15')['runs-on']).toEqual([
      'self-hosted',
      'docker-noble-main',
      'aarch64',
    ]);
    expect(testNamed(matrix, 'test_verifier on s390x with gcc-15')['runs-on']).toEqual([
      'self-hosted',
      'docker-noble-main',
      's390x',
    ]);
  });

  it('gives only the parallel variants continue-on-error and a 30 minute timeout', () => {
    const parallel = matrix.test.include.filter((t) => t.parallel);
    expect(parallel.map((t) => t.name)).toEqual([
      'test_progs-parallel on x86_64 with gcc-15',
      'test_progs-no_alu32-parallel on x86_64 with gcc-15',
    ]);
    for (const t of parallel) {
      expect(t).toMatchObject({
        'continue-on-error': true,
        'timeout-minutes': 30,
        'job-timeout-minutes': 50,
      });
    }
    expect(testNamed(matrix, 'test_progs-parallel on x86_64 with gcc-15').runners).toBe('test_progs -j');
    for (const t of matrix.test.include.filter((e) => !e.parallel)) {
      expect(t).toMatchObject({
        'continue-on-error': false,
        'timeout-minutes': 100,
        'job-timeout-minutes': 120,
      });
      expect(t.runners).toBe(t.test);
    }
  });

  it('runs veristat on x86_64 gcc only, and builds what the tests need', () => {
    expect(matrix.build.include.filter((b) => b.veristat).map((b) => b.name)).toEqual([
      'build for x86_64 with gcc-15',
    ]);
    expect(matrix.build.include[0]!['selftests-targets'].split('\n')).toEqual([
      'test_progs',
      'test_progs-no_alu32',
      'test_progs-cpuv4',
      'test_maps',
      'test_verifier',
      'veristat',
    ]);
    expect(matrix.build.include[3]!['selftests-targets'].split('\n')).not.toContain('test_maps');
  });

  it("uses the prod deployment's list files with the arch filled in", () => {
    const t = testNamed(matrix, 'test_progs on s390x with gcc-15');
    expect(t.deployment).toBe('prod');
    expect(t.denylists.split('\n')).toEqual([
      'tools/testing/selftests/bpf/DENYLIST',
      'tools/testing/selftests/bpf/DENYLIST.s390x',
      'ci/vmtest/configs/DENYLIST',
      'ci/vmtest/configs/DENYLIST.s390x',
      'ci/vmtest/configs/DENYLIST.prod',
    ]);
    expect(t.allowlists.split('\n')).toContain('ci/vmtest/configs/ALLOWLIST.s390x');
    expect(t.artifact).toBe('kernel-s390x-gcc-15');
    expect(t['kernel-image']).toBe('bzImage');
    expect(testNamed(matrix, 'test_progs on aarch64 with gcc-15')['kernel-image']).toBe('Image');
    expect(t['results-artifact']).toBe('results-test_progs-s390x-gcc-15');
  });

  it('never leaks matrix internals into job names', () => {
    for (const name of [...names(matrix).build, ...names(matrix).test]) {
      expect(name).toMatch(/^(build for|[A-Za-z0-9_.-]+ on) (x86_64|aarch64|s390x) with (gcc|llvm)-\d+$/);
    }
  });

  it('is the same matrix as the kernel-patches/bpf example that writes every key out', async () => {
    const spelledOut = await loadConfig(example('kernel-patches-bpf'));
    for (const repository of ['kernel-patches/bpf', 'kernel-patches/vmtest', 'someone/bpf']) {
      expect(generateMatrix(spelledOut, { repository })).toEqual(
        generateMatrix(parseConfig(''), { repository }),
      );
    }
  });
});

describe('outside the main repositories', () => {
  it('runs only x86_64, on GitHub-hosted runners, as the rc deployment', () => {
    const fork = generateMatrix(parseConfig(''), { repository: 'someone/bpf' });
    expect(fork.fork).toBe(true);
    expect(names(fork)).toEqual({
      build: KERNEL_PATCHES_BUILDS.filter((n) => n.includes('x86_64')),
      test: KERNEL_PATCHES_TESTS.filter((n) => n.includes('x86_64')),
    });
    for (const e of [...fork.build.include, ...fork.test.include])
      expect(e['runs-on']).toEqual(['ubuntu-24.04']);
    expect(fork.test.include.every((t) => t.deployment === 'rc' && t.denylists.endsWith('DENYLIST.rc'))).toBe(
      true,
    );
    expect(fork.notes.join('\n')).toContain(
      'someone/bpf is not one of kernel-patches/bpf, kernel-patches/vmtest',
    );
  });

  it('kernel-patches/vmtest keeps the full matrix on self-hosted runners but is rc', () => {
    const vmtest = generateMatrix(parseConfig(''), { repository: 'kernel-patches/vmtest' });
    expect(names(vmtest).test).toEqual(KERNEL_PATCHES_TESTS);
    expect(vmtest.test.include.every((t) => t.deployment === 'rc')).toBe(true);
  });
});

describe('events', () => {
  it('empty inputs (an action input left unset) mean the main repository and a pull request', () => {
    const m = generateMatrix(parseConfig(''), { repository: '', event: '' });
    expect(m.fork).toBe(false);
    expect(names(m)).toEqual({ build: KERNEL_PATCHES_BUILDS, test: KERNEL_PATCHES_TESTS });
  });

  it('a push only builds, as today', () => {
    const push = generateMatrix(parseConfig(''), { repository: 'kernel-patches/bpf', event: 'push' });
    expect(names(push)).toEqual({ build: KERNEL_PATCHES_BUILDS, test: [] });
    expect(push.notes).toEqual(["'push' only builds (build-only-events): no test jobs"]);
  });
});

describe('rules', () => {
  it('drops test_progs-cpuv4 where the BPF programs are built with LLVM older than 18', () => {
    const m = generateMatrix(
      parseConfig('arches: [x86_64]\ntoolchains: [gcc-13, llvm-17, llvm-18]\nselftests-llvm: llvm-16\n'),
    );
    const cpuv4 = m.test.include.filter((t) => t.test === 'test_progs-cpuv4').map((t) => t.name);
    expect(cpuv4).toEqual(['test_progs-cpuv4 on x86_64 with llvm-18']);
    expect(m.notes).toEqual([
      'test_progs-cpuv4 skipped on x86_64 with gcc-13: needs LLVM >= 18, has 16',
      'test_progs-cpuv4 skipped on x86_64 with llvm-17: needs LLVM >= 18, has 17',
    ]);
  });

  it('includes add builds, test excludes remove tests of the builds they match', () => {
    const m = generateMatrix(
      parseConfig(
        [
          'arches: [x86_64, aarch64]',
          'toolchains: [gcc-15]',
          'exclude: [{arch: aarch64, test: test_verifier}, {toolchain: llvm-22, test: test_maps}]',
          'include: [{arch: aarch64, toolchain: llvm-22}]',
          'tests: {default: [test_maps, test_verifier]}',
          'parallel: {on: []}',
        ].join('\n'),
      ),
    );
    expect(names(m)).toEqual({
      build: [
        'build for x86_64 with gcc-15',
        'build for aarch64 with gcc-15',
        'build for aarch64 with llvm-22',
      ],
      test: [
        'test_maps on x86_64 with gcc-15',
        'test_verifier on x86_64 with gcc-15',
        'test_maps on aarch64 with gcc-15',
      ],
    });
  });

  it('per-arch test lists and per-runner timeouts', () => {
    const m = generateMatrix(
      parseConfig(
        'arches: [x86_64, s390x]\ntoolchains: [gcc-15]\ntests:\n  s390x: [test_verifier]\ntimeout-minutes:\n  tests: {test_verifier: 15}\n',
      ),
    );
    expect(names(m).test.filter((n) => n.includes('s390x'))).toEqual(['test_verifier on s390x with gcc-15']);
    expect(testNamed(m, 'test_verifier on s390x with gcc-15')['timeout-minutes']).toBe(15);
    expect(testNamed(m, 'test_maps on x86_64 with gcc-15')['timeout-minutes']).toBe(100);
  });
});

describe('the networking example', () => {
  it('runs x86_64 only, with its own selftests command, on GitHub-hosted runners', async () => {
    const m = generateMatrix(await loadConfig(example('netdev')), { repository: 'linux-netdev/net-next' });
    expect(names(m)).toEqual({
      build: ['build for x86_64 with gcc-14', 'build for x86_64 with llvm-17'],
      test: [
        'test_progs on x86_64 with gcc-14',
        'test_progs-cpuv4 on x86_64 with gcc-14',
        'test_verifier on x86_64 with gcc-14',
        'net on x86_64 with gcc-14',
        'test_progs on x86_64 with llvm-17',
        'test_verifier on x86_64 with llvm-17',
        'net on x86_64 with llvm-17',
      ],
    });
    expect(m.fork).toBe(false);
    expect(m.build.include.every((b) => !b.veristat && b['runs-on'].join() === 'ubuntu-24.04')).toBe(true);
    const net = testNamed(m, 'net on x86_64 with llvm-17');
    expect(net).toMatchObject({
      runners: 'net: ./run_kselftest.sh --collection net',
      'timeout-minutes': 120,
      deployment: 'prod',
      denylists: 'tools/testing/selftests/bpf/DENYLIST\ntools/testing/selftests/net/bpf-ci.DENYLIST.prod',
    });
    expect(m.build.include[0]!['config-fragments']).toBe(
      'tools/testing/selftests/bpf/config\ntools/testing/selftests/net/config',
    );
    // The custom command is not a selftests make target.
    expect(m.build.include[0]!['selftests-targets']).toBe('test_progs\ntest_progs-cpuv4\ntest_verifier');
  });
});
