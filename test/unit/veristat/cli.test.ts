import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '@bpf-ci/cli';
import { MemoryLogger } from '@bpf-ci/logger';
import type { VeristatDiff } from '@bpf-ci/veristat';
import { BASELINE_2026, editRow, PATCHED_2026, sample, SAMPLES } from './helpers.ts';

async function cli(args: string[]): Promise<{ code: number; stdout: string; logger: MemoryLogger }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const logger = new MemoryLogger();
  const code = await main(['veristat-diff', ...args], { stdout, logger });
  return { code, stdout: out, logger };
}

describe('bpf-ci veristat-diff', () => {
  const base = join(SAMPLES, BASELINE_2026);

  it('prints the Markdown summary and exits 0 when no fail threshold is crossed', async () => {
    const r = await cli([base, join(SAMPLES, PATCHED_2026)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Compared 14 programs present in both runs on: Verdict, Duration \\(us\\), Insns, States.',
    );
  });

  it('--json prints the diff; a new failure exits 1 and is logged as an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veristat-cli-'));
    const next = join(dir, 'new.csv');
    writeFileSync(
      next,
      editRow(sample(PATCHED_2026), 'test_prog', 'bpf_loop.bpf.o,test_prog,failure,484,64,7'),
    );
    const r = await cli([base, next, '--json']);
    expect(r.code).toBe(1);
    const diff = JSON.parse(r.stdout) as VeristatDiff;
    expect(diff.conclusion).toBe('failure');
    expect(diff.programs.filter((p) => p.verdictChange === 'new-failure').map((p) => p.prog)).toEqual([
      'test_prog',
    ]);
    expect(r.logger.messages('error')).toContain(
      'veristat: bpf_loop.bpf.o/test_prog: verification now fails (it succeeded in the base run)',
    );
  });

  it('reads the table form too: the v6.1 session table against itself is all equal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veristat-cli-'));
    const table = join(dir, 'table.txt');
    writeFileSync(
      table,
      sample('veristat-session-2022-v6.1-table-csv-compare.txt').split('  $ sudo ./veristat ~/local')[0]!,
    );
    const r = await cli([table, table, '--json']);
    expect(r.code).toBe(0);
    const diff = JSON.parse(r.stdout) as VeristatDiff;
    expect(diff.metrics).toEqual(['duration', 'insns', 'states', 'peak_states']);
    expect(diff.programs.every((p) => p.metrics.every((m) => m.change === 'unchanged'))).toBe(true);
  });

  it('bad usage exits 64 with the usage text; an unreadable NEW exits 1 with the reason', async () => {
    const usage = await cli([base]);
    expect(usage.code).toBe(64);
    expect(usage.logger.messages('error')[0]).toMatch(
      /expected exactly two files: BASE NEW[\s\S]*usage: bpf-ci veristat-diff/,
    );
    const missing = await cli([base, '/nonexistent/new.csv']);
    expect(missing.code).toBe(1);
    expect(missing.logger.messages('error')[0]).toMatch(/ENOENT.*\/nonexistent\/new\.csv/);
  });
});
