// Which run a test_progs -J JSON summary file belongs to, from file names alone. Two habits exist:
// the summary written beside its run's stdout under the same stem (NAME.json next to NAME.log: the
// vm runner's output folder, the files given to `bpf-ci parse`), and libbpf/ci's names after the
// binary and its variant, test_progs[_no_alu32|_cpuv4][_parallel].json
// (https://github.com/libbpf/ci/blob/92caeba5960c80c58afd8cd6cb1856f1f4d49450/run-vmtest/run-bpf-selftests.sh).
import { basename, extname } from 'node:path';

function stem(file: string): string {
  return basename(file, extname(file));
}

/** NAME.json for the log NAME.log (or NAME): where a run's JSON summary is written beside its log. */
export function jsonSummaryBeside(log: string): string {
  return `${stem(log)}.json`;
}

/**
 * The binary and variant a JSON summary's libbpf/ci name spells:
 * test_progs[_no_alu32|_cpuv4][_parallel].json → test_progs, test_progs-no_alu32, ... with
 * `parallel` as the variant.
 */
export function jsonSummaryTarget(file: string): { binary: string; variant?: string } {
  const name = basename(file).replace(/\.json$/i, '');
  const parallel = /[_-]parallel$/i.test(name);
  const binary = name.replace(/[_-]parallel$/i, '').replace(/^test_progs_/, 'test_progs-');
  return parallel ? { binary, variant: 'parallel' } : { binary };
}

/** A run a JSON summary may belong to: its binary and variant, and its log file when known. */
export interface JsonSummaryCandidate {
  binary: string;
  variant?: string | undefined;
  log?: string | undefined;
}

const normalise = (name: string): string => name.toLowerCase().replace(/_/g, '-');

/**
 * The index in `candidates` of the run the JSON summary `file` summarises, or -1: the run whose
 * log it was written beside (the same stem) first, else the run of the binary and variant its
 * libbpf/ci name spells.
 */
export function jsonSummaryOwner(file: string, candidates: readonly JsonSummaryCandidate[]): number {
  const beside = candidates.findIndex(
    (c) => c.log !== undefined && jsonSummaryBeside(c.log) === jsonSummaryBeside(file),
  );
  if (beside >= 0) return beside;
  const target = jsonSummaryTarget(file);
  return candidates.findIndex(
    (c) => normalise(c.binary) === normalise(target.binary) && c.variant === target.variant,
  );
}
