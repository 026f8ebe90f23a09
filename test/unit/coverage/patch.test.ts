import { describe, expect, it } from 'vitest';
import {
  coverageReport,
  parseLcov,
  patchCoverage,
  patchPercent,
  renderCoverageMarkdown,
  uncoveredAnnotations,
  uncoveredRanges,
} from '@bpf-ci/coverage';
import { capAnnotations, annotationCommand } from '@bpf-ci/protocol';

const TRACEFILE = `SF:/src/linux/kernel/bpf/verifier.c
FN:10,do_check
FN:40,check_alu_op
FN:60,rare_path
FNDA:3,do_check
FNDA:0,check_alu_op
FNDA:0,rare_path
DA:10,3
DA:11,3
DA:12,0
DA:40,0
DA:41,0
DA:43,0
DA:44,5
DA:60,0
DA:61,0
DA:62,0
end_of_record
SF:/src/linux/kernel/bpf/<b>|evil.c
FN:1,f
FNDA:0,f
DA:1,0
end_of_record
`;

const files = parseLcov(TRACEFILE);
const directories = ['kernel/bpf'];

describe('patch coverage', () => {
  const added = new Map([
    ['kernel/bpf/verifier.c', [11, 12, 13, 40, 41, 42, 43, 44, 60, 61, 62]],
    ['kernel/bpf/syscall.c', [5]],
    ['kernel/bpf/btf.h', [3]],
    ['net/core/filter.c', [7]],
  ]);
  const patch = patchCoverage(files, added, { directories, sourceDir: '/src/linux' });

  it('splits the added executable lines into covered and uncovered, naming their function', () => {
    expect(patch.covered.map((l) => [l.line, l.function])).toEqual([
      [11, 'do_check'],
      [44, 'check_alu_op'],
    ]);
    expect(patch.uncovered.map((l) => l.line)).toEqual([12, 40, 41, 43, 60, 61, 62]);
    // 13 and 42 have no code; btf.h has no counters of its own.
    expect(patch.notExecutable).toBe(3);
    expect(patch.notBuilt).toEqual(['kernel/bpf/syscall.c']);
    expect(patch.outside).toEqual(['net/core/filter.c']);
    expect(patchPercent(patch)).toBe(22.2);
  });

  it('groups uncovered lines into ranges within one function, the most untested function first', () => {
    expect(uncoveredRanges(patch).map((r) => [r.function, r.startLine, r.endLine, r.lines])).toEqual([
      ['check_alu_op', 40, 43, 3],
      ['rare_path', 60, 62, 3],
      ['do_check', 12, 12, 1],
    ]);
  });

  it('emits warning annotations in that order, within GitHub caps', () => {
    const annotations = uncoveredAnnotations(patch);
    expect(annotations.every((a) => a.level === 'warning')).toBe(true);
    const { kept, dropped } = capAnnotations(annotations, { total: 2 });
    expect(kept.map((a) => [a.file, a.line, a.endLine])).toEqual([
      ['kernel/bpf/verifier.c', 40, 43],
      ['kernel/bpf/verifier.c', 60, 62],
    ]);
    expect(dropped).toHaveLength(1);
    expect(annotationCommand(kept[0]!)).toBe(
      '::warning title=Added lines no test executed,file=kernel/bpf/verifier.c,line=40,endLine=43::3 added lines in check_alu_op() ran in no test of this job (GCOV)',
    );
  });

  it('escapes an untrusted file name in annotation properties', () => {
    const evil = patchCoverage(files, new Map([['kernel/bpf/<b>|evil.c', [1]]]), {
      directories,
      sourceDir: '/src/linux',
    });
    const [a] = uncoveredAnnotations(evil);
    expect(annotationCommand({ ...a!, file: 'kernel/bpf/a,b::c.c' })).toContain(
      'file=kernel/bpf/a%2Cb%3A%3Ac.c',
    );
  });
});

describe('coverage report', () => {
  it('fills results.json totals and a per-file table of the profiled directories only', () => {
    const { report } = coverageReport({
      files: parseLcov(`${TRACEFILE}SF:/src/linux/net/core/filter.c\nDA:1,1\nend_of_record\n`),
      directories,
      sourceDir: '/src/linux',
    });
    expect(report.lines).toEqual({ found: 11, hit: 3 });
    expect(report.functions).toEqual({ found: 4, hit: 1 });
    expect(report.files.map((f) => f.path)).toEqual(['kernel/bpf/verifier.c', 'kernel/bpf/<b>|evil.c']);
    expect(report.patch).toBeUndefined();
  });

  it('renders totals, the table and patch coverage as Markdown with file and function names escaped', () => {
    const added = new Map([
      ['kernel/bpf/verifier.c', [11, 60]],
      ['kernel/bpf/<b>|evil.c', [1]],
    ]);
    const { report, patch } = coverageReport({
      files,
      directories,
      sourceDir: '/src/linux',
      diff: { base: 'a'.repeat(40), head: 'b'.repeat(40), added },
    });
    expect(report.patch).toMatchObject({
      covered: 1,
      uncovered: [{ line: 1 }, { line: 60, function: 'rare_path' }],
    });
    const md = renderCoverageMarkdown(report, patch);
    expect(md).toContain('| Lines | 27.3 % (3 of 11) |');
    expect(md).toContain('| Branches | no data |');
    expect(md).toContain('33.3 % of the added and changed executable lines ran in a test: 1 covered, 2 not.');
    expect(md).toContain('| kernel/bpf/verifier\\.c:60 | rare\\_path | 1 |');
    expect(md).not.toContain('<b>');
    expect(md).not.toMatch(/[^\\]\|evil/);
    expect(md).toContain('kernel/bpf/&lt;b&gt;\\|evil\\.c');
    expect(md).toContain('Covered: kernel/bpf/verifier\\.c:11');
  });
});
