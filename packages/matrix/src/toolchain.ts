// Names the config uses for architectures, compilers and test runners: bpf-ci's vocabulary from
// @bpf-ci/domain, re-exported under the names this package has always exported.
import { ARCH_NAMES, ARCHES, type Arch } from '@bpf-ci/domain';

export {
  ARCHES,
  BPF_RUNNERS,
  CPUV4_MIN_LLVM,
  CPUV4_RUNNER,
  PARALLEL_RUNNERS,
  PARALLEL_SUFFIX,
  TOOLCHAIN_FAMILIES,
  TOOLCHAIN_PATTERN,
  parsePinnedToolchain as parseToolchain,
  suggestToolchain,
  type Arch,
  type ToolchainFamily,
} from '@bpf-ci/domain';

/** The boot image `make` builds for each arch: its file name in the kernel-build artifact. */
export const KERNEL_IMAGE: Record<Arch, string> = Object.fromEntries(
  ARCHES.map((a) => [a, ARCH_NAMES[a].imageName]),
) as Record<Arch, string>;
