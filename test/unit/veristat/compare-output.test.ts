import { describe, expect, it } from 'vitest';
import {
  diffRuns,
  formatDiffCell,
  formatPct,
  parseCompareOutput,
  parseCsv,
  percentChange,
  programKey,
} from '@bpf-ci/veristat';
import type { CompareOutput } from '@bpf-ci/veristat';
import { BASELINE_2026, csvFromSession, PATCHED_2026, sample, SESSION_2022 } from './helpers.ts';

/** Every numeric DIFF cell must be what veristat prints for B - A: checks our percentage formula. */
function expectDiffCellsConsistent(table: CompareOutput): number {
  let checked = 0;
  for (const row of table.rows) {
    for (const cell of Object.values(row.stats)) {
      if (typeof cell.base !== 'number' || typeof cell.comp !== 'number') continue;
      expect(cell.diffText).toBe(formatDiffCell(cell.comp - cell.base, percentChange(cell.base, cell.comp)));
      checked++;
    }
  }
  return checked;
}

describe('veristat -C compare output', () => {
  it('equals the diff computed from the two 2026 CSVs it was made from, cell by cell', () => {
    const [table] = parseCompareOutput(sample('veristat-compare-table-2026.txt'));
    const diff = diffRuns(parseCsv(sample(BASELINE_2026)), parseCsv(sample(PATCHED_2026)));
    expect(table?.stats).toEqual(['verdict', 'duration', 'insns', 'states']);
    expect(table?.rows.map(programKey)).toEqual(diff.programs.map(programKey));
    for (const row of table!.rows) {
      const ours = diff.programs.find((p) => programKey(p) === programKey(row))!;
      expect(row.stats['verdict']).toMatchObject({
        base: ours.baseVerdict,
        comp: ours.newVerdict,
        diff: 'MATCH',
      });
      expect(ours.verdictChange).toBe('match');
      for (const metric of ['duration', 'insns', 'states']) {
        const m = ours.metrics.find((x) => x.metric === metric)!;
        const cell = row.stats[metric]!;
        expect([cell.base, cell.comp]).toEqual([m.base, m.next]);
        expect(cell.diffText).toBe(formatDiffCell(m.abs, m.pct));
      }
    }
    // Hand-checked against the sample text.
    expect(table?.rows.find((r) => r.prog === 'stack_check')?.stats['duration']).toEqual({
      base: 807,
      comp: 411,
      diff: { abs: -396, pct: -49.07 },
      diffText: '-396 (-49.07%)',
    });
    // The mail stops after the last row: no closing underline, so the table is said to be possibly cut.
    expect(table?.complete).toBe(false);
    expect(table?.problems[0]?.message).toMatch(/no closing underline/);
  });

  it('reads both 2025 tables with padded "Insns    (DIFF)" headers and the 1M-limit rows', () => {
    const tables = parseCompareOutput(sample('veristat-compare-2025-insns-states.txt'));
    expect(tables.map((t) => [t.stats, t.rows.length])).toEqual([
      [['insns', 'states'], 16],
      [['insns', 'states'], 14],
    ]);
    const layeredInit = tables[1]?.rows.find((r) => r.prog === 'layered_init');
    expect(layeredInit?.file).toBe('bpf.bpf.o');
    expect(layeredInit?.stats['insns']).toMatchObject({
      base: 1000001,
      comp: 5549,
      diff: { abs: -994452, pct: -99.45 },
    });
    expect(layeredInit?.stats['states']).toMatchObject({
      base: 84672,
      comp: 523,
      diff: { abs: -84149, pct: -99.38 },
    });
    expect(
      tables[0]?.rows.find((r) => r.prog === 'checkpoint_states_deletion')?.stats['insns']?.diffText,
    ).toBe('+4029 (+22.23%)');
    expect(tables[0]?.rows.find((r) => r.prog === 'triple_continue')?.stats['states']?.diff).toEqual({
      abs: 0,
      pct: 0,
    });
    const checked = tables.reduce((n, t) => n + expectDiffCellsConsistent(t), 0);
    expect(checked).toBe(60);
  });

  it('reads N/A cells of programs on one side only (2022, sorted by verdict_diff)', () => {
    const [table] = parseCompareOutput(sample('veristat-compare-sorted-2022.txt'));
    expect(table?.rows).toHaveLength(19);
    expect(table?.complete).toBe(true);
    expect(table?.rows[0]).toMatchObject({
      file: 'bpf_xdp.o',
      prog: 'tail_lb_ipv6',
      stats: {
        verdict: { base: null, comp: 'success', diff: null, diffText: 'N/A' },
        insns: { base: null, comp: 151895, diff: null },
      },
    });
    const removed = table?.rows.find(
      (r) => r.file === 'bpf_alignchecker.o' && r.prog === '__send_drop_notify',
    );
    expect(removed?.stats['insns']).toMatchObject({ base: 53, comp: null, diff: null });
    expect(table?.rows.find((r) => r.prog === 'tail_lb_ipv4')?.stats['insns']?.diff).toEqual({
      abs: 1694,
      pct: 2.36,
    });
    expect(expectDiffCellsConsistent(table!)).toBe(11);
  });

  it('reads the v6.1 compare table, whose A is the second file, and its "+0 (+100.00%)" for 0 -> 0', () => {
    const [compare, ...others] = parseCompareOutput(sample(SESSION_2022));
    expect(others).toEqual([]); // the two run tables of the session are not compare output
    const ours = diffRuns(
      parseCsv(csvFromSession('comparison.csv')),
      parseCsv(csvFromSession('baseline.csv')),
    );
    for (const row of compare!.rows) {
      const m = ours.programs.find((p) => p.prog === row.prog)!.metrics.find((x) => x.metric === 'insns')!;
      const cell = row.stats['insns']!;
      expect([cell.base, cell.comp]).toEqual([m.base, m.next]);
      if (row.prog === 'blk_account_io_start') {
        expect(cell.diff).toEqual({ abs: 0, pct: 100 }); // the early version's quirk, parsed as printed
        expect(formatDiffCell(m.abs, m.pct)).toBe('+0 (+0.00%)'); // today's veristat, and us
      } else {
        expect(cell.diffText).toBe(formatDiffCell(m.abs, m.pct));
      }
    }
    expect(compare?.rows.find((r) => r.prog === 'block_rq_insert')?.stats['insns']?.diffText).toBe(
      '-6 (-6.59%)',
    );
  });

  it('reads the CSV form (-C -o csv) with _base/_comp/_diff columns and MISMATCH', () => {
    // The row format documented by kernel-patches/vmtest's veristat_compare.py.
    const csv = [
      'file_name,prog_name,verdict_base,verdict_comp,verdict_diff,total_states_base,total_states_comp,total_states_diff',
      'file-a,a,success,failure,MISMATCH,12,12,+0 (+0.00%)',
      'file-b,b,failure,success,MISMATCH,10,15,+5 (+50.00%)',
      '',
    ].join('\n');
    const [out] = parseCompareOutput(csv);
    expect(out?.format).toBe('csv');
    expect(out?.stats).toEqual(['verdict', 'states']);
    expect(
      out?.rows.map((r) => [
        r.prog,
        r.stats['verdict']?.base,
        r.stats['verdict']?.comp,
        r.stats['verdict']?.diff,
        r.stats['states']?.diff,
      ]),
    ).toEqual([
      ['a', 'success', 'failure', 'MISMATCH', { abs: 0, pct: 0 }],
      ['b', 'failure', 'success', 'MISMATCH', { abs: 5, pct: 50 }],
    ]);
  });

  it('says which cell is wrong in a damaged compare table', () => {
    const text = sample('veristat-compare-sorted-2022.txt').replace('+1694 (+2.36%)', '+1694 (+2.3%) ');
    const [table] = parseCompareOutput(text);
    expect(table?.complete).toBe(false);
    expect(table?.problems).toEqual([
      {
        line: 12,
        message:
          "bpf_xdp.o/tail_lb_ipv4: insns diff '+1694 (+2.3%)' is not N/A, MATCH, MISMATCH or '+N (+P%)'",
      },
    ]);
  });

  it("rounds percentages like veristat's printf: an exact tie to even, everything else as is", () => {
    // Expected strings printed by gcc's printf("%+.2lf%%") on this machine.
    const c: [number, string][] = [
      [15.625, '+15.62%'],
      [15.635, '+15.63%'],
      [0.125, '+0.12%'],
      [0.375, '+0.38%'],
      [-15.625, '-15.62%'],
      [1.005, '+1.00%'],
      [12.345, '+12.35%'],
      [596.6292134831461, '+596.63%'],
    ];
    expect(c.map(([x]) => formatPct(x))).toEqual(c.map(([, s]) => s));
    expect(formatDiffCell(5, percentChange(32, 37))).toBe('+5 (+15.62%)'); // real -C cell, veristat-capture
  });
});
