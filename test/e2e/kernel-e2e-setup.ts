// Where the kernel e2e test keeps its source tree and build folder, and the options it builds
// with: shared with bench/kernel.bench.ts, which reuses that build instead of making its own.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '@bpf-ci/debian';
import { fetchLinuxSource, type KernelBuildOptions } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';

export const E2E_DIR = join(cacheRoot(), 'kernel-e2e');
export const E2E_TREE = join(E2E_DIR, 'linux');
// With GCOV of kernel/bpf: the one small kernel serves the kernel-build and the coverage tests.
export const E2E_BUILD_DIR = join(E2E_DIR, 'build-x86_64-gcc-gcov');
export const E2E_COVERAGE_DIRECTORIES = ['kernel/bpf'];

/**
 * test_progs tests that pass on the small kernel under TCG in seconds: kprobes and uprobes, fentry
 * and fexit, XDP and tc test runs, BTF-defined maps, tail calls, trace_printk through tracefs, and
 * CO-RE Kconfig externs (which read the built kernel's config in the guest). The kernel e2e and
 * the coverage benchmark run the same list.
 */
export const BUILT_KERNEL_TESTS = [
  'align',
  'attach_probe',
  'bpf_loop',
  'btf_map_in_map',
  'core_extern',
  'fentry_test',
  'fexit_test',
  'global_data',
  'pkt_access',
  'queue_stack_map',
  'skb_ctx',
  'spinlock',
  'stacktrace_map',
  'subprogs',
  'syscall',
  'tailcalls',
  'trace_printk',
  'xdp',
  'xdp_adjust_tail',
];

const QEMU_FRAGMENT = join(import.meta.dirname, '../../packages/kernel/configs/qemu-minimal.config');

/** tinyconfig + qemu-minimal.config, gcc, x86_64, GCOV of kernel/bpf: the small QEMU-ready kernel. */
export function qemuKernelOptions(buildDir = E2E_BUILD_DIR): KernelBuildOptions & {
  fragments: { name: string; text: string }[];
} {
  return {
    sourceDir: E2E_TREE,
    buildDir,
    arch: 'x86_64',
    toolchain: { family: 'gcc' },
    baseTarget: 'tinyconfig',
    selftestsConfig: false,
    fragments: [{ name: 'qemu-minimal.config', text: readFileSync(QEMU_FRAGMENT, 'utf8') }],
    coverage: { directories: E2E_COVERAGE_DIRECTORIES },
  };
}

/**
 * The kernel e2e tests' own copy of linux-source-6.1: hard links, so it costs only directory
 * entries. Tests edit a file by replacing it (a new inode), never through a link into the cache.
 */
export async function ensureTree(): Promise<void> {
  const source = await fetchLinuxSource(new MemoryLogger());
  if (existsSync(E2E_TREE)) return;
  mkdirSync(E2E_DIR, { recursive: true });
  const partial = `${E2E_TREE}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  execFileSync('cp', ['-al', source, partial]);
  renameSync(partial, E2E_TREE);
}
