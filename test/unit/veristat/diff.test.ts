import { describe, expect, it } from 'vitest';
import { diffRuns, parseConfig, parseCsv, programKey, renderMarkdown } from '@bpf-ci/veristat';
import { BASELINE_2026, csvFromSession, editRow, PATCHED_2026, sample } from './helpers.ts';

const base = sample(BASELINE_2026);
const patched = sample(PATCHED_2026);
const diffOf = (b: string, n: string, config?: string) =>
  diffRuns(parseCsv(b), parseCsv(n), config === undefined ? undefined : parseConfig(config));

describe('diff of the real 2026 baseline/patched pair', () => {
  it('finds exactly the changes the files show: durations only, insns/states/verdicts equal', () => {
    const diff = diffOf(base, patched);
    expect(diff.metrics).toEqual(['duration', 'insns', 'states']);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.programs).toHaveLength(14);
    const changes = diff.programs.flatMap((p) =>
      p.metrics.filter((m) => m.change !== 'unchanged').map((m) => `${p.prog} ${m.metric} ${m.abs}`),
    );
    // Read off the two files by hand: duration column of patched minus baseline.
    expect(changes).toEqual([
      'arena_strsearch duration -55',
      '_dissect duration 2',
      'flow_dissector_0 duration -16',
      'flow_dissector_1 duration 24',
      'flow_dissector_2 duration 40',
      'flow_dissector_3 duration 8',
      'flow_dissector_4 duration -1',
      'flow_dissector_5 duration 28',
      'prog_invalid_flags duration -53',
      'prog_nested_calls duration -379',
      'prog_non_constant_callback duration -143',
      'prog_null_ctx duration -52',
      'stack_check duration -396',
      'test_prog duration -9',
    ]);
    expect(diff.programs.every((p) => p.verdictChange === 'match')).toBe(true);
  });

  it('counts none of these duration changes by default: all are under the 1 ms noise floor', () => {
    const diff = diffOf(base, patched);
    expect(diff.programs.flatMap((p) => p.metrics).filter((m) => m.change === 'noise')).toHaveLength(14);
    expect(diff.programs.every((p) => p.level === 'ignore')).toBe(true);
    expect(diff.conclusion).toBe('success');
  });

  it('with the noise floor removed and a 1 % fail threshold, fails on the two increases above 1 %', () => {
    const diff = diffOf(base, patched, 'metrics:\n  duration: { minAbs: 0, minPct: 0, failPct: 1 }\n');
    const fails = diff.programs.filter((p) => p.level === 'fail').map((p) => p.prog);
    expect(fails).toEqual(['flow_dissector_2', 'flow_dissector_5']); // +1.99 % and +4.15 %
    expect(diff.conclusion).toBe('failure');
    expect(diff.failReasons).toEqual([
      'bpf_flow.bpf.o/flow_dissector_2: duration 2010 → 2050 (+1.99%)',
      'bpf_flow.bpf.o/flow_dissector_5: duration 674 → 702 (+4.15%)',
    ]);
    const improved = diff.programs.filter((p) => p.metrics.some((m) => m.change === 'improvement'));
    expect(improved).toHaveLength(9);
  });
});

describe('verdict changes (MISMATCH both ways)', () => {
  it('a program that verified and now fails is a new failure and fails the job by default', () => {
    const next = editRow(patched, 'stack_check', 'bpf_loop.bpf.o,stack_check,failure,411,300,22');
    const diff = diffOf(base, next);
    const p = diff.programs.find((x) => x.prog === 'stack_check')!;
    expect(p).toMatchObject({
      baseVerdict: 'success',
      newVerdict: 'failure',
      verdictChange: 'new-failure',
      level: 'fail',
    });
    expect(diff.conclusion).toBe('failure');
    expect(diff.failReasons).toEqual([
      'bpf_loop.bpf.o/stack_check: verification now fails (it succeeded in the base run)',
    ]);
  });

  it('a program that failed and now verifies is fixed: reported, never a failure', () => {
    const next = editRow(patched, 'arena_strsearch', 'arena_strsearch.bpf.o,arena_strsearch,success,65,20,2');
    const diff = diffOf(base, next);
    const p = diff.programs.find((x) => x.prog === 'arena_strsearch')!;
    expect(p).toMatchObject({ verdictChange: 'fixed', verdictLevel: 'notice' });
    expect(diff.conclusion).toBe('success');
  });

  it('newFailure: warn reports the failure without failing the job', () => {
    const next = editRow(patched, 'stack_check', 'bpf_loop.bpf.o,stack_check,failure,411,325,25');
    const diff = diffOf(base, next, 'newFailure: warn');
    expect(diff.programs.find((x) => x.prog === 'stack_check')?.level).toBe('warn');
    expect(diff.conclusion).toBe('success');
  });
});

describe('thresholds on deterministic metrics', () => {
  const moreStates = editRow(patched, '_dissect', 'bpf_flow.bpf.o,_dissect,success,467,230,15'); // 13 -> 15 states

  it('reports any increase in states as a warning by default (kernel-patches: threshold 0 %)', () => {
    const diff = diffOf(base, moreStates);
    const p = diff.programs.find((x) => x.prog === '_dissect')!;
    expect(p.metrics.find((m) => m.metric === 'states')).toMatchObject({
      base: 13,
      next: 15,
      abs: 2,
      change: 'regression',
      level: 'warn',
    });
    expect(p.metrics.find((m) => m.metric === 'insns')).toMatchObject({
      base: 211,
      next: 230,
      change: 'regression',
      level: 'notice',
    });
    expect(diff.conclusion).toBe('success');
  });

  it('fails only when a configured fail threshold is crossed (+15.38 % states)', () => {
    expect(diffOf(base, moreStates, 'metrics:\n  states: { failPct: 20 }').conclusion).toBe('success');
    const diff = diffOf(base, moreStates, 'metrics:\n  total_states: { failPct: 15 }');
    expect(diff.conclusion).toBe('failure');
    expect(diff.failReasons).toEqual(['bpf_flow.bpf.o/_dissect: states 13 → 15 (+15.38%)']);
  });

  it('a default threshold applies to every metric, the per-metric one wins', () => {
    const cfg = 'metrics:\n  default: { failPct: 5 }\n  states: { failPct: 50 }\n';
    const diff = diffOf(base, moreStates, cfg);
    const p = diff.programs.find((x) => x.prog === '_dissect')!;
    expect(p.metrics.filter((m) => m.level === 'fail').map((m) => m.metric)).toEqual(['insns']); // +9.00 % > 5
  });

  it('a decrease is an improvement, never a regression', () => {
    const fewer = editRow(patched, '_dissect', 'bpf_flow.bpf.o,_dissect,success,467,200,10');
    const m = diffOf(base, fewer)
      .programs.find((x) => x.prog === '_dissect')!
      .metrics.find((x) => x.metric === 'states');
    expect(m).toMatchObject({ abs: -3, change: 'improvement', level: 'notice' });
  });
});

describe('programs on one side, the 1M-instruction limit, column sets', () => {
  it('lists added and removed programs in their own lists, with levels from the config', () => {
    let next = editRow(patched, 'prog_null_ctx');
    next += 'new.bpf.o,brand_new,failure,5,10,1\nnew.bpf.o,also_new,success,5,10,1\n';
    const diff = diffOf(base, next);
    expect(diff.removed.map((r) => [programKey(r.program), r.level])).toEqual([
      ['bpf_loop.bpf.o/prog_null_ctx', 'warn'],
    ]);
    expect(diff.added.map((a) => [programKey(a.program), a.level])).toEqual([
      ['new.bpf.o/brand_new', 'warn'],
      ['new.bpf.o/also_new', 'notice'],
    ]);
    expect(diff.programs.map(programKey)).not.toContain('bpf_loop.bpf.o/prog_null_ctx');
    expect(diff.conclusion).toBe('success');
    expect(diffOf(base, next, 'removedProgram: fail').failReasons).toEqual([
      'bpf_loop.bpf.o/prog_null_ctx: removed',
    ]);
  });

  it('flags programs at 1000001 instructions, saying whether base was at the limit too', () => {
    const b = editRow(base, 'flow_dissector_1', 'bpf_flow.bpf.o,flow_dissector_1,success,2698,1000001,59');
    let n = editRow(patched, 'flow_dissector_0', 'bpf_flow.bpf.o,flow_dissector_0,failure,2392,1000001,68');
    n = editRow(n, 'flow_dissector_1', 'bpf_flow.bpf.o,flow_dissector_1,success,2722,1000001,59');
    n += 'x.bpf.o,added_at_limit,failure,9,1000001,3\n';
    const diff = diffOf(b, n);
    expect(diff.insnLimit.map((l) => [l.prog, l.base, l.level])).toEqual([
      ['flow_dissector_0', 'below', 'warn'],
      ['flow_dissector_1', 'at-limit', 'notice'],
      ['added_at_limit', 'absent', 'warn'],
    ]);
    expect(diffOf(b, n, 'insnLimit: fail\nnewFailure: warn').failReasons).toEqual([
      'bpf_flow.bpf.o/flow_dissector_0: reaches the 1M-instruction limit',
      'x.bpf.o/added_at_limit: reaches the 1M-instruction limit',
    ]);
  });

  it('compares only the metrics both runs have, and names the others (v6.1 CSV vs 2026 CSV)', () => {
    const diff = diffRuns(parseCsv(csvFromSession('baseline.csv')), parseCsv(patched));
    expect(diff.metrics).toEqual(['duration', 'insns', 'states']);
    expect(diff.onlyInBase).toEqual(['peak_states']);
    expect(diff.programs).toEqual([]); // different objects: everything is added or removed
    expect(diff.removed).toHaveLength(5);
    expect(diff.added).toHaveLength(14);
  });

  it('compares a numeric column this parser does not know (a newer veristat), by its header', () => {
    const addColumn = (csv: string, values: number[]): string =>
      csv
        .trimEnd()
        .split('\n')
        .map((line, i) => `${line},${i === 0 ? 'future_stat' : values[i - 1]}`)
        .join('\n') + '\n';
    const b = parseCsv(
      addColumn(
        base,
        Array.from({ length: 14 }, () => 10),
      ),
    );
    const n = parseCsv(
      addColumn(
        patched,
        Array.from({ length: 14 }, (_, i) => (i === 3 ? 30 : 10)),
      ),
    );
    expect(b.unknownColumns).toEqual(['future_stat']);
    const diff = diffRuns(b, n);
    expect(diff.metrics).toContain('future_stat');
    const changed = diff.programs.flatMap((p) =>
      p.metrics.filter((m) => m.metric === 'future_stat' && m.abs !== 0).map(() => p.prog),
    );
    expect(changed).toEqual(['flow_dissector_1']);
  });

  it("works on kernel-patches' column set (-e file,prog,verdict,states) and without a verdict column", () => {
    const columns = (csv: string, keep: number[]): string =>
      csv
        .trimEnd()
        .split('\n')
        .map((l) => keep.map((i) => l.split(',')[i]).join(','))
        .join('\n') + '\n';
    const next = editRow(patched, 'flow_dissector_2', 'bpf_flow.bpf.o,flow_dissector_2,failure,2050,1244,60');
    const kp = diffOf(columns(base, [0, 1, 2, 5]), columns(next, [0, 1, 2, 5]));
    expect(kp.metrics).toEqual(['states']);
    expect(kp.verdicts).toBe(true);
    expect(kp.programs.find((p) => p.prog === 'flow_dissector_2')).toMatchObject({
      verdictChange: 'new-failure',
      metrics: [{ metric: 'states', base: 56, next: 60, change: 'regression', level: 'warn' }],
    });
    const noVerdict = diffOf(columns(base, [0, 1, 5]), columns(next, [0, 1, 5]));
    expect(noVerdict.verdicts).toBe(false);
    expect(noVerdict.programs.every((p) => p.verdictChange === 'unknown')).toBe(true);
    expect(noVerdict.conclusion).toBe('success');
    expect(renderMarkdown(noVerdict)).toContain('Compared 14 programs present in both runs on: States.');
  });
});
