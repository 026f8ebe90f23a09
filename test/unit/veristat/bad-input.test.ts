import { describe, expect, it } from 'vitest';
import {
  diffRuns,
  parseConfig,
  parseCsv,
  parseRunText,
  renderMarkdown,
  VeristatFormatError,
} from '@bpf-ci/veristat';
import { BASELINE_2026, editRow, PATCHED_2026, sample, SESSION_2022 } from './helpers.ts';

const base = sample(BASELINE_2026);
const patched = sample(PATCHED_2026);

describe('bad veristat input: a clear error or a marked partial result', () => {
  it('a CSV cut in the middle of its last row leaves that row out and says so', () => {
    const cut = base.slice(0, base.indexOf('493,64,7') + '493,6'.length); // "...,test_prog,success,493,6"
    const run = parseCsv(cut);
    expect(run.complete).toBe(false);
    expect(run.programs).toHaveLength(13);
    expect(run.programs.map((p) => p.prog)).not.toContain('test_prog');
    expect(run.problems).toEqual([
      {
        line: 15,
        message:
          "the file ends without a newline, so its last row 'bpf_loop.bpf.o,test_prog,success,493,6' may be cut; row left out",
      },
    ]);
    // The cut row's 6 instructions must not show up as a -90 % improvement in the diff.
    const diff = diffRuns(parseCsv(base), run);
    expect(diff.programs.map((p) => p.prog)).not.toContain('test_prog');
    expect(diff.incomplete).toEqual({ base: false, new: true, level: 'warn' });
    expect(renderMarkdown(diff)).toContain('Input read in part (new)');
  });

  it('a row with missing fields is left out with its line number', () => {
    const run = parseCsv(editRow(base, 'stack_check', 'bpf_loop.bpf.o,stack_check,success,807'));
    expect(run.complete).toBe(false);
    expect(run.programs).toHaveLength(13);
    expect(run.problems[0]?.line).toBe(14);
    expect(run.problems[0]?.message).toMatch(/row has 4 fields, the header has 6/);
  });

  it('a non-numeric cell drops that value only, and the metric is not compared for that program', () => {
    const run = parseCsv(editRow(patched, '_dissect', 'bpf_flow.bpf.o,_dissect,success,467,2l1,13'));
    expect(run.complete).toBe(false);
    expect(run.problems).toEqual([
      { line: 3, message: "bpf_flow.bpf.o/_dissect: insns '2l1' is not an integer; value left out" },
    ]);
    expect(run.programs.find((p) => p.prog === '_dissect')?.values).toEqual({ duration: 467, states: 13 });
    const diff = diffRuns(parseCsv(base), run);
    expect(diff.programs.find((p) => p.prog === '_dissect')?.metrics.map((m) => m.metric)).toEqual([
      'duration',
      'states',
    ]);
  });

  it('a verdict other than success/failure is reported, not guessed', () => {
    const run = parseCsv(editRow(patched, '_dissect', 'bpf_flow.bpf.o,_dissect,SUCCESS?,467,211,13'));
    expect(run.problems[0]?.message).toBe(
      "bpf_flow.bpf.o/_dissect: verdict 'SUCCESS?' is neither success nor failure; verdict left out",
    );
    expect(diffRuns(parseCsv(base), run).programs.find((p) => p.prog === '_dissect')?.verdictChange).toBe(
      'unknown',
    );
  });

  it('a duplicate row keeps the first and reports the second with both line numbers', () => {
    const dup = `${patched}bpf_flow.bpf.o,_dissect,failure,1,1,1\n`;
    const run = parseCsv(dup);
    expect(run.complete).toBe(false);
    expect(run.programs).toHaveLength(14);
    expect(run.programs.find((p) => p.prog === '_dissect')?.verdict).toBe('success');
    expect(run.problems).toEqual([
      {
        line: 16,
        message: 'bpf_flow.bpf.o/_dissect appears again (first on line 3); the repeat is left out',
      },
    ]);
    const strict = diffRuns(parseCsv(base), run, parseConfig('incompleteInput: fail'));
    expect(strict.conclusion).toBe('failure');
    expect(strict.failReasons).toEqual(['an input could only be read in part']);
  });

  it('a header from another version without the key columns is an error naming what is missing', () => {
    const other = patched.replace('file_name,prog_name,', 'object,program_id,');
    expect(() => parseCsv(other)).toThrow(VeristatFormatError);
    expect(() => parseCsv(other)).toThrow(
      /header 'object,program_id,verdict,duration,total_insns,total_states' has no file_name column/,
    );
  });

  it('compare output, a test_progs log or an empty file given as a run are refused with a reason', () => {
    expect(() => parseRunText(sample('veristat-compare-sorted-2022.txt'))).toThrow(
      /'veristat -C' compare output, not the output of one run/,
    );
    expect(() =>
      parseRunText('#1       align:OK\n#2       arg_parsing:OK\nSummary: 2/0 PASSED, 0 SKIPPED, 0 FAILED\n'),
    ).toThrow(/'#1 {7}align:OK' is not a veristat CSV header/);
    expect(() => parseRunText('')).toThrow(/empty/);
  });

  it('a table cut before its closing underline, in the middle of a row, is marked partial', () => {
    const session = sample(SESSION_2022);
    const cut = session.slice(
      0,
      session.indexOf('biosnoop_bpf.o  block_rq_issue') +
        'biosnoop_bpf.o  block_rq_issue            success             79'.length,
    );
    const run = parseRunText(`${cut}\n`);
    expect(run.complete).toBe(false);
    expect(run.programs.map((p) => p.prog)).toEqual([
      'blk_account_io_merge_bio',
      'blk_account_io_start',
      'block_rq_complete',
      'block_rq_insert',
      'block_rq_issue',
    ]);
    expect(run.programs.at(-1)?.values).toEqual({ duration: 79 });
    expect(run.problems.map((p) => p.message)).toEqual([
      "biosnoop_bpf.o/block_rq_issue: insns '' is not an integer; value left out",
      "biosnoop_bpf.o/block_rq_issue: states '' is not an integer; value left out",
      "biosnoop_bpf.o/block_rq_issue: peak_states '' is not an integer; value left out",
      'the table has no closing underline: the output may be cut after the last row shown',
    ]);
  });
});
