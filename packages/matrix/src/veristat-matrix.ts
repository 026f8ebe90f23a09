// The veristat jobs: one per build the config's `veristat.on` selects. Each boots its build's
// kernel, runs the build's own veristat on the selftests' BPF objects, and compares the CSV with the
// base branch's baseline (stored by the runs on the base branch itself).
import { z } from 'zod';
import type { Arch } from '@bpf-ci/domain';

export const VERISTAT_DEFAULTS = {
  /** Globs in the selftests folder, as the guest's shell expands them. */
  objects: ['*.bpf.o'],
  timeoutMinutes: 30,
} as const;

/** veristat object globs: relative to the selftests folder, no white space (the guest splits on it). */
export const ObjectGlob = z
  .string()
  .regex(/^[^\s/~][^\s]*$/, { error: 'a glob relative to the selftests folder, without white space' })
  .refine((g) => !g.split('/').includes('..'), { error: 'a glob must not climb out with ..' });

export const VeristatKeys = {
  objects: z
    .array(ObjectGlob)
    .min(1)
    .default([...VERISTAT_DEFAULTS.objects]),
  /** veristat-diff's thresholds (YAML) in the repository, read from the base commit; unset, its defaults. */
  thresholds: z.string().min(1).optional(),
  'timeout-minutes': z.int().min(1).max(4320).default(VERISTAT_DEFAULTS.timeoutMinutes),
};

/** One veristat job. */
export interface VeristatEntry {
  /** The job name: `veristat on <arch> with <toolchain>`. */
  name: string;
  arch: Arch;
  toolchain: string;
  'runs-on': string[];
  /** The time vmtest-runner gives veristat. */
  'timeout-minutes': number;
  'job-timeout-minutes': number;
  /** The build artifact to download. */
  artifact: string;
  'kernel-image': string;
  /** Newline-separated object globs in the selftests folder. */
  objects: string;
  /** veristat-diff's thresholds file, or '' for its defaults. */
  thresholds: string;
  /** Cache key prefix of this variant's baselines; the workflow appends the branch and commit. */
  'baseline-key': string;
  /** Name of the artifact this job uploads its output to. */
  'results-artifact': string;
}

export function veristatEntry(
  build: { arch: Arch; toolchain: string; artifact: string },
  keys: { objects: string[]; thresholds?: string | undefined; 'timeout-minutes': number },
  where: { runsOn: string[]; kernelImage: string; overheadMinutes: number },
): VeristatEntry {
  const label = `${build.arch}-${build.toolchain}`;
  return {
    name: `veristat on ${build.arch} with ${build.toolchain}`,
    arch: build.arch,
    toolchain: build.toolchain,
    'runs-on': where.runsOn,
    'timeout-minutes': keys['timeout-minutes'],
    'job-timeout-minutes': keys['timeout-minutes'] + where.overheadMinutes,
    artifact: build.artifact,
    'kernel-image': where.kernelImage,
    objects: keys.objects.join('\n'),
    thresholds: keys.thresholds ?? '',
    'baseline-key': `veristat-${label}`,
    'results-artifact': `veristat-${label}`,
  };
}
