// The retry policy on real runner output: what is retried and how it is selected, the circuit
// breaker's reasons, and failed-then-passed merged as flaky with both attempts kept.
import { describe, expect, it } from 'vitest';
import { binaryConclusion, newBinaryResult, newTestCase, type BinaryResult } from '@bpf-ci/model';
import { parseText } from '@bpf-ci/parsers';
import {
  DEFAULT_RETRY_POLICY,
  decideRetry,
  jobConclusion,
  mergeAttempts,
  notExactlySelectable,
  retryCommands,
  RetryPolicy,
  selectorMatches,
} from '@bpf-ci/flaky';
import { sampleText } from '../parsers/helpers.ts';

function parsed(name: string, binary = 'test_progs'): BinaryResult {
  const r = parseText(sampleText(name), { binary }).results[0];
  if (!r) throw new Error(`no result in ${name}`);
  return r;
}

const first = { attempt: 2, remainingSec: 3600 };

describe('which failures are retried', () => {
  it('a failed test_progs test is retried by its exact name with the original deny list, without -j or -J', () => {
    const result = parsed('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log');
    const decision = decideRetry(result, first, DEFAULT_RETRY_POLICY);
    expect(decision).toMatchObject({
      retry: true,
      selectors: ['setget_sockopt'],
      failed: ['setget_sockopt'],
    });
    if (!decision.retry) return;
    expect(
      retryCommands(
        'test_progs',
        ['./test_progs', '-a', 'a,b', '-d', 'x,y', '-j', '-w', '30', '-J', '/tmp/j.json'],
        decision.selectors,
      ),
    ).toEqual([['./test_progs', '-a', 'setget_sockopt', '-d', 'x,y', '-w', '30']]);
  });

  it('failed subtests are selected as test/subtest; a name with , or * goes through its parent, which is said', () => {
    const result = newBinaryResult('test_progs', {
      tests: [
        newTestCase('link_pinning', 'fail', {
          subtests: [newTestCase('pin_raw_tp', 'fail'), newTestCase('pin_tp_btf', 'pass')],
        }),
        newTestCase('tc_redirect', 'fail', {
          subtests: [newTestCase('tc_redirect_peer, ipv6', 'fail'), newTestCase('other', 'fail')],
        }),
        newTestCase('glob', 'fail', { subtests: [newTestCase('a*b', 'fail')] }),
      ],
    });
    const decision = decideRetry(result, first, DEFAULT_RETRY_POLICY);
    if (!decision.retry) throw new Error(decision.reason);
    expect(decision.selectors).toEqual(['link_pinning/pin_raw_tp', 'tc_redirect', 'glob']);
    expect(decision.viaParent).toEqual([
      {
        key: 'tc_redirect/tc_redirect_peer, ipv6',
        parent: 'tc_redirect',
        why: expect.stringContaining("','") as unknown,
      },
      { key: 'tc_redirect/other', parent: 'tc_redirect', why: expect.stringContaining("','") as unknown },
      { key: 'glob/a*b', parent: 'glob', why: expect.stringContaining("'*'") as unknown },
    ]);
    expect(notExactlySelectable('plain name: with colon')).toBeUndefined();
  });

  it('failed test_verifier tests are retried by number, one invocation each', () => {
    const result = parsed('test_verifier-debian6.1-tcg.log', 'test_verifier');
    const decision = decideRetry(result, first, DEFAULT_RETRY_POLICY);
    if (!decision.retry) throw new Error(decision.reason);
    const failedNumbers = result.tests.filter((t) => t.status === 'fail').map((t) => String(t.number));
    expect(decision.selectors).toEqual(failedNumbers);
    expect(failedNumbers.length).toBeGreaterThan(0);
    expect(retryCommands('test_verifier', ['./test_verifier'], decision.selectors)[0]).toEqual([
      './test_verifier',
      failedNumbers[0],
    ]);
  });
});

describe('the circuit breaker', () => {
  it('more than K failures: not retried, saying how many', () => {
    const result = parsed('test_progs-debian6.1-tcg.log');
    const decision = decideRetry(result, first, DEFAULT_RETRY_POLICY);
    expect(decision.retry).toBe(false);
    if (decision.retry) return;
    expect(decision.failed.length).toBeGreaterThan(10);
    expect(decision.reason).toBe(
      `not retried: ${decision.failed.length} tests failed, more than 10: the kernel is broken, not flaky`,
    );
    const loose = RetryPolicy.parse({ maxFailures: 1000 });
    expect(decideRetry(result, first, loose).retry).toBe(true);
  });

  it('a kernel splat: not retried, naming the splat', () => {
    const result = parsed('test_progs-with-kernel-splat-bad-page-xsk-part1-2025.log');
    const withFailure = { ...result, tests: [...result.tests, newTestCase('x', 'fail')] };
    const decision = decideRetry(withFailure, first, DEFAULT_RETRY_POLICY);
    expect(decision.retry).toBe(false);
    if (!decision.retry)
      expect(decision.reason).toMatch(
        /^not retried: the kernel reported \S+ \(.+\).*a broken kernel, not a flaky test$/,
      );
  });

  it('an incomplete run (VM or runner broke) and a crashed test: not retried, with the reason', () => {
    const broken = newBinaryResult('test_progs', {
      complete: false,
      incompleteReasons: ['vm-failure'],
      incompleteDetail: 'QEMU exited with 1',
      tests: [newTestCase('a', 'fail')],
    });
    const d1 = decideRetry(broken, first, DEFAULT_RETRY_POLICY);
    expect(d1).toMatchObject({
      retry: false,
      reason: expect.stringContaining('the run did not finish (QEMU exited with 1)') as unknown,
    });
    const crashed = parsed('test_progs-crash-sigsegv-stacktrace-bpf_tcp_ca-2024.log');
    const d2 = decideRetry(crashed, first, DEFAULT_RETRY_POLICY);
    expect(d2.retry).toBe(false);
  });

  it('no retry past the attempts or when the time budget is short; test_maps cannot select tests', () => {
    const result = parsed('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log');
    expect(decideRetry(result, { attempt: 3, remainingSec: 3600 }, DEFAULT_RETRY_POLICY)).toMatchObject({
      retry: false,
      reason: 'not retried again: 1 retry allowed',
    });
    expect(decideRetry(result, { attempt: 2, remainingSec: 20 }, DEFAULT_RETRY_POLICY)).toMatchObject({
      retry: false,
      reason: "not retried: 20 s of the runner's time budget left, less than 60 s",
    });
    const maps = newBinaryResult('test_maps', { tests: [newTestCase('test_sockmap', 'fail')] });
    expect(decideRetry(maps, first, DEFAULT_RETRY_POLICY)).toMatchObject({ retry: false });
  });
});

describe('merging attempts', () => {
  it('failed then passed is flaky with both attempts kept and the job green; fail-on-flaky makes it red', () => {
    const original = parsed('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log');
    const retryRun = parsed('test_progs-serial-pass-sockopt-ppc64-2025.log');
    const retry = { ...retryRun, tests: retryRun.tests.filter((t) => t.name === 'setget_sockopt') };
    const merged = mergeAttempts(
      original,
      [
        {
          attempt: {
            attempt: 2,
            selectors: ['setget_sockopt'],
            commands: ['./test_progs -a setget_sockopt'],
            logs: ['test_progs.attempt-2.log'],
          },
          result: retry,
        },
      ],
      { maxRetries: 1, viaParent: [] },
    );
    const t = merged.tests.find((x) => x.name === 'setget_sockopt');
    expect(t?.status).toBe('pass');
    expect(t?.flaky).toBe(true);
    expect(t?.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 'fail']]);
    expect(t?.attempts[0]?.assertions.length).toBeGreaterThan(0);
    // The tool's own Summary line stays the first attempt's; the verdict is the final one.
    expect(merged.printedCounts?.failed).toBe(1);
    expect(merged.parsedCounts.failed).toBe(0);
    expect(binaryConclusion(merged)).toBe('success');
    const run = { schemaVersion: 1 as const, context: {}, binaries: [merged], events: [], sources: [] };
    expect(jobConclusion(run, { failOnFlaky: false })).toBe('success');
    expect(jobConclusion(run, { failOnFlaky: true })).toBe('failure');
  });

  it('failed on every attempt stays a failure', () => {
    const original = parsed('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log');
    const again = { ...original, tests: original.tests.filter((t) => t.name === 'setget_sockopt') };
    const merged = mergeAttempts(
      original,
      [{ attempt: { attempt: 2, selectors: ['setget_sockopt'], commands: [], logs: [] }, result: again }],
      { maxRetries: 1, viaParent: [] },
    );
    expect(merged.tests.find((x) => x.name === 'setget_sockopt')?.flaky).toBeUndefined();
    expect(binaryConclusion(merged)).toBe('failure');
  });
});

describe('selectors', () => {
  it('a test selector covers its subtests; globs match within a part', () => {
    expect(selectorMatches('netcnt', 'netcnt')).toBe(true);
    expect(selectorMatches('netcnt', 'netcnt/basic')).toBe(true);
    expect(selectorMatches('netcnt', 'netcnt2')).toBe(false);
    expect(selectorMatches('sockmap_*', 'sockmap_basic/x')).toBe(true);
    expect(selectorMatches('a/b*', 'a/bc')).toBe(true);
    expect(selectorMatches('a/b*', 'a')).toBe(false);
    expect(selectorMatches('a.b', 'axb')).toBe(false);
  });
});
