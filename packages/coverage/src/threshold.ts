// The config's `coverage: patch-threshold`: whether enough of a change's added executable lines
// ran in a test. The one rule for the CLI and the workflow's report. Only patch coverage is
// judged, and only when a threshold is set: without one, coverage never fails a run. Pure.
import type { CoverageReport } from '@bpf-ci/model';
import { percent as shownPercent } from './lcov.ts';

export type PatchSummary = NonNullable<CoverageReport['patch']>;

export type PatchThresholdCheck =
  /** No threshold configured: nothing to judge. */
  | { status: 'not-set' }
  /** A threshold, but nothing it applies to (no diff, or no executable added line). */
  | { status: 'not-applicable'; threshold: number; message: string }
  | { status: 'met' | 'below'; threshold: number; percent: number; message: string };

export function checkPatchThreshold(
  patch: PatchSummary | undefined,
  threshold: number | undefined,
): PatchThresholdCheck {
  if (threshold === undefined) return { status: 'not-set' };
  if (!patch) {
    return {
      status: 'not-applicable',
      threshold,
      message: `Patch coverage threshold ${threshold} % not checked: no base and head commits to compare`,
    };
  }
  const found = patch.covered + patch.uncovered.length;
  const range = `${patch.base}..${patch.head}`;
  if (found === 0) {
    return {
      status: 'not-applicable',
      threshold,
      message: `Patch coverage threshold ${threshold} % not checked: ${range} adds no executable line under the profiled directories`,
    };
  }
  // The percentage as the report shows it (one decimal): the comparison uses the shown value.
  const percent = shownPercent({ hit: patch.covered, found })!;
  const ran = `${patch.covered} of ${found} added executable lines of ${range} ran in a test`;
  return percent < threshold
    ? {
        status: 'below',
        threshold,
        percent,
        message: `Patch coverage ${percent.toFixed(1)} % is below the threshold of ${threshold} %: ${ran}`,
      }
    : {
        status: 'met',
        threshold,
        percent,
        message: `Patch coverage ${percent.toFixed(1)} % meets the threshold of ${threshold} %: ${ran}`,
      };
}
