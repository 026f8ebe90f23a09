import { describe, expect, it } from 'vitest';
import { findTables, parseCsv, parseRunText, parseTable } from '@bpf-ci/veristat';
import { BASELINE_2026, csvFromSession, sample, SESSION_2022 } from './helpers.ts';

describe('veristat -o csv', () => {
  it('reads the 2026 baseline by header name, every value as the file shows it', () => {
    const run = parseCsv(sample(BASELINE_2026));
    expect(run.complete).toBe(true);
    expect(run.problems).toEqual([]);
    expect(run.columns).toEqual(['file', 'prog', 'verdict', 'duration', 'insns', 'states']);
    expect(run.unknownColumns).toEqual([]);
    expect(run.programs).toHaveLength(14);
    expect(run.programs[0]).toMatchObject({
      file: 'arena_strsearch.bpf.o',
      prog: 'arena_strsearch',
      verdict: 'failure',
      values: { duration: 120, insns: 20, states: 2 },
      line: 2,
    });
    expect(run.programs.find((p) => p.prog === 'flow_dissector_1')).toMatchObject({
      file: 'bpf_flow.bpf.o',
      verdict: 'success',
      values: { duration: 2698, insns: 1567, states: 59 },
    });
    expect(run.programs.at(-1)).toMatchObject({
      file: 'bpf_loop.bpf.o',
      prog: 'test_prog',
      values: { duration: 493, insns: 64, states: 7 },
      line: 15,
    });
    expect(run.programs.filter((p) => p.verdict === 'failure').map((p) => p.prog)).toEqual([
      'arena_strsearch',
    ]);
  });

  it('reads the v6.1 CSV (total_insns, total_states, peak_states) from the 2022 session', () => {
    const run = parseCsv(csvFromSession('baseline.csv'));
    expect(run.complete).toBe(true);
    expect(run.columns).toEqual(['file', 'prog', 'verdict', 'duration', 'insns', 'states', 'peak_states']);
    expect(run.programs.map((p) => [p.prog, p.verdict, p.values])).toEqual([
      ['blk_account_io_merge_bio', 'success', { duration: 36, insns: 24, states: 1, peak_states: 1 }],
      ['blk_account_io_start', 'failure', { duration: 0, insns: 0, states: 0, peak_states: 0 }],
      ['block_rq_complete', 'success', { duration: 82, insns: 104, states: 6, peak_states: 6 }],
      ['block_rq_insert', 'success', { duration: 78, insns: 85, states: 7, peak_states: 7 }],
      ['block_rq_issue', 'success', { duration: 74, insns: 85, states: 7, peak_states: 7 }],
    ]);
  });

  it("accepts today's full column set, including the text columns", () => {
    const csv = [
      'file_name,prog_name,verdict,duration,total_insns,total_states,peak_states,max_states_per_insn,max_mark_read_len,prog_size,prog_size_jited,stack_depth,prog_type,attach_type,mem_peak',
      'iters.bpf.o,iter_nested_iters,success,1234,813,79,60,2,3,120,700,64,raw_tracepoint,cgroup_inet_ingress,1',
      '',
    ].join('\n');
    const run = parseCsv(csv);
    expect(run.unknownColumns).toEqual([]);
    expect(run.programs[0]).toMatchObject({
      values: {
        insns: 813,
        states: 79,
        peak_states: 60,
        max_states_per_insn: 2,
        mark_read: 3,
        prog_size: 120,
      },
      text: { prog_type: 'raw_tracepoint', attach_type: 'cgroup_inet_ingress' },
    });
  });
});

describe('veristat tables', () => {
  const session = sample(SESSION_2022);

  it('finds the two run tables and the compare table of the 2022 session, at their lines', () => {
    const tables = findTables(session);
    expect(tables.map((t) => [t.headerLine, t.rows.length, t.closed])).toEqual([
      [3, 5, true],
      [23, 5, true],
      [44, 5, true],
    ]);
    expect(tables[0]?.doneLine).toBe('Done. Processed 1 object files, 5 programs.');
    expect(tables[0]?.headers).toEqual([
      'File',
      'Program',
      'Verdict',
      'Duration (us)',
      'Total insns',
      'Total states',
      'Peak states',
    ]);
  });

  it('reads the first v6.1 table (left-aligned headers, two spaces of mail indentation)', () => {
    const [first] = findTables(session);
    const run = parseTable(first!);
    expect(run.complete).toBe(true);
    expect(run.programs.map((p) => [p.file, p.prog, p.verdict, p.values])).toEqual([
      [
        'biosnoop_bpf.o',
        'blk_account_io_merge_bio',
        'success',
        { duration: 37, insns: 24, states: 1, peak_states: 1 },
      ],
      [
        'biosnoop_bpf.o',
        'blk_account_io_start',
        'failure',
        { duration: 0, insns: 0, states: 0, peak_states: 0 },
      ],
      [
        'biosnoop_bpf.o',
        'block_rq_complete',
        'success',
        { duration: 76, insns: 104, states: 6, peak_states: 6 },
      ],
      [
        'biosnoop_bpf.o',
        'block_rq_insert',
        'success',
        { duration: 83, insns: 85, states: 7, peak_states: 7 },
      ],
      ['biosnoop_bpf.o', 'block_rq_issue', 'success', { duration: 79, insns: 85, states: 7, peak_states: 7 }],
    ]);
  });

  it('gives the same verdicts and counts as the CSV of the same kernel (durations are separate runs)', () => {
    const tables = findTables(session);
    const pairs = [
      [tables[0]!, 'baseline.csv'],
      [tables[1]!, 'comparison.csv'],
    ] as const;
    for (const [table, csvName] of pairs) {
      const fromTable = parseTable(table).programs.map((p) => [
        p.prog,
        p.verdict,
        p.values['insns'],
        p.values['states'],
        p.values['peak_states'],
      ]);
      const fromCsv = parseCsv(csvFromSession(csvName)).programs.map((p) => [
        p.prog,
        p.verdict,
        p.values['insns'],
        p.values['states'],
        p.values['peak_states'],
      ]);
      expect(fromTable).toEqual(fromCsv);
    }
  });

  it('counts rows instead of trusting a Done line printed with the argument-order bug', () => {
    const [first] = session.split('  $ sudo ./veristat ~/local');
    // Pre-2026 veristat printed (files, skipped files, programs, skipped programs) in this order.
    const buggy = first!.replace(
      'Done. Processed 1 object files, 5 programs.',
      'Done. Processed 1 files, 0 programs. Skipped 5 files, 0 programs.',
    );
    const run = parseRunText(buggy);
    expect(run.programs).toHaveLength(5);
    expect(run.complete).toBe(true);
    expect(findTables(buggy)[0]?.doneLine).toBe(
      'Done. Processed 1 files, 0 programs. Skipped 5 files, 0 programs.',
    );
  });

  it('refuses text with several tables instead of guessing which run is meant', () => {
    expect(() => parseRunText(session)).toThrow(/holds 3 veristat tables \(lines 3, 23, 44\)/);
  });
});
