// `bpf-ci coverage` as a user runs it: the real bin on a tracefile and a git checkout.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoverageReport, newRun, parseRun } from '@bpf-ci/model';
import { bpfCi } from './helpers.ts';

const BASE = ['int a(void)', '{', '\treturn 0;', '}', 'int b(void)', '{', '\treturn 1;', '}', ''];
// Head adds one line to each function: a() runs in the tests, b() does not.
const HEAD = [
  'int a(void)',
  '{',
  '\ta_calls++;',
  '\treturn 0;',
  '}',
  'int b(void)',
  '{',
  '\tb_calls++;',
  '\treturn 1;',
  '}',
  '',
];
// What geninfo writes for HEAD after a run that called a() twice (paths made source-relative).
const TRACEFILE = `TN:
SF:kernel/bpf/x.c
FN:1,a
FN:6,b
FNDA:2,a
FNDA:0,b
FNF:2
FNH:1
DA:1,2
DA:3,2
DA:4,2
DA:6,0
DA:8,0
DA:9,0
LF:6
LH:3
end_of_record
`;

describe('bpf-ci coverage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-coverage-cli-'));
  const src = join(dir, 'linux');
  mkdirSync(join(src, 'kernel/bpf'), { recursive: true });
  const git = (...args: string[]): string =>
    execFileSync('git', ['-C', src, '-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
      encoding: 'utf8',
    });
  git('init', '-q');
  writeFileSync(join(src, 'kernel/bpf/x.c'), BASE.join('\n'));
  git('add', '.');
  git('commit', '-qm', 'base');
  writeFileSync(join(src, 'kernel/bpf/x.c'), HEAD.join('\n'));
  git('commit', '-qam', 'head');
  const lcov = join(dir, 'coverage.lcov');
  writeFileSync(lcov, TRACEFILE);
  /** Patch coverage of the head commit's change. */
  const patchArgs = ['coverage', '--lcov', lcov, '--source', src, '--base', 'HEAD~1', '--head', 'HEAD'];

  it('prints totals and the per-file table', async () => {
    const r = await bpfCi(['coverage', '--lcov', lcov, '--source', src]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('### Coverage of `kernel/bpf` (GCOV)');
    expect(r.stdout).toContain('| Lines | 50.0 % (3 of 6) |');
    expect(r.stdout).toContain('| Functions | 50.0 % (1 of 2) |');
    expect(r.stdout).toContain('| kernel/bpf/x\\.c | 3 | 50.0 % | 50.0 % | – |');
  });

  it('with --base/--head names the covered and the uncovered added line, warns on the uncovered one, and fails below --threshold', async () => {
    const json = join(dir, 'coverage.json');
    const html = join(dir, 'html');
    const r = await bpfCi([...patchArgs, '--threshold', '60', '--json', json, '--html', html]);
    expect(r.stdout).toContain(
      '50.0 % of the added and changed executable lines ran in a test: 1 covered, 1 not.',
    );
    expect(r.stdout).toContain('| kernel/bpf/x\\.c:8 | b | 1 |');
    expect(r.stdout).toContain('Covered: kernel/bpf/x\\.c:3');
    expect(r.stderr).toContain('kernel/bpf/x.c');
    expect(r.stderr).toMatch(/1 added line in b\(\) ran in no test/);
    expect(r.stderr).toContain('Patch coverage 50.0 % is below the threshold of 60 %');
    expect(r.code).toBe(1);
    const report = CoverageReport.parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(report.patch).toEqual({
      base: 'HEAD~1',
      head: 'HEAD',
      covered: 1,
      uncovered: [{ file: 'kernel/bpf/x.c', line: 8, function: 'b' }],
    });
    expect(existsSync(join(html, 'kernel/bpf/x.c.gcov.html'))).toBe(true);
  });

  it('passes at the --threshold and says so', async () => {
    const r = await bpfCi([...patchArgs, '--threshold', '50']);
    expect(r.stderr).toContain(
      'Patch coverage 50.0 % meets the threshold of 50 %: 1 of 2 added executable lines of HEAD~1..HEAD ran in a test',
    );
    expect(r.code).toBe(0);
  });

  it('adds the report to a results.json, which stays valid', async () => {
    const results = join(dir, 'results.json');
    writeFileSync(results, JSON.stringify(newRun({ arch: 'x86_64' }, [])));
    const r = await bpfCi(['coverage', '--lcov', lcov, '--source', src, '--results', results]);
    expect(r.code).toBe(0);
    const run = parseRun(JSON.parse(readFileSync(results, 'utf8')));
    expect(run.coverage?.lines).toEqual({ found: 6, hit: 3 });
    expect(run.coverage?.files.map((f) => f.path)).toEqual(['kernel/bpf/x.c']);
  });

  it('refuses a directory that is not a plain source-relative path, and --base without --head', async () => {
    const bad = await bpfCi(['coverage', '--lcov', lcov, '--directories', 'kernel/$(id)']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('is not a source-relative directory');
    const half = await bpfCi(['coverage', '--lcov', lcov, '--base', 'HEAD~1']);
    expect(half.code).toBe(64);
    expect(half.stderr).toContain('--base and --head go together');
  });
});
