import { describe, expect, it } from 'vitest';
import { buildAnnotations, diffRuns, parseCsv } from '@bpf-ci/veristat';
import { BASELINE_2026, PATCHED_2026, sample } from './helpers.ts';

describe('veristat annotations', () => {
  it('one per new failure, naming file and program; capped at 10 with a count of the rest', () => {
    // Every program that verified in the baseline fails in new: 13 new failures.
    const next = sample(PATCHED_2026).replace(/,success,/g, ',failure,');
    const diff = diffRuns(parseCsv(sample(BASELINE_2026)), parseCsv(next));
    const all = buildAnnotations(diff, { max: 100 });
    expect(all).toHaveLength(13);
    expect(all[0]).toEqual({
      level: 'error',
      title: 'veristat: new verification failure: bpf_flow.bpf.o _dissect',
      message: 'Program _dissect in bpf_flow.bpf.o passed the verifier in the base run and fails now.',
    });
    const capped = buildAnnotations(diff);
    expect(capped).toHaveLength(10);
    expect(capped.slice(0, 9).map((a) => a.title)).toEqual(all.slice(0, 9).map((a) => a.title));
    expect(capped[9]).toEqual({
      level: 'error',
      title: 'veristat: 4 more findings',
      message: '4 more programs are listed in the step summary.',
    });
  });
});
