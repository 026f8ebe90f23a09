// Real veristat (Debian 6.1 selftests build) run on two builds of the same object, where one
// program grew and one now fails verification (test/fixtures/veristat-capture/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  diffRuns,
  formatDiffCell,
  parseCompareOutput,
  parseCsv,
  parseRunText,
  parseVerifierLogs,
  veristatDiffFiles,
} from '@bpf-ci/veristat';
import { MemoryLogger } from '@bpf-ci/logger';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'veristat-capture');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');

describe('veristat-diff on real veristat output of a changed object', () => {
  const base = parseCsv(read('base.csv'));
  const next = parseCsv(read('new.csv'));
  const diff = diffRuns(base, next);

  it('reads both CSVs as the files show them', () => {
    expect(base.programs.map((p) => [p.prog, p.verdict, p.values])).toEqual([
      ['pass_all', 'success', { duration: 24, insns: 2, states: 0, peak_states: 0 }],
      ['read_header', 'success', { duration: 32, insns: 13, states: 1, peak_states: 1 }],
      ['sum_bytes', 'success', { duration: 119, insns: 178, states: 12, peak_states: 12 }],
    ]);
    expect(next.programs.map((p) => [p.prog, p.verdict, p.values])).toEqual([
      ['pass_all', 'success', { duration: 31, insns: 2, states: 0, peak_states: 0 }],
      ['read_header', 'failure', { duration: 37, insns: 2, states: 0, peak_states: 0 }],
      ['sum_bytes', 'success', { duration: 412, insns: 1240, states: 27, peak_states: 19 }],
    ]);
  });

  it('finds exactly the two changes made to the source: one new failure, one program grown', () => {
    expect(diff.programs.map((p) => [p.prog, p.verdictChange, p.level])).toEqual([
      ['pass_all', 'match', 'ignore'],
      ['read_header', 'new-failure', 'fail'],
      ['sum_bytes', 'match', 'warn'],
    ]);
    const grown = diff.programs.find((p) => p.prog === 'sum_bytes')!;
    expect(
      grown.metrics
        .filter((m) => m.change === 'regression')
        .map((m) => [m.metric, m.base, m.next, m.pct.toFixed(2)]),
    ).toEqual([
      ['insns', 178, 1240, '596.63'],
      ['states', 12, 27, '125.00'],
      ['peak_states', 12, 19, '58.33'],
    ]);
    // 119 -> 412 µs is +246 % but under the 1 ms floor: not counted.
    expect(grown.metrics.find((m) => m.metric === 'duration')?.change).toBe('noise');
    expect(diff.conclusion).toBe('failure');
  });

  it("equals veristat's own -C output, table and CSV, cell by cell (except 6.1's 0 -> 0 quirk)", () => {
    for (const file of ['compare-table.txt', 'compare.csv']) {
      const [compare, ...rest] = parseCompareOutput(read(file));
      expect(rest).toEqual([]);
      expect(compare?.complete).toBe(true);
      expect(compare?.stats).toEqual(['verdict', 'duration', 'insns', 'states', 'peak_states']);
      let quirks = 0;
      for (const row of compare!.rows) {
        const ours = diff.programs.find((p) => p.prog === row.prog)!;
        expect(row.stats['verdict']?.diff).toBe(ours.verdictChange === 'match' ? 'MATCH' : 'MISMATCH');
        for (const m of ours.metrics) {
          const cell = row.stats[m.metric]!;
          expect([cell.base, cell.comp]).toEqual([m.base, m.next]);
          if (m.base === 0 && m.next === 0) {
            expect(cell.diffText).toBe('+0 (+100.00%)');
            quirks++;
          } else expect(cell.diffText).toBe(formatDiffCell(m.abs, m.pct));
        }
      }
      expect(quirks).toBe(2); // pass_all's states and peak states
    }
  });

  it('reads the table of a run, and the -v output (logs + table) as a run too', () => {
    const table = parseRunText(read('new-table.txt'));
    const verbose = parseRunText(read('new-verbose.log'));
    for (const run of [table, verbose]) {
      expect(run.complete).toBe(true);
      expect(run.programs.map((p) => [p.prog, p.verdict, p.values['insns'], p.values['states']])).toEqual(
        next.programs.map((p) => [p.prog, p.verdict, p.values['insns'], p.values['states']]),
      );
    }
  });

  it('takes each program its verifier log from -v output, ending before the table', () => {
    const logs = parseVerifierLogs(read('new-verbose.log'));
    expect([...logs.keys()]).toEqual([
      'xdp_parse.bpf.o/sum_bytes',
      'xdp_parse.bpf.o/read_header',
      'xdp_parse.bpf.o/pass_all',
    ]);
    const failed = logs.get('xdp_parse.bpf.o/read_header')!;
    expect(failed).toMatchObject({ verdict: 'failure', durationUs: 90 });
    expect(failed.lines.slice(4, 7)).toEqual([
      '1: (71) r1 = *(u8 *)(r1 +12)',
      'invalid access to packet, off=12 size=1, R1(id=0,off=12,r=0)',
      'R1 offset is outside of the packet',
    ]);
    expect(logs.get('xdp_parse.bpf.o/pass_all')?.lines.at(-1)).toBe(
      'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
    );
  });

  it('the summary and annotation name the failed program with the verifier message', async () => {
    const result = await veristatDiffFiles(
      {
        base: join(DIR, 'base.csv'),
        next: join(DIR, 'new.csv'),
        verifierLogs: [join(DIR, 'new-verbose.log')],
      },
      new MemoryLogger(),
    );
    expect(result.counts).toEqual({ newFailures: 1, regressions: 1, improvements: 0, added: 0, removed: 0 });
    expect(result.annotations.map((a) => [a.level, a.title])).toEqual([
      ['error', 'veristat: new verification failure: xdp_parse.bpf.o read_header'],
    ]);
    expect(result.annotations[0]?.message).toContain('R1 offset is outside of the packet');
    expect(result.markdown).toContain(
      '| :warning: | xdp\\_parse\\.bpf\\.o | sum\\_bytes | success | 178 → 1240 (+596.63%) | **12 → 27 (+125.00%)** | 12 → 19 (+58.33%) |',
    );
    expect(result.markdown).toContain('Verifier log of xdp_parse.bpf.o/read_header (10 lines)');
  });
});
