// Names the config uses for architectures, compilers and test runners, and how they are spelled.

export const ARCHES = ['x86_64', 'aarch64', 's390x'] as const;
export type Arch = (typeof ARCHES)[number];

/** The boot image `make` builds for each arch: its file name in the kernel-build artifact. */
export const KERNEL_IMAGE: Record<Arch, string> = { x86_64: 'bzImage', aarch64: 'Image', s390x: 'bzImage' };

export const TOOLCHAIN_FAMILIES = ['gcc', 'llvm'] as const;
export type ToolchainFamily = (typeof TOOLCHAIN_FAMILIES)[number];

/** A kernel toolchain with its version, as written in the config: `gcc-15`, `llvm-22`. */
export interface Toolchain {
  family: ToolchainFamily;
  version: number;
  /** The spelling used in the config, artifact names and job names. */
  name: string;
}

export const TOOLCHAIN_PATTERN = /^(gcc|llvm)-([1-9][0-9]*)$/;

export function parseToolchain(name: string): Toolchain | undefined {
  const m = TOOLCHAIN_PATTERN.exec(name);
  if (!m) return undefined;
  return { family: m[1] as ToolchainFamily, version: Number(m[2]), name };
}

/**
 * A fix for a toolchain written the way other tools spell it (`clang-18`, `gcc15`, `LLVM-17`, plain
 * `llvm`), or undefined when there is nothing obvious to suggest.
 */
export function suggestToolchain(
  written: string,
  defaultVersions: Record<ToolchainFamily, number>,
): string | undefined {
  const m = /^(gcc|llvm|clang)[-_ ]?([0-9]*)$/i.exec(written.trim());
  if (!m) return undefined;
  const family: ToolchainFamily = m[1]!.toLowerCase() === 'gcc' ? 'gcc' : 'llvm';
  const version = m[2] ? Number(m[2]) : defaultVersions[family];
  return `${family}-${version}`;
}

/**
 * The selftest runners bpf-ci knows how to run in the guest (the binaries of
 * tools/testing/selftests/bpf). Other runners are declared in the config's `commands`.
 */
export const BPF_RUNNERS = [
  'test_progs',
  'test_progs-no_alu32',
  'test_progs-cpuv4',
  'test_maps',
  'test_verifier',
] as const;

/** Runners that take `-j` (test_progs' parallel mode): the only ones with a parallel variant. */
export const PARALLEL_RUNNERS = ['test_progs', 'test_progs-no_alu32', 'test_progs-cpuv4'] as const;

/** test_progs-cpuv4 runs BPF programs compiled with -mcpu=v4, which LLVM supports from 18 on. */
export const CPUV4_RUNNER = 'test_progs-cpuv4';
export const CPUV4_MIN_LLVM = 18;

/** Suffix of a parallel variant's test name: `test_progs-parallel`. */
export const PARALLEL_SUFFIX = '-parallel';
