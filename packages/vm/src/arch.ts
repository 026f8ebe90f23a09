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

export const ARCH_PROFILES: Record<Arch, ArchProfile> = {
  x86_64: {
    arch: 'x86_64',
    qemuBinary: ARCH_NAMES.x86_64.qemuBinary,
    machine: 'q35',
    cpu: { kvm: 'host', tcg: 'max' },
    console: 'ttyS0',
    virtioBus: 'pci',
    extraArgs: ['-serial', 'chardev:console'],
    extraCmdline: [],
  },
  aarch64: {
    arch: 'aarch64',
    qemuBinary: ARCH_NAMES.aarch64.qemuBinary,
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
    qemuBinary: ARCH_NAMES.s390x.qemuBinary,
    machine: 's390-ccw-virtio',
    cpu: { kvm: 'host', tcg: 'max' },
    // The SCLP line console; -serial is not a thing on s390x.
    console: 'ttysclp0',
    virtioBus: 'ccw',
    extraArgs: ['-device', 'sclpconsole,chardev=console'],
    extraCmdline: [],
  },
};
