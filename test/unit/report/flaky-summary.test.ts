// The step summary and the annotations with the flaky policy applied: flaky as a state of its own,
// quarantined failures as warnings in their own section, the quarantine file's expired and unmatched
// entries, why nothing was retried, and the DENYLIST pruning pass.
import { applyQuarantine, mergeAttempts, parseQuarantine, summarizeDenylistPass } from '@bpf-ci/flaky';
import { newBinaryResult, newTestCase, runConclusion } from '@bpf-ci/model';
import { buildAnnotations, renderStepSummary } from '@bpf-ci/report';
import { describe, expect, it } from 'vitest';
import { assertion, failedTest, runWith, testProgsResult } from './runs.ts';
import { checkSummary } from './summary-structure.ts';

const QUARANTINE = parseQuarantine(`quarantine:
  - test: netcnt
    reason: counter races the softirq under TCG
    link: https://lore.kernel.org/bpf/x/
    owner: someone@example.org
    expires: 2026-12-31
  - test: migrate_reuseport
    reason: old
    link: https://lore.kernel.org/bpf/y/
    owner: other@example.org
    expires: 2026-01-01
  - test: no_such_test
    reason: r
    link: https://lore.kernel.org/bpf/z/
    owner: third@example.org
    expires: 2026-12-31
`);

describe('summary and annotations with flaky, quarantined and DENYLIST results', () => {
  it('a quarantined failure is a warning in its own section and the job is green', () => {
    const result = testProgsResult(0, 2);
    result.tests.push(failedTest(141, 'netcnt', assertion('netcnt', 'netcnt', '10001', '10000')));
    const { run } = applyQuarantine(
      runWith(result),
      QUARANTINE,
      '2026-06-01',
      '.github/bpf-ci-quarantine.yml',
    );
    expect(runConclusion(run)).toBe('success');
    const md = renderStepSummary(run);
    const r = checkSummary(md);
    expect(r.text).toContain('🔕 Quarantined failures: warnings, not failing the job (1)');
    expect(r.text).toContain(
      'netcnt: quarantined until 2026-12-31, owner someone@example.org, https://lore.kernel.org/bpf/x/: counter races the softirq under TCG',
    );
    expect(r.text).not.toContain('❌ Failures');
    expect(r.text).toContain(
      'migrate_reuseport expired on 2026-01-01 (owner other@example.org): no longer quarantined',
    );
    expect(r.text).toContain('no_such_test matches no test of this job');
    const annotations = buildAnnotations(run);
    expect(annotations.filter((a) => a.level === 'error')).toEqual([]);
    expect(annotations.find((a) => a.title.endsWith('quarantined netcnt'))).toMatchObject({
      level: 'warning',
    });
  });

  it('flaky shows every attempt and is a warning annotation; not-retried says why', () => {
    const original = newBinaryResult('test_progs', {
      tests: [failedTest(7, 'tc_redirect', assertion('tc', 'ping', '1', '0'))],
      exitCode: 1,
    });
    const merged = mergeAttempts(
      original,
      [
        {
          attempt: { attempt: 2, selectors: ['tc_redirect'], commands: [], logs: [] },
          result: newBinaryResult('test_progs', {
            tests: [newTestCase('tc_redirect', 'pass', { number: 7 })],
          }),
        },
      ],
      { maxRetries: 1, viaParent: [] },
    );
    const broken = testProgsResult(12, 0, {
      binary: 'test_progs-no_alu32',
      retry: {
        maxRetries: 1,
        attempts: [],
        viaParent: [],
        notRetried: 'not retried: 12 tests failed, more than 10: the kernel is broken, not flaky',
      },
    });
    const run = runWith(merged, broken);
    const r = checkSummary(renderStepSummary(run));
    expect(r.text).toContain('🔁 Flaky: failed, then passed on retry (1)');
    expect(r.text).toContain(
      'tc_redirect (fail → pass): tc:FAIL:ping unexpected ping: actual 1 != expected 0',
    );
    expect(r.text).toContain('Attempt 2: re-ran tc_redirect');
    expect(r.text).toContain(
      '⛔ not retried: 12 tests failed, more than 10: the kernel is broken, not flaky',
    );
    const flaky = buildAnnotations(run).find((a) => a.title.includes('flaky tc_redirect'));
    expect(flaky?.level).toBe('warning');
  });

  it('the DENYLIST pass lists a denylisted test that now passes and never changes the verdict', () => {
    const result = testProgsResult(0, 1);
    const pass = summarizeDenylistPass(['pass_0', 'fail_0'], testProgsResult(1, 1), []);
    const run = { ...runWith(result), denylistPass: pass };
    expect(runConclusion(run)).toBe('success');
    const r = checkSummary(renderStepSummary(run));
    expect(r.text).toContain('DENYLIST pruning (informational, never changes the verdict)');
    expect(r.text).toContain('Now passing: candidates to remove from the DENYLIST (1): pass_0');
    expect(r.text).toContain('Still failing (1): fail_0');
  });
});
