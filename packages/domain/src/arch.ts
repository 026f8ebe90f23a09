// The architectures a kernel is built for and boots on, and the names each tool gives them.
import { UserError } from './errors.ts';

export const ARCHES = ['x86_64', 'aarch64', 's390x'] as const;
export type Arch = (typeof ARCHES)[number];

export interface ArchNames {
  /** Debian's name (package suffixes, multiarch, dpkg --add-architecture). */
  debian: string;
  /** The kernel's ARCH= value (arch/<karch>/ in the source tree). */
  karch: string;
  /** Debian's GNU triplet prefix for cross tools. */
  crossPrefix: string;
  /** The make target that builds the bootable image. */
  imageTarget: string;
  /** The bootable image inside the build folder. */
  imagePath: string;
  /** The image's file name in the kernel-build artifact. */
  imageName: string;
  /** The QEMU system emulator. */
  qemuBinary: string;
  /** Node's process.arch on a machine of this arch. */
  nodeArch: string;
}

export const ARCH_NAMES: Record<Arch, ArchNames> = {
  x86_64: {
    debian: 'amd64',
    karch: 'x86',
    crossPrefix: 'x86_64-linux-gnu-',
    imageTarget: 'bzImage',
    imagePath: 'arch/x86/boot/bzImage',
    imageName: 'bzImage',
    qemuBinary: 'qemu-system-x86_64',
    nodeArch: 'x64',
  },
  aarch64: {
    debian: 'arm64',
    karch: 'arm64',
    crossPrefix: 'aarch64-linux-gnu-',
    imageTarget: 'Image',
    imagePath: 'arch/arm64/boot/Image',
    imageName: 'Image',
    qemuBinary: 'qemu-system-aarch64',
    nodeArch: 'arm64',
  },
  s390x: {
    debian: 's390x',
    karch: 's390',
    crossPrefix: 's390x-linux-gnu-',
    imageTarget: 'bzImage',
    imagePath: 'arch/s390/boot/bzImage',
    imageName: 'bzImage',
    qemuBinary: 'qemu-system-s390x',
    nodeArch: 's390x',
  },
};

/** Other spellings accepted for an arch (Debian's and the kernel's names). */
export const ARCH_ALIASES: Readonly<Record<string, Arch>> = {
  amd64: 'x86_64',
  x86: 'x86_64',
  arm64: 'aarch64',
  s390: 's390x',
};

export function isArch(text: string): text is Arch {
  return (ARCHES as readonly string[]).includes(text);
}

/** "x86_64", "amd64", "ARM64", " s390 " → the arch; anything else is a UserError. */
export function parseArch(text: string): Arch {
  const name = text.trim().toLowerCase();
  const arch = isArch(name) ? name : ARCH_ALIASES[name];
  if (!arch) throw new UserError(`unknown arch "${text}": use one of ${ARCHES.join(', ')}`);
  return arch;
}

/** The arch of the machine we run on (from process.arch), or undefined for any other. */
export function hostArch(nodeArch: string = process.arch): Arch | undefined {
  return ARCHES.find((a) => ARCH_NAMES[a].nodeArch === nodeArch);
}
