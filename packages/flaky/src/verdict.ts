// The job's verdict with the flaky policy: flaky tests pass unless the config says fail-on-flaky.
import { flakyTests, runConclusion, type Conclusion, type Run } from '@bpf-ci/model';
import type { RetryPolicy } from './policy.ts';

export function jobConclusion(run: Run, policy: Pick<RetryPolicy, 'failOnFlaky'>): Conclusion {
  const conclusion = runConclusion(run);
  if (conclusion !== 'success' || !policy.failOnFlaky) return conclusion;
  return run.binaries.some((b) => flakyTests(b).length > 0) ? 'failure' : 'success';
}
