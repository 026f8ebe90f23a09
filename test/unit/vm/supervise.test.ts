import { describe, expect, it } from 'vitest';
import {
  superviseDecision,
  watchLimits,
  type RunPlan,
  type VmTestOptions,
  type WatchState,
} from '@bpf-ci/vm';

const plan: RunPlan = {
  schemaVersion: 1,
  cwd: '/selftests',
  runners: [
    { name: 'test_verifier', kind: 'test_verifier', argv: ['./test_verifier'], timeoutSec: 600 },
    { name: 'test_progs', kind: 'test_progs', argv: ['./test_progs'], timeoutSec: 1200 },
  ],
};
const options: VmTestOptions = { arch: 'x86_64', kernelImage: '/boot/vmlinuz', plan, outputDir: '/out' };
const limits = { silenceMs: 300_000, totalMs: 3_000_000, progressMs: 15_000, powerOffGraceMs: 30_000 };
const state = (over: Partial<WatchState> = {}): WatchState => ({
  started: 0,
  timings: { totalMs: 0 },
  stderr: '',
  stoppedAfterDone: false,
  lastProgressAt: 0,
  inShell: false,
  ...over,
});

describe('the limits of a boot', () => {
  it("default to the runners' timeouts plus a minute each, 5 minutes to boot, and the retry waits", () => {
    expect(watchLimits(options, plan)).toEqual({
      silenceMs: 300_000,
      totalMs: (600 + 60 + 1200 + 60 + 300) * 1000,
      progressMs: 15_000,
      powerOffGraceMs: 30_000,
    });
    const retrying = {
      ...plan,
      retry: { attempts: 2, maxFailures: 10, minBudgetSec: 60, failOnFlaky: false, waitSec: 30 },
    };
    expect(watchLimits(options, retrying).totalMs).toBe((600 + 60 + 1200 + 60 + 300 + 30 * 2 * 2) * 1000);
    expect(watchLimits({ ...options, timeoutSec: 90, silenceTimeoutSec: 20 }, plan)).toMatchObject({
      totalMs: 90_000,
      silenceMs: 20_000,
    });
  });
});

describe('the supervisor of a running VM', () => {
  const talking = { done: false, lastOutputAt: 1_000_000 };
  it('leaves a guest alone while it talks within its time', () => {
    expect(superviseDecision(state(), talking, limits, 1_000_500)).toEqual({ kind: 'none' });
  });

  it('kills a silent guest, then one past its total time, saying which', () => {
    expect(superviseDecision(state(), { done: false, lastOutputAt: 0 }, limits, 300_001)).toEqual({
      kind: 'kill',
      fault: { reason: 'timeout', detail: 'no console output for 300 s: the guest hangs; VM killed' },
    });
    expect(superviseDecision(state(), { done: false, lastOutputAt: 3_000_000 }, limits, 3_000_001)).toEqual({
      kind: 'kill',
      fault: { reason: 'timeout', detail: 'the VM ran past its 3000 s limit; VM killed' },
    });
  });

  it('stops QEMU once, after the grace, when the guest finished but did not power off', () => {
    const done = { done: true, lastOutputAt: 0 };
    expect(superviseDecision(state({ doneAt: 100_000 }), done, limits, 130_000)).toEqual({ kind: 'none' });
    expect(superviseDecision(state({ doneAt: 100_000 }), done, limits, 130_001)).toEqual({
      kind: 'stop-finished',
    });
    // Already stopping: silence is no hang then.
    expect(
      superviseDecision(state({ doneAt: 100_000, stoppedAfterDone: true }), done, limits, 900_000),
    ).toEqual({ kind: 'none' });
  });

  it('never kills a silent guest while a person is at its shell', () => {
    expect(
      superviseDecision(state({ inShell: true }), { done: false, lastOutputAt: 0 }, limits, 9e9),
    ).toEqual({
      kind: 'none',
    });
  });
});
