// What differs between the architectures a kernel under test boots on: the QEMU binary, the
// machine, the CPU, the serial console and the bus the virtio devices hang off.
import { ARCH_NAMES, type Arch } from '@bpf-ci/domain';

export type Accelerator = 'kvm' | 'tcg';

export interface ArchProfile {
  arch: Arch;
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

/**
 * A profile from what its arch does differently. The rest is common to all: QEMU's binary named
 * after the arch, the host's own CPU under KVM (`max` under TCG unless said), virtio on PCI, the
 * console on the first serial port, no extra kernel command line.
 */
function archProfile(
  arch: Arch,
  own: Pick<ArchProfile, 'machine' | 'console'> &
    Partial<Pick<ArchProfile, 'virtioBus' | 'extraArgs'>> & { tcgCpu?: string },
): ArchProfile {
  const { tcgCpu = 'max', ...rest } = own;
  return {
    arch,
    qemuBinary: ARCH_NAMES[arch].qemuBinary,
    cpu: { kvm: 'host', tcg: tcgCpu },
    virtioBus: 'pci',
    extraArgs: ['-serial', 'chardev:console'],
    extraCmdline: [],
    ...rest,
  };
}

export const ARCH_PROFILES: Record<Arch, ArchProfile> = {
  x86_64: archProfile('x86_64', { machine: 'q35', console: 'ttyS0' }),
  aarch64: archProfile('aarch64', {
    machine: 'virt,gic-version=3',
    console: 'ttyAMA0',
    // `max` with QEMU's cheap pointer-authentication algorithm: the architected one costs a lot
    // under TCG.
    tcgCpu: 'max,pauth-impdef=on',
  }),
  s390x: archProfile('s390x', {
    machine: 's390-ccw-virtio',
    // The SCLP line console; -serial is not a thing on s390x.
    console: 'ttysclp0',
    virtioBus: 'ccw',
    extraArgs: ['-device', 'sclpconsole,chardev=console'],
  }),
};
