// The host's side of retries, on real runner logs in an output folder: at the runner's end marker
// it writes the guest's retry plan (argv files, then the plan), and at the end it merges every
// attempt. The guest's side runs in the VM e2e (test/e2e/vm-flaky.test.ts).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { binaryConclusion, newRun } from '@bpf-ci/model';
import { parseFile } from '@bpf-ci/parsers';
import { guestInit, RetryCoordinator, type RunPlan, type RunnerProgress } from '@bpf-ci/vm';
import { sample } from '../parsers/helpers.ts';

function plan(attempts: number): RunPlan {
  return {
    schemaVersion: 1,
    cwd: '/selftests',
    runners: [
      { name: 'test_progs', kind: 'test_progs', argv: ['./test_progs', '-d', 'x', '-j'], timeoutSec: 900 },
    ],
    retry: { attempts, maxFailures: 10, minBudgetSec: 60, failOnFlaky: false, waitSec: 30 },
  };
}

const progress: RunnerProgress[] = [
  {
    runner: 'test_progs',
    done: 1,
    failed: 1,
    startedAt: Date.now(),
    endedAt: Date.now(),
    beginLine: 1,
    endLine: 50,
  },
];

async function settle(c: RetryCoordinator): Promise<void> {
  await c.finish(newRun());
}

/** The guest's read-only system folders, as the runner shares them. */
const SYSTEM_VIEW = [
  { kind: 'share', tag: 'bpfci-sys-usr', guestPath: '/usr', hostPath: '/usr' },
  { kind: 'symlink', guestPath: '/bin', target: 'usr/bin' },
] as const;

describe('retry coordinator (host side)', () => {
  it('writes the retry plan for the failed test, then merges the passing attempt as flaky', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bpf-ci-retry-'));
    copyFileSync(
      sample('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'),
      join(out, 'test_progs.log'),
    );
    const c = new RetryCoordinator(plan(1), out, new MemoryLogger());
    c.onMarker({ kind: 'end', runner: 'test_progs', exitCode: 1, seconds: 10 }, progress);
    await settle(c);
    expect(readFileSync(join(out, 'test_progs.attempt-2.1.argv'), 'utf8')).toBe(
      './test_progs\n-a\nsetget_sockopt\n-d\nx\n',
    );
    expect(readFileSync(join(out, 'test_progs.attempt-2.plan'), 'utf8')).toMatch(/^run 1 (89\d|900)\n$/);
    // The guest ran it: the test passed.
    copyFileSync(
      sample('test_progs-serial-pass-sockopt-ppc64-2025.log'),
      join(out, 'test_progs.attempt-2.1.log'),
    );
    writeFileSync(join(out, 'test_progs.attempt-2.exit'), '0\n');
    const original = (await parseFile(join(out, 'test_progs.log'), { binary: 'test_progs' })).results[0]!;
    const merged = (await c.finish(newRun({}, [original]))).binaries[0]!;
    const t = merged.tests.find((x) => x.name === 'setget_sockopt');
    expect(t).toMatchObject({ status: 'pass', flaky: true });
    expect(t?.attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 'fail']]);
    expect(merged.retry?.attempts).toEqual([
      {
        attempt: 2,
        selectors: ['setget_sockopt'],
        commands: ['./test_progs -a setget_sockopt -d x'],
        logs: ['test_progs.attempt-2.1.log'],
        exitCode: 0,
      },
    ]);
    expect(binaryConclusion(merged)).toBe('success');
  });

  it('the circuit breaker writes stop and keeps the reason', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bpf-ci-retry-'));
    copyFileSync(sample('test_progs-debian6.1-tcg.log'), join(out, 'test_progs.log'));
    const logger = new MemoryLogger();
    const c = new RetryCoordinator(plan(1), out, logger);
    c.onMarker({ kind: 'end', runner: 'test_progs', exitCode: 1, seconds: 10 }, progress);
    await settle(c);
    expect(readFileSync(join(out, 'test_progs.attempt-2.plan'), 'utf8')).toBe('stop\n');
    expect(existsSync(join(out, 'test_progs.attempt-2.1.argv'))).toBe(false);
    expect(logger.messages('warning')[0]).toMatch(/^test_progs: not retried: \d+ tests failed, more than 10/);
    const original = (await parseFile(join(out, 'test_progs.log'), { binary: 'test_progs' })).results[0]!;
    const merged = (await c.finish(newRun({}, [original]))).binaries[0]!;
    expect(merged.retry).toMatchObject({
      attempts: [],
      notRetried: expect.stringMatching(/more than 10/) as unknown,
    });
  });

  it('the guest waits only after retriable runners, and never evaluates the argv file', () => {
    const init = guestInit({ plan: plan(2), nonce: 'n0nce', modules: [], systemView: SYSTEM_VIEW });
    expect(init).toContain('say retry-wait test_progs "$k"');
    expect(init).toContain('while [ "$k" -le 3 ]; do');
    expect(init).toContain(
      'while IFS= read -r a; do set -- "$@" "$a"; done < "/out/test_progs.attempt-$k.$j.argv"',
    );
    expect(init).not.toMatch(/eval|\$\(cat/);
    const off = guestInit({ plan: plan(0), nonce: 'n0nce', modules: [], systemView: SYSTEM_VIEW });
    expect(off).not.toContain('retry-wait');
  });
});
