// The words the run report uses for verdicts and labels, in one place for every rendering.
import type { Label, Verdict } from './analyze.ts';

export const VERDICT_TEXT: Record<Verdict | 'infra', string> = {
  success: 'success',
  warning: 'success with flaky or quarantined tests',
  failure: 'failure',
  infra: 'no results (infrastructure failure)',
};

export const LABEL_TEXT: Record<Label, string> = {
  new: 'new',
  'known-flaky': 'known flaky',
  'failing-on-base': 'also failing on the base branch',
};
