// The author report over the matrix of real results: every failure class with its excerpt (the
// lines the tool printed) and a repro command, capped; as text for mail and as GFM for the PR.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeRun,
  buildAuthorReport,
  collectJobs,
  knownIssuesFromLists,
  loadResults,
  renderAuthorMarkdown,
  renderAuthorText,
  veristatFindings,
  WRAP_COLUMNS,
  type AuthorReport,
  type RunAnalysis,
} from '@bpf-ci/run-report';
import { newBinaryResult, newRun, newTestCase } from '@bpf-ci/model';
import { ALLOWED_TAGS, elements, HOSTILE, parseHtml, renderGfm, text } from '../report/gfm.ts';
import {
  KASAN_CONSOLE,
  MAPS_FAIL,
  PLANNED,
  RUN_URL,
  SOCKOPT_FAIL,
  VERIFIER_FAIL,
  jobUrl,
  sample,
  veristatDiff,
  writeMatrix,
} from './matrix.ts';

let analysis: RunAnalysis;
let report: AuthorReport;
let mailText: string;

const logLines = (name: string): string[] => readFileSync(sample(name), 'utf8').split('\n');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-report-author-'));
  const loaded = await loadResults(await writeMatrix(dir));
  analysis = analyzeRun(
    collectJobs(PLANNED, loaded, { jobUrl, runUrl: RUN_URL }),
    knownIssuesFromLists({ failingOnBase: 'sockmap\n', knownFlaky: '' }),
    veristatFindings([{ job: 'veristat on x86_64 with gcc', diff: veristatDiff() }]),
  );
  report = buildAuthorReport(analysis, { runUrl: RUN_URL });
  mailText = renderAuthorText(report);
});

describe('author report', () => {
  it('has every failure class, in order: splats, test_progs, test_maps, test_verifier, veristat', () => {
    expect(report.verdict).toBe('failure');
    expect(report.sections.map((s) => s.cls)).toEqual([
      'splat',
      'test_progs',
      'test_maps',
      'test_verifier',
      'veristat',
    ]);
    expect(report.failedJobs.map((j) => j.name)).toContain('test_progs on aarch64 with gcc');
    expect(report.failedJobs.every((j) => j.url === jobUrl(j.name))).toBe(true);
    expect(report.infraJobs.map((j) => j.name)).toEqual(['test_maps on s390x with gcc']);
  });

  it('excerpts the failed assertion as the tool printed it, with the lines around it', () => {
    const item = report.sections.find((s) => s.cls === 'test_progs')!.items[0]!;
    expect(item.title).toBe('setget_sockopt');
    expect(item.jobs).toHaveLength(4);
    const log = logLines(SOCKOPT_FAIL);
    const assertion = log.find((l) => l.includes(':FAIL:nr_listen'))!;
    expect(item.excerpt).toContain(assertion);
    // Every excerpt line is a line of the log (no invented text), PASS noise left out.
    for (const line of item.excerpt) expect(log).toContain(line);
    expect(item.excerpt.some((l) => l.includes(':PASS:'))).toBe(false);
    expect(item.repro).toBe('tools/testing/selftests/bpf/vmtest.sh -- ./test_progs -a setget_sockopt');
  });

  it('excerpts test_maps, test_verifier, the splat and veristat with a repro command each', () => {
    const byClass = new Map(report.sections.map((s) => [s.cls, s.items]));
    const maps = byClass.get('test_maps')![0]!;
    expect(maps.label).toBe('failing-on-base');
    expect(maps.excerpt.join('\n')).toContain('Failed sockmap unexpected timeout');
    expect(logLines(MAPS_FAIL).some((l) => l.includes('Failed sockmap unexpected timeout'))).toBe(true);
    expect(maps.repro).toBe(
      'PLATFORM=aarch64 CROSS_COMPILE=aarch64-linux-gnu- tools/testing/selftests/bpf/vmtest.sh -- ./test_maps',
    );
    const verifier = byClass.get('test_verifier')!;
    const first = verifier[0]!;
    const log = logLines(VERIFIER_FAIL);
    for (const line of first.excerpt) expect(log.some((l) => l.includes(line.replace(/…$/, '')))).toBe(true);
    const number = /^#(\d+)\//.exec(first.excerpt[0]!)?.[1];
    expect(first.repro).toBe(`tools/testing/selftests/bpf/vmtest.sh -- ./test_verifier ${number} ${number}`);
    const splat = byClass.get('splat')![0]!;
    expect(splat.excerpt[0]).toBe(
      'BUG: KASAN: slab-use-after-free in sk_psock_verdict_data_ready+0x29b/0x2d0',
    );
    const console = readFileSync(sample(KASAN_CONSOLE), 'utf8');
    for (const line of splat.excerpt) expect(console).toContain(line);
    const veristat = byClass.get('veristat')![0]!;
    expect(veristat.excerpt).toEqual(['duration 674 → 702 (+4.15%)']);
    expect(veristat.repro).toContain('-f bpf_flow.bpf.o/flow_dissector_5 bpf_flow.bpf.o');
  });

  it('labels flaky tests as not counted, and names where they were flaky', () => {
    expect(report.notCounted.map((n) => `${n.title}: ${n.jobs.map((j) => j.name).join(',')}`)).toEqual([
      'setget_sockopt: test_progs-no_alu32 on aarch64 with gcc',
      'sockmap: test_maps on x86_64 with gcc',
    ]);
    expect(report.notCounted[1]!.jobs[0]!.detail).toBe('failed in attempt 1, passed later');
  });

  it('keeps excerpts within the per-failure and total caps, listing the rest without one', () => {
    const small = buildAuthorReport(analysis, {
      maxExcerptLines: 2,
      maxExcerptBytes: 400,
      maxLineLength: 60,
    });
    const items = small.sections.flatMap((s) => s.items);
    const total = items.reduce((n, i) => n + Buffer.byteLength(i.excerpt.join('\n')), 0);
    expect(total).toBeLessThanOrEqual(400);
    expect(items.every((i) => i.excerpt.length <= 2 && i.excerpt.every((l) => l.length <= 60))).toBe(true);
    const omitted = items.filter((i) => i.excerptOmitted);
    expect(omitted.length).toBeGreaterThan(0);
    // Omitted excerpts keep the test, the jobs and the repro command.
    for (const i of omitted) {
      expect(i.excerpt).toEqual([]);
      expect(i.jobs.length).toBeGreaterThan(0);
    }
    expect(omitted.filter((i) => i.repro === undefined)).toEqual([]);
    expect(renderAuthorText(small)).toContain('excerpt left out: the report is at its size limit');
  });

  it('wraps prose for mail readers and keeps excerpts and commands verbatim', () => {
    const verbatim = new Set(
      report.sections.flatMap((s) =>
        s.items.flatMap((i) => [...i.excerpt.map((l) => `    ${l}`.trimEnd()), `    ${i.repro}`]),
      ),
    );
    const long = mailText
      .split('\n')
      .filter((l) => l.length > WRAP_COLUMNS && !verbatim.has(l) && !/^ {4}https?:\/\//.test(l));
    expect(long).toEqual([]);
    expect(mailText).toContain('BPF CI verdict: failure');
    for (const title of [
      'Kernel splats',
      'test_progs failures',
      'test_maps failures',
      'test_verifier failures',
      'veristat regressions',
    ])
      expect(mailText).toContain(`\n${title}\n${'-'.repeat(title.length)}\n`);
    expect(mailText).toContain('[also failing on the base branch]');
  });

  it('renders as GFM with one heading per failure, excerpts in code blocks and links to the jobs', () => {
    const doc = parseHtml(renderGfm(renderAuthorMarkdown(report)));
    expect(
      elements(doc)
        .filter((e) => !ALLOWED_TAGS.has(e.tagName))
        .map((e) => e.tagName),
    ).toEqual([]);
    const h3 = elements(doc, 'h3').map(text);
    expect(h3).toEqual([
      'Kernel splats',
      'test_progs failures',
      'test_maps failures',
      'test_verifier failures',
      'veristat regressions',
      'Flaky or quarantined (not counted)',
    ]);
    const code = elements(doc, 'code').map(text);
    expect(code).toContain('tools/testing/selftests/bpf/vmtest.sh -- ./test_progs -a setget_sockopt\n');
    const assertion = logLines(SOCKOPT_FAIL).find((l) => l.includes(':FAIL:nr_listen'))!;
    expect(code.some((c) => c.includes(assertion))).toBe(true);
    const hrefs = elements(doc, 'a').map((a) => a.attrs.find((x) => x.name === 'href')?.value);
    expect(hrefs).toContain(jobUrl('test_progs on x86_64 with llvm-18'));
  });

  it('says success when everything passed, with no sections', () => {
    const ok = buildAuthorReport(analyzeRun([]));
    expect(ok.verdict).toBe('success');
    expect(renderAuthorText(ok)).toBe('BPF CI verdict: success\nAll tests passed.\n');
  });

  it('renders hostile test names, logs and job names as text in the PR comment', () => {
    const binary = newBinaryResult('test_progs', {
      tests: HOSTILE.map((h, i) => newTestCase(h, 'fail', { number: i + 1, log: [`x:FAIL:${h}`, h] })),
      parsedCounts: { passed: 0, skipped: 0, failed: HOSTILE.length },
    });
    const run = newRun({ runner: '<img src=x>', arch: 'x86_64', toolchain: '</details>' }, [binary]);
    const hostile = buildAuthorReport(analyzeRun(collectJobs([], [{ source: 'r.json', run, raw: {} }])), {
      runUrl: 'javascript:alert(1)',
    });
    const doc = parseHtml(renderGfm(renderAuthorMarkdown(hostile)));
    expect(
      elements(doc)
        .filter((e) => !ALLOWED_TAGS.has(e.tagName))
        .map((e) => e.tagName),
    ).toEqual([]);
    expect(elements(doc, 'a')).toHaveLength(0);
    const headings = elements(doc, 'h4').map(text);
    for (const h of HOSTILE) expect(headings).toContain(`${h.replace(/\s+/g, ' ')} (new)`);
    // The repro command quotes the name for the shell.
    const repro = elements(doc, 'code')
      .map(text)
      .filter((c) => c.includes('vmtest.sh'));
    expect(repro).toContain(
      "tools/testing/selftests/bpf/vmtest.sh -- ./test_progs -a '<script>alert(1)</script>'\n",
    );
  });
});
