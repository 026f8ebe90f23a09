// Where the kernel e2e test keeps its source tree and build folder, and the options it builds
// with: shared with bench/kernel.bench.ts, which reuses that build instead of making its own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, type KernelBuildOptions } from '@bpf-ci/kernel';

export const E2E_DIR = join(cacheRoot(), 'kernel-e2e');
export const E2E_TREE = join(E2E_DIR, 'linux');
export const E2E_BUILD_DIR = join(E2E_DIR, 'build-x86_64-gcc');
const QEMU_FRAGMENT = join(import.meta.dirname, '../../packages/kernel/configs/qemu-minimal.config');

/** tinyconfig + qemu-minimal.config, gcc, x86_64: the small QEMU-ready kernel. */
export function qemuKernelOptions(buildDir = E2E_BUILD_DIR): KernelBuildOptions & {
  fragments: { name: string; text: string }[];
} {
  return {
    sourceDir: E2E_TREE,
    buildDir,
    arch: 'x86_64',
    toolchain: { kind: 'gcc' },
    baseTarget: 'tinyconfig',
    selftestsConfig: false,
    fragments: [{ name: 'qemu-minimal.config', text: readFileSync(QEMU_FRAGMENT, 'utf8') }],
  };
}
