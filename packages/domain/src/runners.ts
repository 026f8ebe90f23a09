// The BPF selftest runners: the binaries of tools/testing/selftests/bpf that bpf-ci knows how to
// build, run in the guest and parse. Other runners are declared as commands in the config.

export const BPF_RUNNERS = [
  'test_progs',
  'test_progs-no_alu32',
  'test_progs-cpuv4',
  'test_maps',
  'test_verifier',
] as const;
export type BpfRunner = (typeof BPF_RUNNERS)[number];

/** Runners that take `-j` (test_progs' parallel mode): the only ones with a parallel variant. */
export const PARALLEL_RUNNERS = ['test_progs', 'test_progs-no_alu32', 'test_progs-cpuv4'] as const;

/** Suffix of a parallel variant's name: `test_progs-parallel`. */
export const PARALLEL_SUFFIX = '-parallel';

/** test_progs-cpuv4 runs BPF programs compiled with -mcpu=v4, which LLVM supports from 18 on. */
export const CPUV4_RUNNER = 'test_progs-cpuv4';
export const CPUV4_MIN_LLVM = 18;

/** The binary each runner is, relative to the selftests directory (each runner is its binary). */
export const RUNNER_BINARY: Readonly<Record<BpfRunner, string>> = Object.fromEntries(
  BPF_RUNNERS.map((r) => [r, r]),
) as Record<BpfRunner, string>;

export function isBpfRunner(name: string): name is BpfRunner {
  return (BPF_RUNNERS as readonly string[]).includes(name);
}

/** test_progs and its flavours (same output format, same options). */
export function isTestProgs(name: string): boolean {
  return name.startsWith('test_progs');
}
