import { describe, expect, it } from 'vitest';
import { checkPatchThreshold, coverageReport, parseLcov, type PatchSummary } from '@bpf-ci/coverage';

const TRACEFILE = `SF:/src/linux/kernel/bpf/verifier.c
FN:10,do_check
FNDA:3,do_check
DA:10,3
DA:11,3
DA:12,0
DA:13,0
end_of_record
`;

/** The report.patch a job writes into results.json for `added` lines of kernel/bpf/verifier.c. */
function patchOf(lines: number[]): PatchSummary {
  const { report } = coverageReport({
    files: parseLcov(TRACEFILE),
    directories: ['kernel/bpf'],
    sourceDir: '/src/linux',
    diff: { base: 'b0', head: 'h1', added: new Map([['kernel/bpf/verifier.c', lines]]) },
  });
  return report.patch!;
}

describe('coverage: patch-threshold', () => {
  it('without a threshold never judges, however little of the change ran', () => {
    expect(checkPatchThreshold(patchOf([12, 13]), undefined)).toEqual({ status: 'not-set' });
    expect(checkPatchThreshold(undefined, undefined)).toEqual({ status: 'not-set' });
  });

  it('below the threshold is a failure whose message gives the figures and the commits', () => {
    const check = checkPatchThreshold(patchOf([11, 12, 13]), 50);
    expect(check).toEqual({
      status: 'below',
      threshold: 50,
      percent: 33.3,
      message:
        'Patch coverage 33.3 % is below the threshold of 50 %: 1 of 3 added executable lines of b0..h1 ran in a test',
    });
  });

  it('at or above the threshold is met (compared as shown, one decimal)', () => {
    expect(checkPatchThreshold(patchOf([10, 11, 12]), 66.7)).toMatchObject({ status: 'met', percent: 66.7 });
    expect(checkPatchThreshold(patchOf([10, 11]), 100)).toMatchObject({
      status: 'met',
      message:
        'Patch coverage 100.0 % meets the threshold of 100 %: 2 of 2 added executable lines of b0..h1 ran in a test',
    });
    expect(checkPatchThreshold(patchOf([10, 11, 12]), 66.8)).toMatchObject({
      status: 'below',
      percent: 66.7,
    });
    expect(checkPatchThreshold(patchOf([12]), 0)).toMatchObject({ status: 'met', percent: 0 });
  });

  it('with nothing to judge (no diff, or no executable added line) says so and does not fail', () => {
    expect(checkPatchThreshold(undefined, 80)).toEqual({
      status: 'not-applicable',
      threshold: 80,
      message: 'Patch coverage threshold 80 % not checked: no base and head commits to compare',
    });
    // Line 20 has no code (no DA record): a comment, a brace, a declaration.
    expect(checkPatchThreshold(patchOf([20]), 80)).toEqual({
      status: 'not-applicable',
      threshold: 80,
      message:
        'Patch coverage threshold 80 % not checked: b0..h1 adds no executable line under the profiled directories',
    });
  });
});
