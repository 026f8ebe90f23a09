import { ARCH_NAMES, ARCHES, type Arch } from '@bpf-ci/domain';

/** The boot image `make` builds for each arch: its file name in the kernel-build artifact. */
export const KERNEL_IMAGE: Record<Arch, string> = Object.fromEntries(
  ARCHES.map((a) => [a, ARCH_NAMES[a].imageName]),
) as Record<Arch, string>;
