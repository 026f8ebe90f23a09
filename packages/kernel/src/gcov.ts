// GCOV coverage of chosen kernel directories. The kernel has a config option to profile everything
// (CONFIG_GCOV_PROFILE_ALL) but none for one directory: that is a `GCOV_PROFILE := y` line in the
// directory's Makefile (Documentation/dev-tools/gcov.rst). The build adds that line itself, without
// editing the source tree, through make's --eval, which GNU make passes to every sub-make: Kbuild
// runs one sub-make per directory with obj=<directory>, so the variable is `y` exactly there. A
// directory's own `GCOV_PROFILE := n` or `GCOV_PROFILE_file.o := n` still wins (it is read later).
// Pure.
import { parseCoverageDirectory, type ToolchainFamily } from '@bpf-ci/domain';
import type { ConfigFragment } from './config.ts';

export interface GcovOptions {
  /** Source-relative directories to profile, e.g. kernel/bpf (not their subdirectories). */
  directories: readonly string[];
}

export interface GcovBuild {
  fragment: ConfigFragment;
  /** Extra make arguments for the build of the image (not for config targets). */
  makeArgs: string[];
  /** For the build log: what was added and where. */
  description: string;
}

/**
 * What a build with GCOV of `options.directories` adds: CONFIG_GCOV_KERNEL (debugfs is where the
 * counters appear), the per-directory GCOV_PROFILE, and atomic counter updates: several CPUs run
 * the same BPF code at once (test_progs -j, per-CPU work), and non-atomic increments lose counts.
 */
export function gcovBuild(options: GcovOptions, family: ToolchainFamily): GcovBuild {
  const directories = [...new Set(options.directories.map(parseCoverageDirectory))];
  if (directories.length === 0) throw new Error('coverage needs at least one directory to profile');
  const fragment: ConfigFragment = {
    name: 'coverage (GCOV)',
    text: ['CONFIG_DEBUG_FS=y', 'CONFIG_GCOV_KERNEL=y', '# CONFIG_GCOV_PROFILE_ALL is not set', ''].join(
      '\n',
    ),
  };
  // gcc's own flags as the kernel's top Makefile sets them, with atomic updates forced rather than
  // "prefer-atomic" (which some kernels add and older ones lack); clang has no -fno-tree-loop-im.
  const flags = [
    '-fprofile-arcs',
    '-ftest-coverage',
    ...(family === 'gcc' ? ['-fno-tree-loop-im'] : []),
    '-fprofile-update=atomic',
  ];
  const eval_ = `GCOV_PROFILE = $(if $(filter ${directories.join(' ')},$(obj)),y)`;
  return {
    fragment,
    makeArgs: [`--eval=${eval_}`, `CFLAGS_GCOV=${flags.join(' ')}`],
    description:
      `GCOV: GCOV_PROFILE := y added for ${directories.join(', ')} by the build (make --eval; the source ` +
      `tree is not modified), CFLAGS_GCOV=${flags.join(' ')}, CONFIG_GCOV_KERNEL=y, debugfs on`,
  };
}
