// Which compiler builds the kernel, as make variables: gcc (optionally a version, gcc-12) or LLVM
// (LLVM=1, or LLVM=-14 for a versioned suffix), native or cross for aarch64 and s390x with
// Debian's cross toolchains (gcc-aarch64-linux-gnu, gcc-s390x-linux-gnu). Pure.
import { ARCH_NAMES, type Arch, type Toolchain } from '@bpf-ci/domain';

/**
 * make variables for building `arch` with `toolchain` on `host`, and the compiler command whose
 * `--version` names the toolchain.
 */
export function toolchainMake(
  toolchain: Toolchain,
  arch: Arch,
  host: Arch | undefined,
): { vars: Record<string, string>; compiler: string } {
  const info = ARCH_NAMES[arch];
  const cross = host !== arch;
  const suffix = toolchain.version === undefined ? '' : `-${toolchain.version}`;
  const vars: Record<string, string> = { ARCH: info.karch };
  if (toolchain.family === 'llvm') {
    // LLVM=1 / LLVM=-N picks clang, ld.lld, llvm-*; clang targets ARCH by itself, no CROSS_COMPILE.
    vars['LLVM'] = suffix || '1';
    return { vars, compiler: `clang${suffix}` };
  }
  const prefix = cross ? info.crossPrefix : '';
  if (cross) vars['CROSS_COMPILE'] = prefix;
  if (suffix) {
    vars['CC'] = `${prefix}gcc${suffix}`;
    if (!cross) vars['HOSTCC'] = `gcc${suffix}`;
  }
  return { vars, compiler: `${prefix}gcc${suffix}` };
}
