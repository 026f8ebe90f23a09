// The committed bundle run the way the runner runs it (see action-runner.ts): outputs, summary,
// annotations and exit code on real and derived veristat outputs.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runnerCommands } from '../report/runner-sim.ts';
import { bundle } from '../../helpers/action-harness.ts';
import { runVeristatAction as runAction } from './action-runner.ts';
import { BASELINE_2026, editRow, PATCHED_2026, sample, SAMPLES } from './helpers.ts';

function write(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'veristat-in-')), name);
  writeFileSync(path, text);
  return path;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');
const baseCsv = join(SAMPLES, BASELINE_2026);

// Building the bundle (once per source state) takes longer than one test may.
beforeAll(() => bundle('veristat-diff'), 300_000);

describe('veristat-diff action bundle', () => {
  it('passes on the real 2026 pair: only duration noise, said in the summary', async () => {
    const r = await runAction({ base: baseCsv, new: join(SAMPLES, PATCHED_2026) });
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ conclusion: 'success', 'new-failures': '0', regressions: '0' });
    expect(r.summary).toContain('No fail threshold was crossed. 0 new verification failures, 0 regressions');
    expect(r.summary).toContain('14 changes below the noise floor were not counted');
    expect(runnerCommands(r.stdout).filter((c) => c.name === 'error' || c.name === 'warning')).toEqual([]);
  });

  it('fails on a new verification failure, with one error annotation naming file and program and the log tail', async () => {
    const next = write(
      'new.csv',
      editRow(sample(PATCHED_2026), 'stack_check', 'bpf_loop.bpf.o,stack_check,failure,411,300,22'),
    );
    const log = write(
      'verbose.log',
      'PROCESSING bpf_loop.bpf.o/stack_check, DURATION US: 411, VERDICT: failure, VERIFIER LOG:\n0: R1=ctx()\n::error::injected by the log\nR2 invalid mem access\n',
    );
    const r = await runAction({ base: baseCsv, new: next, 'verifier-logs': log });
    expect(r.code).toBe(1);
    expect(r.outputs).toEqual({ conclusion: 'failure', 'new-failures': '1', regressions: '0' });
    const errors = runnerCommands(r.stdout).filter((c) => c.name === 'error');
    expect(errors.map((e) => e.properties['title'] ?? '')).toEqual([
      'veristat: new verification failure: bpf_loop.bpf.o stack_check',
      '',
    ]);
    expect(errors[0]?.data).toBe(
      'Program stack_check in bpf_loop.bpf.o passed the verifier in the base run and fails now.\nLast lines of the verifier log:\n0: R1=ctx()\n::error::injected by the log\nR2 invalid mem access',
    );
    expect(errors[1]?.data).toMatch(
      /a fail threshold was crossed:\nbpf_loop\.bpf\.o\/stack_check: verification now fails/,
    );
    expect(r.summary).toContain('Verifier log of bpf_loop.bpf.o/stack_check (3 lines)');
  });

  it('reports a states regression without failing, and fails once a configured threshold is crossed', async () => {
    const next = write(
      'new.csv',
      editRow(sample(PATCHED_2026), '_dissect', 'bpf_flow.bpf.o,_dissect,success,467,211,15'),
    );
    const lenient = await runAction({ base: baseCsv, new: next });
    expect(lenient.code).toBe(0);
    expect(lenient.outputs).toEqual({ conclusion: 'success', 'new-failures': '0', regressions: '1' });
    expect(lenient.summary).toContain('**13 → 15 (+15.38%)**');

    const config = write('veristat.yml', 'metrics:\n  states: { failPct: 10 }\n');
    const strict = await runAction({ base: baseCsv, new: next, config });
    expect(strict.code).toBe(1);
    expect(strict.outputs['conclusion']).toBe('failure');
    const titles = runnerCommands(strict.stdout).map((c) => c.properties['title']);
    expect(titles).toContain('veristat: fail threshold crossed: bpf_flow.bpf.o _dissect');
  });

  it('says plainly that there is no baseline and does not fail', async () => {
    const r = await runAction({ base: '/nonexistent/base.csv', new: join(SAMPLES, PATCHED_2026) });
    expect(r.code).toBe(0);
    expect(r.outputs).toEqual({ conclusion: 'neutral', 'new-failures': '0', regressions: '0' });
    expect(r.summary).toContain('**No baseline**');
    expect(r.summary).toContain('/nonexistent/base\\.csv does not exist');
  });

  it('fails with a clear message on an invalid config', async () => {
    const config = write('veristat.yml', 'metrics:\n  statez: { failPct: 10 }\n');
    const r = await runAction({ base: baseCsv, new: join(SAMPLES, PATCHED_2026), config });
    expect(r.code).toBe(1);
    const [error] = runnerCommands(r.stdout).filter((c) => c.name === 'error');
    expect(error?.data).toMatch(/veristat\.yml: invalid config:[\s\S]*unknown metric 'statez'/);
  });

  it('declares its outputs, and every input and output has a description', () => {
    const action = parseYaml(readFileSync(join(ROOT, 'actions', 'veristat-diff', 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description?: string }>;
      outputs: Record<string, { description?: string }>;
      runs: { using: string; main: string };
    };
    expect(Object.keys(action.outputs).sort()).toEqual(['conclusion', 'new-failures', 'regressions']);
    for (const entry of [...Object.values(action.inputs), ...Object.values(action.outputs)]) {
      expect(entry.description?.length).toBeGreaterThan(10);
    }
    expect(action.runs).toEqual({ using: 'node24', main: '../../dist/veristat-diff/index.js' });
  });
});
