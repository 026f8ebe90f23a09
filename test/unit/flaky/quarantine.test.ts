// The quarantine file: a quarantined failure is a warning and the job green; a splat is never
// quarantined; an expired entry and an unmatched entry are named; a malformed file says where and how to fix it.
import { describe, expect, it } from 'vitest';
import {
  newBinaryResult,
  newRun,
  newTestCase,
  runConclusion,
  type ConsoleEvent,
  type Run,
} from '@bpf-ci/model';
import { parseText } from '@bpf-ci/parsers';
import { applyQuarantine, parseQuarantine, QuarantineFileError, summarizeDenylistPass } from '@bpf-ci/flaky';
import { sampleText } from '../parsers/helpers.ts';

const FILE = `# flaky on TCG, see the thread
quarantine:
  - test: setget_sockopt
    variants: [{ arch: ppc64, accelerator: tcg }]
    reason: "actual 0 != expected 1 under TCG"
    link: https://lore.kernel.org/bpf/20250101000000.1-1-someone@example.org/
    owner: someone@example.org
    expires: 2026-12-31
  - test: netcnt
    reason: counter races the softirq
    link: https://github.com/kernel-patches/bpf/issues/1
    owner: other@example.org
    expires: 2026-01-31
  - test: sockmap_*/never_here
    reason: gone
    link: https://github.com/kernel-patches/bpf/issues/2
    owner: third@example.org
    expires: 2027-01-01
`;

function ppc64Run(): Run {
  const result = parseText(sampleText('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'), {
    binary: 'test_progs',
  }).results[0];
  if (!result) throw new Error('no result');
  const netcnt = newTestCase('netcnt', 'fail', {
    log: ['netcnt:FAIL:netcnt unexpected netcnt: actual 10001 != expected 10000'],
  });
  return newRun({ arch: 'ppc64', accelerator: 'tcg' }, [{ ...result, tests: [...result.tests, netcnt] }]);
}

describe('quarantine', () => {
  const file = parseQuarantine(FILE, 'q.yml');

  it('a quarantined failure is marked and the job is green; it still ran and keeps its log', () => {
    const run = ppc64Run();
    run.binaries[0]!.tests = run.binaries[0]!.tests.filter((t) => t.name !== 'netcnt');
    expect(runConclusion(run)).toBe('failure');
    const { run: after, report } = applyQuarantine(run, file, '2026-06-01', 'q.yml');
    const t = after.binaries[0]?.tests.find((x) => x.name === 'setget_sockopt');
    expect(t?.status).toBe('fail');
    expect(t?.log.length).toBeGreaterThan(0);
    expect(t?.quarantined).toMatchObject({
      selector: 'setget_sockopt',
      owner: 'someone@example.org',
      expires: '2026-12-31',
    });
    expect(runConclusion(after)).toBe('success');
    // netcnt's entry has expired (it is named there), the glob matches no test of this run.
    expect(report.unmatched).toEqual(['sockmap_*/never_here']);
    expect(report.expired.map((e) => e.selector)).toEqual(['netcnt']);
  });

  it('an expired entry stops quarantining and is named; the failure fails the job again', () => {
    const { run: after, report } = applyQuarantine(ppc64Run(), file, '2026-06-01', 'q.yml');
    expect(report.expired).toEqual([
      { selector: 'netcnt', expires: '2026-01-31', owner: 'other@example.org' },
    ]);
    expect(after.binaries[0]?.tests.find((x) => x.name === 'netcnt')?.quarantined).toBeUndefined();
    expect(runConclusion(after)).toBe('failure');
    // Through its expiry day it still applies.
    const onTheDay = applyQuarantine(ppc64Run(), file, '2026-01-31', 'q.yml');
    expect(onTheDay.report.expired).toEqual([]);
    expect(runConclusion(onTheDay.run)).toBe('success');
  });

  it("another variant's entry does not apply there and is not reported as unmatched", () => {
    const run = ppc64Run();
    run.context = { arch: 'x86_64', accelerator: 'kvm' };
    const { run: after, report } = applyQuarantine(run, file, '2026-06-01');
    expect(after.binaries[0]?.tests.find((x) => x.name === 'setget_sockopt')?.quarantined).toBeUndefined();
    expect(report.unmatched).toEqual(['sockmap_*/never_here']);
  });

  it('a kernel splat while a quarantined test ran is never quarantined, and the refusal is reported', () => {
    const splat: ConsoleEvent = {
      kind: 'warning',
      title: 'WARNING: CPU: 0 PID: 1 at net/core/sock.c:1',
      lines: [],
      callTrace: [],
      test: 'netcnt',
    };
    const run = newRun({}, [
      newBinaryResult('test_progs', { tests: [newTestCase('netcnt', 'fail')], events: [splat] }),
    ]);
    const { run: after, report } = applyQuarantine(run, file, '2026-01-01');
    expect(after.binaries[0]?.tests[0]?.quarantined).toBeUndefined();
    expect(report.refused).toEqual([
      { key: 'netcnt', selector: 'netcnt', why: expect.stringContaining('WARNING: CPU: 0') as unknown },
    ]);
    const crashed = newRun({}, [
      newBinaryResult('test_progs', { tests: [newTestCase('netcnt', 'error', { reason: 'signal 11' })] }),
    ]);
    expect(applyQuarantine(crashed, file, '2026-01-01').report.refused[0]?.why).toBe(
      'it crashed (signal 11)',
    );
  });

  it('a subtest entry quarantines the parent that failed only through it', () => {
    const q = parseQuarantine(
      'quarantine:\n  - test: tc_redirect/peer*\n    reason: r\n    link: https://x.org/1\n    owner: o\n    expires: 2030-01-01\n',
    );
    const run = newRun({}, [
      newBinaryResult('test_progs', {
        tests: [
          newTestCase('tc_redirect', 'fail', {
            subtests: [newTestCase('peer_v4', 'fail'), newTestCase('ok', 'pass')],
          }),
        ],
      }),
    ]);
    const { run: after } = applyQuarantine(run, q, '2026-01-01');
    expect(after.binaries[0]?.tests[0]?.quarantined?.selector).toBe('tc_redirect/peer*');
    expect(after.binaries[0]?.tests[0]?.subtests[0]?.quarantined?.selector).toBe('tc_redirect/peer*');
    expect(runConclusion(after)).toBe('success');
  });
});

describe('a malformed quarantine file', () => {
  const issues = (text: string): QuarantineFileError['issues'] => {
    try {
      parseQuarantine(text, 'q.yml');
    } catch (err) {
      if (err instanceof QuarantineFileError) return err.issues;
      throw err;
    }
    throw new Error('no error');
  };

  it('bad YAML: line and column', () => {
    const [i] = issues('quarantine:\n  - test: a\n   reason: [unclosed\n');
    expect(i).toMatchObject({
      file: 'q.yml',
      line: expect.any(Number) as unknown,
      message: expect.stringMatching(/^not valid YAML/) as unknown,
    });
    expect(i?.line).toBeGreaterThanOrEqual(2);
  });

  it('a missing owner, a bad date, an unknown key: each at its line and column with the fix', () => {
    const text = [
      'quarantine:',
      '  - test: netcnt',
      '    reason: r',
      '    link: https://x.org/1',
      '    expires: 31/12/2026',
      '    ownr: me',
    ].join('\n');
    const found = issues(text);
    const byField = (f: string) => found.find((i) => i.message.includes(f));
    expect(byField('expires')).toMatchObject({
      line: 5,
      column: 14,
      fix: expect.stringContaining('YYYY-MM-DD') as unknown,
    });
    expect(byField("'ownr'") ?? found.find((i) => i.fix.includes("'ownr'"))).toMatchObject({
      line: 6,
      column: 5,
    });
    expect(found.find((i) => i.fix.includes("add 'owner:'"))).toBeDefined();
    expect(new QuarantineFileError(found).message).toContain('q.yml:5:14: ');
  });

  it('an unknown variant key and accelerator', () => {
    const found = issues(
      'quarantine:\n  - test: a\n    variants: [{ accelerator: hvf }]\n    reason: r\n    link: https://x.org/1\n    owner: o\n    expires: 2030-01-01\n',
    );
    expect(found[0]).toMatchObject({ line: 3, fix: 'write kvm or tcg' });
  });
});

describe('the DENYLIST pass', () => {
  it('lists the denylisted tests that now pass, those still failing and those that did not run', () => {
    const result = parseText(sampleText('test_progs-debian6.1-tcg.log'), { binary: 'test_progs' }).results[0];
    if (!result) throw new Error('no result');
    const pass = summarizeDenylistPass(
      ['align', 'bpf_cookie', 'link_pinning/pin_raw_tp', 'not_in_this_build'],
      result,
      [],
    );
    expect(pass.passing).toEqual(['align', 'link_pinning/pin_raw_tp']);
    expect(pass.failing).toEqual(['bpf_cookie']);
    expect(pass.detail).toBe('no result for not_in_this_build');
  });
});
