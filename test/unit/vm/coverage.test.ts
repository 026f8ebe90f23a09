import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { buildPlan, gcovCaptureRunner, guestInit, withGcovCapture } from '@bpf-ci/vm';

describe('GCOV capture in the guest', () => {
  it('copies the .gcda files with cat into the output share after the runners', () => {
    const selftestsDir = mkdtempSync(join(tmpdir(), 'bpf-ci-gcov-plan-'));
    for (const binary of ['test_verifier', 'test_maps'])
      writeFileSync(join(selftestsDir, binary), '', { mode: 0o755 });
    const plan = buildPlan(
      {
        arch: 'x86_64',
        selftestsDir,
        runners: ['test_verifier', 'test_maps'],
        timeoutSec: 60,
        coverage: {},
      },
      new MemoryLogger(),
    );
    expect(plan.runners.map((r) => r.name)).toEqual(['test_verifier', 'test_maps', 'gcov-all']);
    const capture = plan.runners.at(-1)!;
    expect(capture.kind).toBe('command');
    expect(capture.guestShell).toContain(`cat "$f" > "/out/gcov/all/$f"`);
    expect(capture.guestShell).toContain("find . -name '*.gcda'");
    expect(capture.guestShell).not.toContain('reset');
  });

  it('per runner: resets first, then captures and resets after each test runner', () => {
    const runners = [
      { name: 'setup', kind: 'command' as const, argv: ['true'], timeoutSec: 5 },
      { name: 'test_verifier', kind: 'test_verifier' as const, argv: ['./test_verifier'], timeoutSec: 5 },
      { name: 'test_maps', kind: 'test_maps' as const, argv: ['./test_maps'], timeoutSec: 5 },
    ];
    const out = withGcovCapture(runners, { perRunner: true });
    expect(out.map((r) => r.name)).toEqual([
      'gcov-reset-start',
      'setup',
      'test_verifier',
      'gcov-test_verifier',
      'test_maps',
      'gcov-test_maps',
    ]);
    expect(out[3]?.guestShell).toContain('echo 1 > /host/sys/kernel/debug/gcov/reset');
  });

  it('refuses a capture name that could escape the output folder or the shell', () => {
    expect(() => gcovCaptureRunner({ name: '../x' })).toThrow(/letters, digits/);
    expect(() => gcovCaptureRunner({ name: "a';reboot" })).toThrow(/letters, digits/);
  });

  it('runs after the runners, in the guest whose init mounted debugfs where the capture reads it', () => {
    const plan = {
      schemaVersion: 1 as const,
      cwd: '/selftests',
      runners: withGcovCapture([
        { name: 'test_verifier', kind: 'test_verifier' as const, argv: ['./test_verifier'], timeoutSec: 5 },
      ]),
    };
    const script = guestInit({ plan, nonce: 'n0nce', modules: [], systemView: [] });
    const debugfs = script.indexOf('mount -t debugfs debugfs /host/sys/kernel/debug');
    const verifier = script.indexOf('# runner test_verifier');
    const capture = script.indexOf('# runner gcov-all');
    expect(debugfs).toBeGreaterThan(0);
    expect(debugfs).toBeLessThan(verifier);
    expect(verifier).toBeLessThan(capture);
  });
});
