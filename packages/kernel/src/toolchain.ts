// Which compiler builds the kernel, as make variables: gcc (optionally a version, gcc-12) or LLVM
// (LLVM=1, or LLVM=-14 for a versioned suffix), native or cross for aarch64 and s390x with
// Debian's cross toolchains (gcc-aarch64-linux-gnu, gcc-s390x-linux-gnu). Pure.

export type KernelArch = 'x86_64' | 'aarch64' | 's390x';

export const KERNEL_ARCHES: readonly KernelArch[] = ['x86_64', 'aarch64', 's390x'];

export interface Toolchain {
  kind: 'gcc' | 'llvm';
  /** Major version suffix (gcc-12, LLVM=-14), or undefined for the default one on PATH. */
  version?: number;
}

export interface ArchInfo {
  /** The kernel's ARCH= value. */
  karch: string;
  /** Debian's GNU triplet prefix for cross tools. */
  crossPrefix: string;
  /** make target and the path of the bootable image inside the build folder. */
  imageTarget: string;
  imagePath: string;
}

export const ARCH_INFO: Record<KernelArch, ArchInfo> = {
  x86_64: {
    karch: 'x86',
    crossPrefix: 'x86_64-linux-gnu-',
    imageTarget: 'bzImage',
    imagePath: 'arch/x86/boot/bzImage',
  },
  aarch64: {
    karch: 'arm64',
    crossPrefix: 'aarch64-linux-gnu-',
    imageTarget: 'Image',
    imagePath: 'arch/arm64/boot/Image',
  },
  s390x: {
    karch: 's390',
    crossPrefix: 's390x-linux-gnu-',
    imageTarget: 'bzImage',
    imagePath: 'arch/s390/boot/bzImage',
  },
};

/** Reads "gcc", "gcc-12", "llvm", "llvm-14" (also "clang"/"clang-14" as LLVM). */
export function parseToolchain(text: string): Toolchain {
  const m = /^(gcc|llvm|clang)(?:-(\d+))?$/.exec(text.trim().toLowerCase());
  if (!m?.[1]) {
    throw new Error(
      `unknown toolchain "${text}": use gcc, gcc-<major> (gcc-12), llvm or llvm-<major> (llvm-14)`,
    );
  }
  const kind = m[1] === 'gcc' ? 'gcc' : 'llvm';
  return m[2] === undefined ? { kind } : { kind, version: Number(m[2]) };
}

export function toolchainName(t: Toolchain): string {
  return t.version === undefined ? t.kind : `${t.kind}-${t.version}`;
}

export function parseArch(text: string): KernelArch {
  const arch = text.trim();
  const aliases: Record<string, KernelArch> = {
    amd64: 'x86_64',
    x86: 'x86_64',
    arm64: 'aarch64',
    s390: 's390x',
  };
  const found = (KERNEL_ARCHES as readonly string[]).includes(arch) ? (arch as KernelArch) : aliases[arch];
  if (!found) throw new Error(`unknown arch "${text}": use one of ${KERNEL_ARCHES.join(', ')}`);
  return found;
}

/** The host's arch in our names, from process.arch. */
export function hostArch(nodeArch: string = process.arch): KernelArch | undefined {
  return ({ x64: 'x86_64', arm64: 'aarch64', s390x: 's390x' } as Record<string, KernelArch>)[nodeArch];
}

/**
 * make variables for building `arch` with `toolchain` on `host`, and the compiler command whose
 * `--version` names the toolchain.
 */
export function toolchainMake(
  toolchain: Toolchain,
  arch: KernelArch,
  host: KernelArch | undefined,
): { vars: Record<string, string>; compiler: string } {
  const info = ARCH_INFO[arch];
  const cross = host !== arch;
  const suffix = toolchain.version === undefined ? '' : `-${toolchain.version}`;
  const vars: Record<string, string> = { ARCH: info.karch };
  if (toolchain.kind === 'llvm') {
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
