// Retries in the booted VM with the real test_progs, one boot for every check. A test is made to
// fail on its first attempt only by the guest environment: a setup step unmounts bpffs from
// /sys/fs/bpf (link_pinning pins links there), and the runner's beforeRetry hook mounts it again
// before the retry. Deterministic: nothing races, nothing sleeps.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { binaryConclusion, parseRun, runConclusion, walkTests } from '@bpf-ci/model';
import { toJUnitXml, writeSummary } from '@bpf-ci/report';
import { buildPlan, buildRunnerPlan, runVmTests, type RunnerPlan } from '@bpf-ci/vm';
import { debianVm, defaultSetup, ownSummary, scratch, timed } from './helpers.ts';

/** Fails on Debian's 6.1 kernel every time (Debian does not enable the BPF LSM). */
const ALWAYS_FAILS = 'test_lsm';
/** More than ten failing subtests there (kptr verifier cases 6.1 does not have). */
const MANY_FAILURES = 'map_kptr';

describe('flaky tests retried in the VM (Debian 6.1 under TCG)', () => {
  it('failed-then-passed is flaky with both attempts, failing every attempt is red, many failures trip the breaker, the DENYLIST pass reports a passing test', async () => {
    const setup = await defaultSetup();
    const logger = new MemoryLogger();
    const base = buildPlan(
      {
        arch: 'x86_64',
        selftestsDir: setup.dir,
        runners: ['test_progs'],
        allow: ['link_pinning'],
        // align passes on 6.1: the DENYLIST pass must report it as a candidate for removal.
        deny: ['align'],
        timeoutSec: 600,
        retry: { attempts: 1, waitSec: 60 },
        denylistPass: { timeoutSec: 300 },
      },
      logger,
    );
    const flakyRunner: RunnerPlan = {
      ...base.runners[0]!,
      beforeRetry: 'mount -t bpf bpffs /host/sys/fs/bpf',
    };
    const runner = (name: string, allow: string[]): RunnerPlan =>
      buildRunnerPlan({ kind: 'test_progs', name, allow, timeoutSec: 600 }, setup.dir, logger);
    const plan = {
      ...base,
      runners: [
        {
          name: 'hide-bpffs',
          kind: 'command' as const,
          argv: ['umount'],
          guestShell: 'umount /host/sys/fs/bpf',
          timeoutSec: 30,
        },
        flakyRunner,
        runner('test_progs-always', [ALWAYS_FAILS]),
        runner('test_progs-many', [MANY_FAILURES, ALWAYS_FAILS]),
      ],
    };
    const out = scratch('flaky');
    const outcome = await timed('flaky retries (4 runners, 2 retries, DENYLIST pass) in one boot', () =>
      runVmTests(debianVm(setup, plan, out), logger),
    );
    expect(outcome.fault).toBeUndefined();
    const run = parseRun(JSON.parse(readFileSync(outcome.resultsJson, 'utf8')));
    const [hide, flaky, always, many] = run.binaries;
    expect(hide?.exitCode).toBe(0);

    // link_pinning: failed (bpffs gone), then passed after the hook mounted it: flaky, both attempts kept.
    const firstLog = readFileSync(join(out, 'test_progs.log'), 'utf8');
    expect(firstLog).toMatch(/^#\d+\s+link_pinning:FAIL$/m);
    expect(ownSummary(join(out, 'test_progs.log'))?.failed).toBe(1);
    const retryLog = readFileSync(join(out, 'test_progs.attempt-2.1.log'), 'utf8');
    expect(retryLog).toMatch(/^#\d+\s+link_pinning:OK$/m);
    expect(ownSummary(join(out, 'test_progs.attempt-2.1.log'))).toMatchObject({ failed: 0 });
    const pinning = flaky?.tests.find((t) => t.name === 'link_pinning');
    expect(pinning?.status).toBe('pass');
    const failedSubs = pinning?.subtests.filter((s) => s.attempts[0]?.status === 'fail') ?? [];
    expect(failedSubs.length).toBeGreaterThan(0);
    for (const s of failedSubs) {
      expect(s.flaky, s.name).toBe(true);
      expect(s.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 'fail']]);
      expect(s.attempts[0]?.log.join('\n')).toMatch(/FAIL/);
    }
    expect(flaky?.retry?.attempts.map((a) => [a.attempt, a.exitCode])).toEqual([[2, 0]]);
    expect(flaky?.retry?.attempts[0]?.selectors).toEqual(failedSubs.map((s) => `link_pinning/${s.name}`));
    expect(binaryConclusion(flaky!)).toBe('success');
    expect(runConclusion({ ...run, binaries: [hide!, flaky!] })).toBe('success');

    // test_lsm failed on both attempts: a failure, not flaky.
    const lsm = always?.tests.find((t) => t.name === ALWAYS_FAILS);
    expect(lsm?.status).toBe('fail');
    expect(lsm?.flaky).toBeUndefined();
    expect(lsm?.attempts.map((a) => a.status)).toEqual(['fail']);
    expect(existsSync(join(out, 'test_progs-always.attempt-2.1.log'))).toBe(true);
    expect(binaryConclusion(always!)).toBe('failure');

    // More than 10 failures: nothing retried, and the reason says so.
    const manyFailed = [...walkTests(many?.tests ?? [])].filter((t) => t.parent && t.test.status === 'fail');
    expect(manyFailed.length).toBeGreaterThan(10);
    expect(many?.retry?.attempts).toEqual([]);
    expect(many?.retry?.notRetried).toMatch(
      /^not retried: \d+ tests failed, more than 10: the kernel is broken, not flaky$/,
    );
    expect(
      readdirSync(out).filter((f) => f.startsWith('test_progs-many.attempt-') && f.endsWith('.log')),
    ).toEqual([]);

    // The DENYLIST pass ran align (denylisted) at the end: now passing, and the verdict ignores it.
    expect(run.denylistPass).toMatchObject({ passing: ['align'], failing: [] });
    expect(flaky?.tests.some((t) => t.name === 'align')).toBe(false);
    expect(outcome.conclusion).toBe('failure');

    const summary = readFileSync(writeSummary(run, out), 'utf8');
    expect(summary).toContain('🔁 Flaky: failed, then passed on retry');
    expect(summary).toContain('DENYLIST pruning');
    expect(summary).toContain('Now passing: candidates to remove from the DENYLIST (1): align');
    expect(summary).toContain('the kernel is broken, not flaky');
    expect(toJUnitXml(run)).toContain('<flakyFailure');
  });
});
