// What a config that leaves a key out gets: today's kernel-patches/bpf matrix, as computed by
// kernel-patches/vmtest's .github/scripts/matrix.py and its test workflow:
//   x86_64 gcc (+ parallel variants, + veristat), x86_64 llvm, aarch64 gcc, s390x gcc;
//   no test_maps on s390x; test_progs-cpuv4 when the BPF programs are built with LLVM >= 18
//   (gcc kernels still compile their BPF programs with clang: matrix.py gives every build llvm 22);
//   parallel variants continue on error with a 30 minute timeout;
//   outside kernel-patches/bpf and kernel-patches/vmtest only x86_64, on GitHub-hosted runners;
//   kernel-patches/bpf is the 'prod' deployment, everything else 'rc' (which picks DENYLIST.rc).

import { DEFAULT_COVERAGE_DIRECTORIES } from '@bpf-ci/domain';

const selfHosted = (arch: string) => ['self-hosted', 'docker-noble-main', arch];

export const DEFAULTS = {
  arches: ['x86_64', 'aarch64', 's390x'],
  toolchains: ['gcc-15', 'llvm-22'],
  selftestsLlvm: 'llvm-22',
  exclude: [
    { arch: 'aarch64', toolchain: 'llvm' },
    { arch: 's390x', toolchain: 'llvm' },
    { arch: 's390x', test: 'test_maps' },
  ],
  tests: ['test_progs', 'test_progs-no_alu32', 'test_progs-cpuv4', 'test_maps', 'test_verifier'],
  runsOn: { x86_64: selfHosted('x86_64'), aarch64: selfHosted('aarch64'), s390x: selfHosted('s390x') },
  // aarch64 and s390x kernels are cross-compiled on x86_64 machines.
  buildRunsOn: { x86_64: selfHosted('x86_64'), aarch64: selfHosted('x86_64'), s390x: selfHosted('x86_64') },
  timeoutMinutes: { build: 100, test: 100 },
  parallel: {
    runners: ['test_progs', 'test_progs-no_alu32'],
    on: [{ arch: 'x86_64', toolchain: 'gcc' }],
    timeoutMinutes: 30,
    continueOnError: true,
  },
  veristat: { on: [{ arch: 'x86_64', toolchain: 'gcc' }] },
  // With `coverage:` in the config: one extra GCOV build of kernel/bpf, x86_64 gcc.
  coverage: { on: [{ arch: 'x86_64', toolchain: 'gcc' }], directories: [...DEFAULT_COVERAGE_DIRECTORIES] },
  deployment: {
    prodRepositories: ['kernel-patches/bpf'],
    allowlists: [
      'tools/testing/selftests/bpf/ALLOWLIST',
      'tools/testing/selftests/bpf/ALLOWLIST.{arch}',
      'ci/vmtest/configs/ALLOWLIST',
      'ci/vmtest/configs/ALLOWLIST.{arch}',
    ],
    denylists: [
      'tools/testing/selftests/bpf/DENYLIST',
      'tools/testing/selftests/bpf/DENYLIST.{arch}',
      'ci/vmtest/configs/DENYLIST',
      'ci/vmtest/configs/DENYLIST.{arch}',
      'ci/vmtest/configs/DENYLIST.{deployment}',
    ],
  },
  forks: {
    mainRepositories: ['kernel-patches/bpf', 'kernel-patches/vmtest'],
    arches: ['x86_64'],
    runsOn: ['ubuntu-24.04'],
  },
  // Pushes to the base branches only build (to warm caches), as today.
  buildOnlyEvents: ['push'],
} as const;
