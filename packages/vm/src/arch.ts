// What differs between the architectures a kernel under test boots on: the QEMU binary, the
// machine, the CPU, the serial console and the bus the virtio devices hang off.
import { execFileSync } from 'node:child_process';

export type Arch = 'x86_64' | 'aarch64' | 's390x';
export const ARCHES: readonly Arch[] = ['x86_64', 'aarch64', 's390x'];

export type Accelerator = 'kvm' | 'tcg';

export interface ArchProfile {
  arch: Arch;
  /** Debian's name for the architecture (package suffixes, multiarch). */
  debianArch: string;
  qemuBinary: string;
  /** `-machine` value. */
  machine: string;
  /** `-cpu` value under each accelerator. */
  cpu: Record<Accelerator, string>;
  /** The kernel's name for the serial console (console=...). */
  console: string;
  /** Suffix of virtio devices on this machine's bus: pci on x86/arm, ccw on s390x. */
  virtioBus: 'pci' | 'ccw';
  /** Extra QEMU arguments the machine needs (e.g. an explicit serial device). */
  extraArgs: readonly string[];
  /** Kernel command-line additions for this arch. */
  extraCmdline: readonly string[];
}

export const ARCH_PROFILES: Record<Arch, ArchProfile> = {
  x86_64: {
    arch: 'x86_64',
    debianArch: 'amd64',
    qemuBinary: 'qemu-system-x86_64',
    machine: 'q35',
    cpu: { kvm: 'host', tcg: 'max' },
    console: 'ttyS0',
    virtioBus: 'pci',
    extraArgs: ['-serial', 'chardev:console'],
    extraCmdline: [],
  },
  aarch64: {
    arch: 'aarch64',
    debianArch: 'arm64',
    qemuBinary: 'qemu-system-aarch64',
    machine: 'virt,gic-version=3',
    // `max` with QEMU's cheap pointer-authentication algorithm: the architected one costs a lot
    // under TCG.
    cpu: { kvm: 'host', tcg: 'max,pauth-impdef=on' },
    console: 'ttyAMA0',
    virtioBus: 'pci',
    extraArgs: ['-serial', 'chardev:console'],
    extraCmdline: [],
  },
  s390x: {
    arch: 's390x',
    debianArch: 's390x',
    qemuBinary: 'qemu-system-s390x',
    machine: 's390-ccw-virtio',
    cpu: { kvm: 'host', tcg: 'max' },
    // The SCLP line console; -serial is not a thing on s390x.
    console: 'ttysclp0',
    virtioBus: 'ccw',
    extraArgs: ['-device', 'sclpconsole,chardev=console'],
    extraCmdline: [],
  },
};

export function parseArch(name: string): Arch {
  const aliases: Record<string, Arch> = {
    x86_64: 'x86_64',
    amd64: 'x86_64',
    x86: 'x86_64',
    aarch64: 'aarch64',
    arm64: 'aarch64',
    s390x: 's390x',
  };
  const arch = aliases[name.trim().toLowerCase()];
  if (!arch) throw new Error(`unknown arch '${name}': use one of ${ARCHES.join(', ')}`);
  return arch;
}

/** The architecture of the machine we run on, in the kernel's naming. */
export function hostArch(): Arch | undefined {
  const map: Partial<Record<string, Arch>> = { x64: 'x86_64', arm64: 'aarch64', s390x: 's390x' };
  return map[process.arch];
}

/** True when the QEMU for this arch is installed (the s390x profile only exists where it is). */
export function qemuAvailable(profile: ArchProfile): boolean {
  try {
    execFileSync(profile.qemuBinary, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The profiles usable on this machine. */
export function availableProfiles(): ArchProfile[] {
  return ARCHES.map((a) => ARCH_PROFILES[a]).filter(qemuAvailable);
}
