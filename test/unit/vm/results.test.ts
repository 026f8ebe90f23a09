import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConclusion, type ConsoleEvent } from '@bpf-ci/model';
import { collectRun, type RunnerProgress, type RunPlan } from '@bpf-ci/vm';

// Real runs of Debian's 6.1 kernel under TCG (samples/README.md): test_verifier whole, test_progs cut
// mid-run as a panic would leave it.
// The captured runner logs live with the other samples (test/fixtures/samples).
const fixtures = join(import.meta.dirname, '../../fixtures/samples');
const verifierLog = readFileSync(join(fixtures, 'test_verifier-debian6.1-tcg.log'), 'utf8');
const progsLines = readFileSync(join(fixtures, 'test_progs-debian6.1-tcg.log'), 'utf8').split('\n');

const plan: RunPlan = {
  schemaVersion: 1,
  cwd: '/selftests',
  runners: [
    { name: 'test_verifier', kind: 'test_verifier', argv: ['./test_verifier'], timeoutSec: 600 },
    { name: 'test_progs', kind: 'test_progs', argv: ['./test_progs'], timeoutSec: 600 },
    { name: 'test_maps', kind: 'test_maps', argv: ['./test_maps'], timeoutSec: 600 },
  ],
};

describe('collecting a run the VM did not finish', () => {
  it('keeps what ran, marks the interrupted runner partial naming its test, and the rest not run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'collect-'));
    writeFileSync(join(out, 'test_verifier.log'), verifierLog);
    writeFileSync(join(out, 'test_verifier.exit'), '1\n');
    // Cut right after "#20 bpf_tcp_ca:OK", inside btf's subtests: btf (#21) was running.
    const cut = progsLines.findIndex((l) => l.startsWith('#21/176 '));
    writeFileSync(join(out, 'test_progs.log'), `${progsLines.slice(0, cut + 1).join('\n')}\n`);
    const listed = [...new Set(progsLines.map((l) => /^#\d+\s+([^/:]+)[:/]/.exec(l)?.[1]).filter(Boolean))];
    writeFileSync(join(out, 'test_progs.list'), `${listed.join('\n')}\n`);
    const progress: RunnerProgress[] = [
      {
        runner: 'test_verifier',
        done: 2012,
        failed: 0,
        startedAt: 0,
        endedAt: 46_000,
        exitCode: 0,
        beginLine: 10,
        endLine: 2100,
      },
      { runner: 'test_progs', done: 20, failed: 0, startedAt: 46_000, beginLine: 2101 },
    ];
    const panic: ConsoleEvent = {
      kind: 'panic',
      title: 'Kernel panic - not syncing: Fatal exception',
      lines: [],
      callTrace: ['dump_stack_lvl+0x44/0x5c'],
      inputLine: 2500,
    };
    const run = await collectRun({
      plan,
      outputDir: out,
      progress,
      events: [panic],
      context: { arch: 'x86_64' },
      fault: { reason: 'kernel-panic', detail: 'kernel panic: Kernel panic - not syncing: Fatal exception' },
    });

    const [verifier, progs, maps] = run.binaries;
    expect(verifier?.complete).toBe(true);
    // Its own last line: "Summary: 2006 PASSED, 0 SKIPPED, 6 FAILED".
    expect(verifier?.printedCounts).toEqual({ passed: 2006, skipped: 0, failed: 6 });
    expect(verifier?.exitCode).toBe(1);

    expect(progs?.complete).toBe(false);
    expect(progs?.incompleteReasons).toContain('kernel-panic');
    expect(progs?.incompleteDetail).toMatch(
      /; kernel panic: Kernel panic - not syncing: Fatal exception while btf \(after subtest func_type \(Incorrect func_info_cnt\)\) was running/,
    );
    expect(progs?.tests.filter((t) => t.status === 'pass').map((t) => t.name)).toContain('bpf_tcp_ca');
    expect(progs?.events).toEqual([{ ...panic, binary: 'test_progs' }]);

    expect(maps).toMatchObject({
      binary: 'test_maps',
      complete: false,
      incompleteReasons: ['not-run'],
      exitCode: null,
    });
    expect(runConclusion(run)).toBe('error');
    expect(run.events).toEqual([]);
  });
});
