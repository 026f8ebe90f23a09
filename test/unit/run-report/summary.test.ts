// The run summary over a matrix of real results (see matrix.ts), rendered by cmark-gfm.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CoverageReport, newBinaryResult, newRun, newTestCase, type ConsoleEvent } from '@bpf-ci/model';
import {
  analyzeRun,
  collectJobs,
  knownIssuesFromLists,
  loadResults,
  renderRunSummary,
  splatKey,
  veristatFindings,
  type LoadedResults,
  type RunAnalysis,
} from '@bpf-ci/run-report';
import { ALLOWED_TAGS, elements, HOSTILE, parseHtml, renderGfm, text, type Element } from '../report/gfm.ts';
import {
  MAPS_PASS,
  PLANNED,
  printedSummary,
  RUN_URL,
  SOCKOPT_FAIL,
  VERIFIER_FAIL,
  jobUrl,
  sample,
  veristatDiff,
  writeMatrix,
} from './matrix.ts';

let loaded: LoadedResults[];
let analysis: RunAnalysis;
let html: ReturnType<typeof parseHtml>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-report-'));
  loaded = await loadResults(await writeMatrix(dir));
  const jobs = collectJobs(PLANNED, loaded, { jobUrl, runUrl: RUN_URL });
  analysis = analyzeRun(
    jobs,
    {},
    veristatFindings([
      {
        job: 'veristat on x86_64 with gcc',
        url: jobUrl('veristat on x86_64 with gcc'),
        diff: veristatDiff(),
      },
    ]),
  );
  html = parseHtml(renderGfm(renderRunSummary(analysis)));
});

function sectionTable(title: RegExp, doc = html): Element {
  const headings = elements(doc, 'h3');
  const h = headings.find((e) => title.test(text(e)));
  if (!h) throw new Error(`no section ${title}; have ${headings.map(text).join(' | ')}`);
  const siblings = (h.parentNode as Element).childNodes;
  const table = siblings
    .slice(siblings.indexOf(h))
    .find((n): n is Element => 'tagName' in n && n.tagName === 'table');
  if (!table) throw new Error(`no table after ${title}`);
  return table;
}

const rows = (table: Element): Element[][] =>
  elements(table, 'tbody')
    .flatMap((b) => elements(b, 'tr'))
    .map((tr) => elements(tr, 'td'));

describe('run summary', () => {
  it('is a failure, and counts every job once, the missing one as an infrastructure failure', () => {
    expect(analysis.verdict).toBe('failure');
    expect(analysis.jobs).toHaveLength(PLANNED.length);
    expect(analysis.infra.map((j) => j.name)).toEqual(['test_maps on s390x with gcc']);
    const heading = text(elements(html, 'h2')[0]!);
    expect(heading).toContain('failure');
  });

  it('shows a runner × (arch, toolchain) grid whose cells carry the tool’s own counts and link to the job', () => {
    const table = elements(html, 'table')[0]!;
    const head = elements(table, 'th').map(text);
    expect(head).toEqual(['Runner', 'x86_64 gcc', 'x86_64 llvm-18', 'aarch64 gcc', 's390x gcc']);
    const grid = rows(table);
    expect(grid.map((r) => text(r[0]!))).toEqual([
      'test_progs',
      'test_progs-no_alu32',
      'test_verifier',
      'test_maps',
    ]);
    const sockopt = printedSummary(SOCKOPT_FAIL);
    const cell = grid[0]![3]!; // test_progs on aarch64 with gcc
    expect(text(cell)).toBe(
      `❌ Success: ${sockopt.passed}/${sockopt.subtests}, Skipped: ${sockopt.skipped}, Failed: ${sockopt.failed}`,
    );
    expect(elements(cell, 'a')[0]!.attrs.find((a) => a.name === 'href')?.value).toBe(
      jobUrl('test_progs on aarch64 with gcc'),
    );
    const verifier = printedSummary(VERIFIER_FAIL);
    expect(text(grid[2]![1]!)).toBe(
      `❌ Success: ${verifier.passed}, Skipped: ${verifier.skipped}, Failed: ${verifier.failed}`,
    );
    expect(text(grid[3]![4]!)).toContain('no results (infrastructure)');
    expect(text(grid[1]![2]!)).toBe('—'); // no test_progs-no_alu32 job on llvm-18
    // Every planned job has exactly one linked cell.
    const links = elements(table, 'a').map((a) => a.attrs.find((x) => x.name === 'href')?.value);
    expect(new Set(links)).toEqual(new Set(PLANNED.map((p) => jobUrl(p.name))));
    // test_maps x86_64: the re-run passed; its cell shows the re-run's counts and a warning.
    const mapsSkipped = /test_maps: OK, (\d+) SKIPPED/.exec(readFileSync(sample(MAPS_PASS), 'utf8'))![1];
    expect(text(grid[3]![1]!)).toMatch(new RegExp(`^⚠️ Success: \\d+, Skipped: ${mapsSkipped}, Failed: 0$`));
  });

  it('lists each failed test once with every variant it failed on, splats first', () => {
    const order = elements(html, 'h3').map((h) => text(h).replace(/ \(\d+\)$/, ''));
    expect(order.slice(0, 4)).toEqual([
      '🔥 Kernel splats',
      '❌ Failures',
      '🔁 Flaky (passed on retry)',
      '📈 veristat regressions',
    ]);
    const failures = rows(sectionTable(/Failures/));
    const sockopt = failures.filter((r) => text(r[0]!) === 'setget_sockopt');
    expect(sockopt).toHaveLength(1);
    const row = sockopt[0]!;
    expect(text(row[2]!)).toBe('4');
    expect(elements(row[3]!, 'a').map(text)).toEqual([
      'test_progs · x86_64/gcc',
      'test_progs · x86_64/llvm-18',
      'test_progs · aarch64/gcc',
      'test_progs-no_alu32 · x86_64/gcc',
    ]);
    // The most widespread failure ranks first.
    expect(text(failures[0]![0]!)).toBe('setget_sockopt');
    // The first failed assertion, as test_progs printed it in the log.
    expect(text(row[4]!)).toBe('nr_listen: actual 0 != expected 1');
    // test_verifier: a case and its /u run are one finding: as many rows as its Summary's FAILED.
    const verifierRows = failures.filter((r) => text(r[1]!) === 'test_verifier').map((r) => text(r[0]!));
    expect(verifierRows.length).toBe(printedSummary(VERIFIER_FAIL).failed);
    expect(new Set(verifierRows).size).toBe(verifierRows.length);
  });

  it('names the kernel splat and the job it came from', () => {
    const splats = rows(sectionTable(/Kernel splats/));
    expect(splats).toHaveLength(1);
    expect(text(splats[0]![0]!)).toBe('BUG: KASAN: slab-use-after-free in sk_psock_verdict_data_ready');
    expect(elements(splats[0]![3]!, 'a').map(text)).toEqual(['test_progs · s390x/gcc']);
  });

  it('shows flaky tests: a retry inside a job, and a job whose earlier attempt failed', () => {
    const flaky = rows(sectionTable(/Flaky/)).map(
      (r) => `${text(r[0]!)} @ ${elements(r[3]!, 'a').map(text).join(',')}`,
    );
    expect(flaky).toEqual([
      'setget_sockopt @ test_progs-no_alu32 · aarch64/gcc',
      'sockmap @ test_maps · x86_64/gcc (attempt 1)',
    ]);
  });

  it('lists veristat regressions and the jobs without results', () => {
    const veristat = rows(sectionTable(/veristat/));
    expect(veristat.map((r) => text(r[0]!))).toEqual(['bpf_flow.bpf.o/flow_dissector_5']);
    expect(text(veristat[0]![2]!)).toBe('duration 674 → 702 (+4.15%)');
    const infra = elements(html, 'li')
      .map(text)
      .filter((t) => t.includes('no results.json'));
    expect(infra).toEqual([expect.stringMatching(/^test_maps on s390x with gcc: no results\.json/)]);
  });

  it('moves quarantined failures out of the failures and into their own section', () => {
    const jobs = collectJobs(PLANNED, loaded, { runUrl: RUN_URL });
    const quarantined = analyzeRun(jobs, knownIssuesFromLists({ quarantine: 'setget_sockopt\n# comment\n' }));
    const q = quarantined.findings.filter((f) => f.key === 'setget_sockopt');
    expect(q.map((f) => f.class).sort()).toEqual(['flaky', 'quarantined']);
    expect(q.every((f) => f.label === 'known-flaky')).toBe(true);
    const md = renderGfm(renderRunSummary(quarantined));
    expect(md).toContain('Quarantined (failed, not counted) (1)');
  });

  it('shows coverage when a results.json carries it, and ignores a malformed one', () => {
    const [first, second] = loaded;
    // The field as its writer (bpf-ci coverage, the coverage-report action) makes it: the model's.
    const coverage = CoverageReport.parse({
      directories: ['kernel/bpf'],
      lines: { hit: 3120, found: 4160 },
      functions: { hit: 300, found: 400 },
      branches: { hit: 1000, found: 3000 },
      files: [],
    });
    const withCoverage = [
      { ...first!, raw: { ...(first!.raw as object), coverage } },
      { ...second!, raw: { ...(second!.raw as object), coverage: { lines: { hit: 'all', found: 0 } } } },
    ];
    const doc = parseHtml(renderGfm(renderRunSummary(analyzeRun(collectJobs([], withCoverage)))));
    const table = sectionTable(/Coverage/, doc);
    expect(rows(table).map((r) => r.map(text))).toEqual([[text(rows(table)[0]![0]!), '75.0 %', '3120/4160']]);
  });

  it('takes the latest attempt of a job, and one results.json per attempt', () => {
    const maps = loaded.filter(
      (l) => l.run.context.runner === 'test_maps' && l.run.context.arch === 'x86_64',
    );
    expect(maps.map((l) => l.run.context.runAttempt)).toEqual([1, 2]);
    // The same attempt twice (two copies in one artifact) is not flaky evidence against itself.
    const twice = collectJobs([], [maps[1]!, maps[0]!, { ...maps[0]!, source: 'copy/results.json' }]);
    expect(twice).toHaveLength(1);
    expect(twice[0]!.attempt).toBe(2);
    expect(twice[0]!.earlier).toHaveLength(1);
    // Without runAttempt in the file, the artifact folder's "-attempt-N" says which attempt it is.
    const context = { ...maps[0]!.run.context };
    delete context.runAttempt;
    const noAttempt = {
      ...maps[0]!,
      run: { ...maps[0]!.run, context },
      source: '/r/results-test_maps-attempt-3/results.json',
    };
    expect(collectJobs([], [maps[1]!, noAttempt])[0]!.results?.source).toBe(noAttempt.source);
  });

  it('is warning for a run whose only failures are flaky', () => {
    const flakyOnly = loaded.filter(
      (l) => l.run.context.runner === 'test_progs-no_alu32' && l.run.context.arch === 'aarch64',
    );
    const result = analyzeRun(collectJobs([], flakyOnly));
    expect(result.verdict).toBe('warning');
    expect(result.findings.map((f) => f.class)).toEqual(['flaky']);
  });
});

describe('run summary with hostile names', () => {
  it('renders every hostile test name, splat title and arch as text, never as markup or a link', () => {
    const events: ConsoleEvent[] = HOSTILE.map((h) => ({
      kind: 'bug',
      title: `BUG: ${h}`,
      lines: [`BUG: ${h}`],
      callTrace: [],
    }));
    const binary = newBinaryResult('test_progs', {
      tests: HOSTILE.map((h, i) => newTestCase(h, 'fail', { number: i + 1, log: [`x:FAIL:${h}`] })),
      parsedCounts: { passed: 0, skipped: 0, failed: HOSTILE.length },
      events,
    });
    const run = newRun({ runner: 'test_progs', arch: '<b>x86_64</b>', toolchain: 'gcc|llvm' }, [binary]);
    const analysis = analyzeRun(
      collectJobs([], [{ source: 'results.json', run, raw: {} }], { runUrl: 'javascript:alert(1)' }),
    );
    const doc = parseHtml(renderGfm(renderRunSummary(analysis)));
    const unexpected = elements(doc).filter((e) => !ALLOWED_TAGS.has(e.tagName));
    expect(unexpected.map((e) => e.tagName)).toEqual([]);
    expect(elements(doc, 'a')).toHaveLength(0); // the javascript: URL is not a link
    const failures = elements(doc, 'td').map(text);
    for (const h of HOSTILE) expect(failures).toContain(h.replace(/\s+/g, ' '));
    expect(elements(doc, 'th').map(text)).toContain('<b>x86_64</b> gcc|llvm');
  });

  it('matches the same splat on two machines by its title without addresses', () => {
    expect(splatKey('BUG: KASAN: slab-use-after-free in sk_psock_verdict_data_ready+0x29b/0x2d0')).toBe(
      splatKey('BUG: KASAN: slab-use-after-free in sk_psock_verdict_data_ready+0x2a1/0x2e0'),
    );
  });
});
