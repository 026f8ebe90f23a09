// The coverage job's host step on real GCOV data (test/fixtures/gcov: a cut of one kernel e2e
// run's .gcno notes and guest-copied .gcda counters), with Debian's real lcov tools: geninfo per
// capture, `lcov -a` across captures, the report, results.json and genhtml.
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { parseRun } from '@bpf-ci/model';
import { lcovSummary, parseLcov, runCoverageStep, sourcesOutside } from '@bpf-ci/coverage';
import { gcovFixtureChange } from '../../helpers/gcov-change.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'gcov');
/** The source folder the fixture's kernel was built in: its notes name it (README there). */
const BUILD_SOURCE = '/work/cache/kernel-e2e/linux';
const DIRECTORIES = ['kernel/bpf'];

function scratch(): { gcov: string; out: string; results: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-coverage-step-'));
  cpSync(join(FIXTURE, 'gcov'), join(dir, 'gcov'), { recursive: true });
  const results = join(dir, 'results.json');
  writeFileSync(
    results,
    JSON.stringify({
      schemaVersion: 1,
      context: { runner: 'coverage' },
      binaries: [],
      events: [],
      sources: [],
    }),
  );
  return { gcov: join(dir, 'gcov'), out: join(dir, 'coverage'), results };
}

/** lcov's own count of `what` (lines, functions, branches) in `lcov --summary`. */
function lcovCount(summary: string, what: string): { hit: number; found: number } {
  const m = new RegExp(`\\((\\d+) of (\\d+) ${what}\\)`).exec(summary);
  if (!m) throw new Error(`no ${what} in lcov --summary: ${summary}`);
  return { hit: Number(m[1]), found: Number(m[2]) };
}

/** The step's options for the fixture, with the scratch copy's counters and output. */
function fixtureOptions(dir: { gcov: string; out: string }): Parameters<typeof runCoverageStep>[0] {
  return {
    gcovDir: dir.gcov,
    gcnoDir: join(FIXTURE, 'gcno'),
    buildSourceDir: BUILD_SOURCE,
    directories: DIRECTORIES,
    outputDir: dir.out,
  };
}

describe('runCoverageStep on real GCOV counters', () => {
  it('captures each runner, merges them with lcov -a, and reports totals as lcov counts them, per file, in results.json and HTML', async () => {
    const dir = scratch();
    const logger = new MemoryLogger();
    const result = await runCoverageStep(
      {
        ...fixtureOptions(dir),
        sourceDir: join(FIXTURE, 'source'),
        results: dir.results,
        testName: 'coverage on x86_64 with gcc',
      },
      logger,
    );
    expect(logger.messages('warning')).toEqual([]);
    // Only the profiled directory: the notes also describe the headers tnum.c includes.
    expect(result.report.files.map((f) => f.path).sort()).toEqual([
      'kernel/bpf/disasm.c',
      'kernel/bpf/tnum.c',
    ]);
    const summary = await lcovSummary(result.tracefile);
    expect(result.report.lines).toEqual(lcovCount(summary, 'lines'));
    expect(result.report.functions).toEqual(lcovCount(summary, 'functions'));
    expect(result.report.branches).toEqual(lcovCount(summary, 'branches'));
    expect(result.report.lines.hit).toBeGreaterThan(0);
    expect(result.report.partial).toBeUndefined();

    // The merge adds the captures' counts: tnum.gcda is in both, so every tnum.c line counts twice.
    const one = parseLcov(readFileSync(join(dir.out, 'coverage-test_verifier.lcov'), 'utf8')).get(
      'kernel/bpf/tnum.c',
    )!;
    const merged = parseLcov(readFileSync(result.tracefile, 'utf8')).get('kernel/bpf/tnum.c')!;
    expect([...one.lines.values()].some((hits) => hits > 0)).toBe(true);
    expect([...merged.lines]).toEqual([...one.lines].map(([line, hits]) => [line, 2 * hits]));
    expect(merged.path).toBe('kernel/bpf/tnum.c');

    // results.json carries the same report, still a valid Run.
    const run = parseRun(JSON.parse(readFileSync(dir.results, 'utf8')));
    expect(run.coverage).toEqual(result.report);
    expect(run.context.runner).toBe('coverage');

    expect(result.markdown).toContain('### Coverage of `kernel/bpf` (GCOV)');
    expect(result.markdown).toContain(`(${result.report.lines.hit} of ${result.report.lines.found}) |`);
    expect(result.markdown).toContain('| kernel/bpf/tnum\\.c |');
    expect(result.html).toBe(join(dir.out, 'html', 'index.html'));
    expect(readFileSync(result.html!, 'utf8')).toContain('kernel/bpf');
    expect(existsSync(join(dir.out, 'html', 'kernel', 'bpf', 'tnum.c.gcov.html'))).toBe(true);
  });

  it('patch coverage of a synthetic change: the added line a test ran is covered, the one none reached is a warning', async () => {
    const dir = scratch();
    const repo = join(dir.out, '..', 'linux');
    const git = gcovFixtureChange(repo);
    const logger = new MemoryLogger();
    const result = await runCoverageStep(
      { ...fixtureOptions(dir), sourceDir: repo, patch: { base: 'HEAD^1', head: 'HEAD' } },
      logger,
    );
    expect(result.report.patch).toEqual({
      base: git('rev-parse', 'HEAD^1').trim(),
      head: git('rev-parse', 'HEAD').trim(),
      covered: 1,
      uncovered: [{ file: 'kernel/bpf/tnum.c', line: 197, function: 'tnum_sbin' }],
    });
    expect(result.patchPercent).toBe(50);
    const warnings = logger.entries.filter((e) => e.level === 'warning');
    expect(warnings.map((w) => [w.message, w.properties?.file, w.properties?.line])).toEqual([
      ['1 added line in tnum_sbin() ran in no test of this job (GCOV)', 'kernel/bpf/tnum.c', 197],
    ]);
    expect(result.markdown).toContain(
      '50.0 % of the added and changed executable lines ran in a test: 1 covered, 1 not.',
    );
    expect(result.markdown).toContain('| kernel/bpf/tnum\\.c:197 | tnum\\_sbin | 1 |');
    expect(parseRun(JSON.parse(readFileSync(dir.results, 'utf8'))).coverage).toBeUndefined();
  });

  it('leaves out a capture it cannot read, says the report is partial, and keeps the rest', async () => {
    const dir = scratch();
    // Counters of an object this build has no notes for (another kernel's capture).
    mkdirSync(join(dir.gcov, 'test_maps', 'kernel', 'bpf'), { recursive: true });
    writeFileSync(join(dir.gcov, 'test_maps', 'kernel', 'bpf', 'other.gcda'), 'not this build');
    const logger = new MemoryLogger();
    const result = await runCoverageStep(fixtureOptions(dir), logger);
    expect(result.report.partial).toBe('the counters of test_maps could not be read (1 of 3 captures)');
    expect(result.markdown).toContain('> **Partial:** the counters of test\\_maps could not be read');
    expect(
      logger
        .messages('warning')
        .some((m) => m.startsWith('Coverage capture test_maps left out: none of the 1 .gcda files')),
    ).toBe(true);
    expect(result.report.files).toHaveLength(2);
    // No source checkout: no HTML, and no error.
    expect(result.html).toBeUndefined();
  });

  it('writes no HTML when a profiled file of the checkout is a symbolic link out of it (genhtml would publish it)', async () => {
    const dir = scratch();
    const source = join(dir.out, '..', 'source');
    cpSync(join(FIXTURE, 'source'), source, { recursive: true });
    rmSync(join(source, 'kernel/bpf/tnum.c'));
    symlinkSync('/etc/hostname', join(source, 'kernel/bpf/tnum.c'));
    const logger = new MemoryLogger();
    const result = await runCoverageStep({ ...fixtureOptions(dir), sourceDir: source }, logger);
    expect(result.html).toBeUndefined();
    expect(existsSync(join(dir.out, 'html'))).toBe(false);
    expect(logger.messages('warning')).toEqual([
      `No HTML coverage report: "kernel/bpf/tnum.c" would be read from outside ${source}`,
    ]);
    // The numbers stand.
    expect(result.report.files).toHaveLength(2);
    expect(
      await sourcesOutside(['kernel/bpf/../../etc/passwd', '/etc/passwd', 'kernel/bpf/disasm.c'], source),
    ).toEqual(['kernel/bpf/../../etc/passwd', '/etc/passwd']);
  });

  it('says what is missing when the guest copied no counters at all', async () => {
    const dir = scratch();
    await expect(
      runCoverageStep({ ...fixtureOptions(dir), gcovDir: join(dir.out, 'nowhere') }, new MemoryLogger()),
    ).rejects.toThrow(/^no GCOV counters in .*nowhere: the guest did not copy them/);
  });
});
