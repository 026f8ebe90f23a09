import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fileTable,
  inDirectories,
  mergeTracefiles,
  parseLcov,
  percent,
  relativizeTracefile,
  totals,
} from '@bpf-ci/coverage';

// Two records of the same file (as two tests' captures leave them) and one other file; LF/LH
// deliberately stale, as they are after a hand merge.
const TRACEFILE = `TN:test_verifier
SF:/src/linux/kernel/bpf/verifier.c
FN:10,do_check
FN:40,check_alu_op
FNDA:3,do_check
FNDA:0,check_alu_op
FNF:2
FNH:1
BRDA:12,0,0,3
BRDA:12,0,1,0
BRDA:42,0,0,-
BRDA:42,0,1,-
BRF:4
BRH:1
DA:10,3
DA:11,3
DA:12,3
DA:40,0
DA:41,0
DA:42,0
LF:6
LH:99
end_of_record
TN:test_progs
SF:/src/linux/kernel/bpf/verifier.c
FN:40,check_alu_op
FNDA:2,check_alu_op
BRDA:42,0,0,2
DA:40,2
DA:41,2
end_of_record
SF:/src/linux/kernel/bpf/tnum.c
FN:5,tnum_const
FNDA:0,tnum_const
DA:5,0
DA:6,0
end_of_record
`;

describe('LCOV tracefiles', () => {
  it('adds up the records of one file and counts lines, functions and branches from the records', () => {
    const files = parseLcov(TRACEFILE);
    expect([...files.keys()]).toEqual(['/src/linux/kernel/bpf/verifier.c', '/src/linux/kernel/bpf/tnum.c']);
    const verifier = files.get('/src/linux/kernel/bpf/verifier.c')!;
    expect(verifier.lines.get(40)).toBe(2);
    expect(verifier.functions.get('check_alu_op')?.hits).toBe(2);
    expect(verifier.branches.get('42,0,0')).toBe(2);
    expect(totals(files.values())).toEqual({
      lines: { found: 8, hit: 5 },
      functions: { found: 3, hit: 2 },
      branches: { found: 4, hit: 2 },
    });
    expect(percent({ found: 8, hit: 5 })).toBe(62.5);
    expect(percent({ found: 0, hit: 0 })).toBeUndefined();
  });

  it("agrees with lcov --summary's own counts on the same file", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-lcov-'));
    const file = join(dir, 'coverage.lcov');
    writeFileSync(file, TRACEFILE);
    const out = execFileSync('lcov', ['--rc', 'lcov_branch_coverage=1', '--summary', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const t = totals(parseLcov(TRACEFILE).values());
    expect(out).toContain(`(${t.lines.hit} of ${t.lines.found} lines)`);
    expect(out).toContain(`(${t.functions.hit} of ${t.functions.found} functions)`);
    expect(out).toContain(`(${t.branches.hit} of ${t.branches.found} branches)`);
  });

  it("merges two jobs' tracefiles with lcov -a into the sums of their counters", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-lcov-merge-'));
    const [first, second] = TRACEFILE.split('TN:test_progs\n');
    writeFileSync(join(dir, 'a.lcov'), first!);
    writeFileSync(join(dir, 'b.lcov'), second!);
    await mergeTracefiles([join(dir, 'a.lcov'), join(dir, 'b.lcov')], join(dir, 'merged.lcov'));
    const merged = parseLcov(readFileSync(join(dir, 'merged.lcov'), 'utf8'));
    expect(totals(merged.values())).toEqual(totals(parseLcov(TRACEFILE).values()));
    expect(merged.get('/src/linux/kernel/bpf/verifier.c')?.lines.get(40)).toBe(2);
  });

  it('sorts the per-file table by uncovered lines', () => {
    const table = fileTable(parseLcov(TRACEFILE).values());
    expect(table.map((r) => [r.path, r.uncoveredLines])).toEqual([
      ['/src/linux/kernel/bpf/tnum.c', 2],
      ['/src/linux/kernel/bpf/verifier.c', 1],
    ]);
  });

  it('refuses a truncated file and a record outside SF: ... end_of_record', () => {
    expect(() => parseLcov('SF:/a.c\nDA:1,1\n')).toThrow(/no end_of_record/);
    expect(() => parseLcov('DA:1,1\n')).toThrow(/line 1: DA record outside/);
  });

  it('makes paths under the source tree relative and matches files of a directory and below', () => {
    expect(relativizeTracefile(TRACEFILE, '/src/linux')).toContain('SF:kernel/bpf/verifier.c\n');
    expect(relativizeTracefile('SF:/elsewhere/x.c\n', '/src/linux')).toBe('SF:/elsewhere/x.c\n');
    expect(inDirectories('kernel/bpf/verifier.c', ['kernel/bpf'])).toBe(true);
    expect(inDirectories('kernel/bpf/preload/iterators.c', ['kernel/bpf'])).toBe(true);
    expect(inDirectories('include/linux/bpf.h', ['kernel/bpf'])).toBe(false);
    expect(inDirectories('kernel/bpfx/a.c', ['kernel/bpf/'])).toBe(false);
  });
});
