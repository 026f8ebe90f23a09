// The built dashboard in a real headless Chromium (Debian's, driven by playwright-core): it loads
// from file:// with no request leaving its folder and no console error, every chart draws its
// series, the filters and sort change the table, a test page shows the generated history's cells,
// and every number equals `bpf-ci stats query ... --json` on the same database.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPageFile } from '@bpf-ci/dashboard';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  SqliteDatabase,
  Store,
  coverageTotals,
  generate,
  generateHistory,
  recordOf,
  type GenJob,
  type GenRun,
  type History,
  type RunRecord,
  type TopFailureRow,
} from '@bpf-ci/stats';
import { main } from '../../../packages/cli/src/main.ts';
import {
  SMALL_MATRIX,
  cellOf,
  coverageOf,
  expectedCoverageTrend,
  visible,
} from '../../helpers/stats-truth.ts';

/** Screenshots of every page, for people to look at (git-ignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../../../out/dashboard-test/', import.meta.url));

const START = Date.parse('2026-03-02T00:00:00Z') / 1000;
const RUNS = 120;
const INTERVAL = 4 * 3600;
const NOW = START + RUNS * INTERVAL + 3600;
const history: History = generateHistory({
  seed: 11,
  runs: RUNS,
  start: START,
  interval: INTERVAL,
  now: NOW,
  ...SMALL_MATRIX,
});
/** A failing test's name as an attacker would write it: must show as text, never as markup. */
const HOSTILE = '<img src=x onerror="window.pwned=1">"&\'';

let dir: string;
let site: string;
let browser: Browser;

async function bpfCi(args: string[]): Promise<{ code: number; stdout: string; logger: MemoryLogger }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  const logger = new MemoryLogger();
  const code = await main(['stats', ...args], { stdout, logger, cwd: dir, env: {} });
  return { code, stdout: text, logger };
}
async function query<T>(question: string, ...args: string[]): Promise<T> {
  const r = await bpfCi(['query', question, '--db', join(dir, 'stats.sqlite'), '--json', ...args]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

async function fill(
  path: string,
  runs: Iterable<GenRun>,
  options: { coverage?: boolean } = {},
): Promise<void> {
  const store = await Store.open(new SqliteDatabase(path));
  for (const run of runs) await store.ingestRun(options.coverage ? withCoverage(run) : recordOf(run));
  await store.close();
}

/** The run's record with the coverage job's totals, as the collector reads them from results.json. */
function withCoverage(run: GenRun): RunRecord {
  const record = recordOf(run);
  for (const job of record.jobs) {
    const report = coverageOf(run.jobs.find((j) => j.id === job.jobId)!);
    if (report && job.results) job.coverage = coverageTotals(report);
  }
  return record;
}

interface Visit {
  page: Page;
  requests: string[];
  errors: string[];
}
/** Opens a page of a site folder, recording every request and every console error. */
async function visit(folder: string, file: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // Anything over the network is refused (and recorded above), so a stray URL cannot load.
  await page.route(/^(https?|wss?):/, (route) => route.abort());
  await page.goto(pathToFileURL(join(folder, file)).href);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, requests, errors };
}
function expectOffline(v: Visit, folder: string): void {
  const root = pathToFileURL(folder).href;
  expect(v.requests.some((u) => u.endsWith('/assets/app.js'))).toBe(true); // the recorder works
  expect(v.requests.filter((u) => !u.startsWith(root))).toEqual([]);
  expect(v.errors).toEqual([]);
}
async function shoot(v: Visit, name: string): Promise<void> {
  await v.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
/**
 * In-page code is a string: this file is type-checked for Node, not for the DOM, and what runs in
 * the page is plain JavaScript either way.
 */
async function inPage<T>(page: Page, expression: string): Promise<T> {
  return await page.evaluate(expression);
}
async function tableRows(page: Page, id: string): Promise<string[][]> {
  return inPage(
    page,
    `[...document.querySelectorAll('#${id} tbody tr')].map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim()))`,
  );
}

/** Charts of the page: each drawn (pixels on its canvas) with the legend's series count. */
async function charts(page: Page): Promise<{ id: string; series: number; inked: number }[]> {
  return inPage(
    page,
    `[...document.querySelectorAll('figure[data-chart]')].map((f) => {
      const canvas = f.querySelector('canvas');
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
      // uPlot's legend: one row for x, one per series.
      return { id: f.dataset.chart, series: f.querySelectorAll('.u-legend .u-series').length - 1, inked };
    })`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bpf-ci-dashboard-'));
  site = join(dir, 'site');
  mkdirSync(SCREENSHOTS, { recursive: true });
  const db = join(dir, 'stats.sqlite');
  await fill(db, history.runs, { coverage: true });
  // One failing test gets a hostile name: the pages must show it as text.
  const victim = await query<{ failures: { binary: string; test: string }[] }>(
    'top-failures',
    '--limit',
    '50',
  );
  const breakingNames = new Set(history.breaking.map((b) => b.test.name));
  const target = victim.failures.find((f) => !breakingNames.has(f.test))!;
  const sqlite = new SqliteDatabase(db);
  await sqlite.run('UPDATE tests SET name = ? WHERE binary_name = ? AND name = ?', [
    HOSTILE,
    target.binary,
    target.test,
  ]);
  await sqlite.close();
  const flakyRows = await query<{ flaky: { test: string }[] }>('flaky');
  writeFileSync(
    join(dir, 'quarantine.yml'),
    `quarantine:\n  - test: ${JSON.stringify(flakyRows.flaky[0]!.test)}\n    reason: known flake\n    link: https://lore.kernel.org/bpf/\n    owner: bpf@vger.kernel.org\n    expires: 2099-01-01\n`,
  );
  const built = await bpfCi([
    'dashboard',
    '--db',
    db,
    '--out',
    site,
    '--quarantine',
    join(dir, 'quarantine.yml'),
  ]);
  expect(built.code).toBe(0);
  expect(built.logger.messages('info').some((m) => /^wrote \d+ files/.test(m))).toBe(true);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RatesJson {
  jobsTotal: { total: number; successPct: number; failurePct: number; cancelledPct: number };
  runs: { total: number; successPct: number; failurePct: number; cancelledPct: number };
}
type FailureJson = Omit<TopFailureRow, 'number'>;
const failureCells = (f: FailureJson): string[] => [
  f.test,
  f.binary,
  f.arch,
  f.toolchain,
  String(f.hits),
  String(f.runs),
  `${f.pctOfRuns.toFixed(1)}%`,
];
const pct = (v: number): string => `${v.toFixed(1)}%`;

describe('the dashboard in Chromium', () => {
  it('overview: offline, no console error, every chart drawn with its series, rates equal stats query rates', async () => {
    const v = await visit(site, 'index.html');
    expectOffline(v, site);
    const durations = await query<{
      durations: { kind: string; arch: string; toolchain: string; runner: string }[];
    }>('durations');
    const seriesOf = (kind: string): number =>
      new Set(
        durations.durations.filter((d) => d.kind === kind).map((d) => `${d.arch}/${d.toolchain}/${d.runner}`),
      ).size;
    const drawn = await charts(v.page);
    expect(drawn.map((c) => [c.id, c.series])).toEqual([
      ['job-rates', 3],
      ['run-rates', 3],
      ['build-p50', seriesOf('build')],
      ['build-p90', seriesOf('build')],
      ['test-p50', seriesOf('test')],
      ['test-p90', seriesOf('test')],
      // One coverage leg (x86_64 gcc, kernel/bpf): its lines, functions and branches.
      ['code-coverage', 3],
    ]);
    for (const c of drawn) expect(c.inked, c.id).toBeGreaterThan(1000);
    // The coverage line is the base branches' runs' coverage, one point per run.
    const trend = expectedCoverageTrend(history);
    expect(trend.length).toBeGreaterThan(10);
    const coverage = await inPage<{ x: number[]; series: { label: string; values: number[] }[] }>(
      v.page,
      `window.BPF_CI_DASHBOARD.charts.find((c) => c.id === 'code-coverage')`,
    );
    expect(coverage.x).toEqual(trend.map((p) => p.createdAt));
    expect(coverage.series[0]!.label).toBe('lines, x86_64 gcc kernel/bpf');
    expect(coverage.series[0]!.values).toEqual(
      trend.map((p) => Math.round((p.lines.hit * 1000) / p.lines.found) / 10),
    );
    expect(await v.page.textContent('figure[data-chart="code-coverage"] figcaption')).toBe(
      "GCOV coverage of the base branches' runs (% covered)",
    );
    const rates = await query<RatesJson>('rates');
    expect(await tableRows(v.page, 'rates')).toEqual([
      [
        'jobs',
        String(rates.jobsTotal.total),
        pct(rates.jobsTotal.successPct),
        pct(rates.jobsTotal.failurePct),
        pct(rates.jobsTotal.cancelledPct),
      ],
      [
        'runs',
        String(rates.runs.total),
        pct(rates.runs.successPct),
        pct(rates.runs.failurePct),
        pct(rates.runs.cancelledPct),
      ],
    ]);
    expect(await v.page.textContent('#coverage')).toContain(`${RUNS} runs`);
    // The legend hides a series when clicked.
    const first = v.page.locator('figure[data-chart="job-rates"] .u-legend .u-series').nth(1);
    await first.click();
    expect(await first.getAttribute('class')).toContain('u-off');
    await shoot(v, 'overview');
    await v.page.close();
  });

  it('top failures: equal stats query top-failures; window, runner and arch filters and the sort change the table', async () => {
    const v = await visit(site, 'failures.html');
    expectOffline(v, site);
    const all = (await query<{ failures: FailureJson[] }>('top-failures', '--limit', '50')).failures;
    expect(all.length).toBeGreaterThan(3);
    expect(all.length).toBeLessThan(50); // the whole list: filtering it by arch is exact
    expect(await tableRows(v.page, 'failures')).toEqual(all.map(failureCells));
    // The hostile name is text in a cell, not an element.
    expect(all.some((f) => f.test === HOSTILE)).toBe(true);
    expect(await v.page.$$('#failures img')).toEqual([]);
    expect(await inPage(v.page, 'window.pwned')).toBeUndefined();

    await v.page.selectOption('select[name="arch"]', 'aarch64');
    const aarch64 = all.filter((f) => f.arch === 'aarch64');
    expect(aarch64.length).toBeLessThan(all.length);
    expect(await tableRows(v.page, 'failures')).toEqual(aarch64.map(failureCells));
    await v.page.selectOption('select[name="arch"]', '');

    await v.page.selectOption('select[name="runner"]', 'test_maps');
    const maps = (
      await query<{ failures: FailureJson[] }>('top-failures', '--limit', '50', '--runner', 'test_maps')
    ).failures;
    expect(await tableRows(v.page, 'failures')).toEqual(maps.map(failureCells));
    await v.page.selectOption('select[name="runner"]', '');

    const lastRun = Math.max(...history.runs.map((r) => r.createdAt));
    await v.page.selectOption('select[name="window"]', '7');
    const week = (
      await query<{ failures: FailureJson[] }>(
        'top-failures',
        '--limit',
        '50',
        '--since',
        new Date((lastRun - 7 * 86400) * 1000).toISOString(),
      )
    ).failures;
    expect(week.map(failureCells)).not.toEqual(all.map(failureCells));
    expect(await tableRows(v.page, 'failures')).toEqual(week.map(failureCells));
    await v.page.selectOption('select[name="window"]', '0');

    await v.page.click('button[data-sort="test"]');
    const byName = [...all].sort((a, b) => a.test.localeCompare(b.test));
    expect((await tableRows(v.page, 'failures')).map((r) => r[0])).toEqual(byName.map((f) => f.test));
    await v.page.click('button[data-sort="test"]');
    expect((await tableRows(v.page, 'failures')).map((r) => r[0])).toEqual(
      byName.reverse().map((f) => f.test),
    );
    expect(await v.page.getAttribute('th:has(button[data-sort="test"])', 'aria-sort')).toBe('descending');
    await shoot(v, 'failures');
    expect(v.errors).toEqual([]);
    await v.page.close();
  });

  it('flaky and infra: equal stats query flaky and infra, with the quarantine status', async () => {
    const f = await visit(site, 'flaky.html');
    expectOffline(f, site);
    const flakyJson = (
      await query<{
        flaky: {
          binary: string;
          test: string;
          flipRate: number;
          flips: number;
          flakes: number;
          fails: number;
          observations: number;
        }[];
      }>('flaky')
    ).flaky;
    expect(flakyJson.length).toBeGreaterThan(0);
    const rows = await tableRows(f.page, 'flaky');
    expect(rows.map((r) => [r[0], r[1], ...r.slice(3, 8)])).toEqual(
      flakyJson.map((x) => [
        x.test,
        x.binary,
        x.flipRate.toFixed(3),
        String(x.flips),
        String(x.flakes),
        String(x.fails),
        String(x.observations),
      ]),
    );
    expect(rows[0]![8]).toBe('quarantined: known flake');
    expect(rows.filter((r) => r[8]!.startsWith('quarantined')).length).toBe(
      flakyJson.filter((x) => x.test === flakyJson[0]!.test).length,
    );
    await shoot(f, 'flaky');
    await f.page.close();

    const v = await visit(site, 'infra.html');
    expectOffline(v, site);
    const infra = (
      await query<{
        infra: {
          arch: string;
          toolchain: string;
          jobs: number;
          counts: Record<string, number>;
          infraPct: number;
        }[];
      }>('infra')
    ).infra;
    const drawn = await charts(v.page);
    const kinds = ['vm-died', 'kernel-panic', 'runner-lost', 'timeout', 'cancelled'];
    expect(drawn).toHaveLength(1);
    expect(drawn[0]!.series).toBe(kinds.length);
    expect(drawn[0]!.inked).toBeGreaterThan(1000);
    expect(await tableRows(v.page, 'infra')).toEqual(
      infra.map((r) => [
        r.arch,
        r.toolchain,
        String(r.jobs),
        ...kinds.map((k) => String(r.counts[k])),
        String(r.counts['test']),
        pct(r.infraPct),
      ]),
    );
    // The weekly series add up to the whole history's answer.
    const chart = await inPage<{ series: { label: string; values: number[] }[] }>(
      v.page,
      'window.BPF_CI_DASHBOARD.charts[0]',
    );
    for (const s of chart.series)
      expect(
        s.values.reduce((a, b) => a + b, 0),
        s.label,
      ).toBe(infra.reduce((a, r) => a + r.counts[s.label]!, 0));
    await shoot(v, 'infra');
    await v.page.close();
  });

  it("a test page shows each variant's last 30 cells of the generated history, linked to their jobs, and first bad as stats query first-bad", async () => {
    const broken = history.breaking[0]!;
    const test = broken.test;
    const v = await visit(site, testPageFile(test.binary, test.name));
    expectOffline(v, site);
    expect(await v.page.textContent('h1')).toBe(test.name);
    // Ground truth: per variant the last 30 jobs with results, oldest first; a test not in a job is "not run".
    const byVariant = new Map<string, { run: GenRun; job: GenJob }[]>();
    for (const run of history.runs)
      for (const job of run.jobs) {
        if (!visible(run, job)) continue;
        const key = `${job.arch}/${job.toolchain}/${job.runner}/${job.arch === 'x86_64' ? 'kvm' : 'tcg'}`;
        byVariant.set(key, [...(byVariant.get(key) ?? []), { run, job }]);
      }
    const expected: Record<string, { cell: string; job: number }[]> = {};
    for (const [key, list] of byVariant) {
      list.sort(
        (a, b) => a.run.createdAt - b.run.createdAt || a.run.id - b.run.id || a.job.attempt - b.job.attempt,
      );
      const cells = list.slice(-30).map(({ job }) => ({ cell: cellOf(job, test) ?? 'none', job: job.id }));
      if (cells.some((c) => c.cell !== 'none')) expected[key] = cells;
    }
    const shown = await inPage<Record<string, { cell: string; job: number }[]>>(
      v.page,
      `Object.fromEntries([...document.querySelectorAll('#history tbody tr')].map((tr) => [
        tr.dataset.variant,
        [...tr.querySelectorAll('.cell')].map((a) => ({ cell: a.dataset.cell, job: Number(/\\/job\\/(\\d+)$/.exec(a.href)?.[1]) })),
      ]))`,
    );
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(shown).toEqual(expected);
    expect(
      Object.values(shown)
        .flat()
        .some((c) => c.cell === 'fail'),
    ).toBe(true);
    const firstBad = await query<{
      variants: {
        arch: string;
        toolchain: string;
        runner: string;
        accelerator: string;
        firstBad: { runId: number };
      }[];
    }>('first-bad', '--test', `${test.binary}:${test.name}`);
    expect(firstBad.variants.length).toBeGreaterThan(0);
    for (const fb of firstBad.variants) {
      const cell = await v.page.textContent(
        `tr[data-variant="${fb.arch}/${fb.toolchain}/${fb.runner}/${fb.accelerator}"] td:nth-of-type(3)`,
      );
      expect(cell).toContain(`run ${fb.firstBad.runId}#`);
    }
    await shoot(v, 'test-page');
    await v.page.close();
  });

  it('a test page with a hostile test name shows it as text', async () => {
    const all = (await query<{ failures: FailureJson[] }>('top-failures', '--limit', '50')).failures;
    const hostile = all.find((f) => f.test === HOSTILE)!;
    const v = await visit(site, testPageFile(hostile.binary, hostile.test));
    expectOffline(v, site);
    expect(await v.page.textContent('h1')).toBe(HOSTILE);
    expect(await v.page.title()).toBe(`${HOSTILE} · BPF CI health`);
    expect(await v.page.$$('main img')).toEqual([]);
    await v.page.close();
  });

  it('bad command lines: no --out is a usage error; a malformed quarantine file names its line and builds nothing', async () => {
    expect((await bpfCi(['dashboard', '--db', join(dir, 'stats.sqlite')])).code).toBe(64);
    writeFileSync(join(dir, 'bad.yml'), 'quarantine:\n  - test: x\n');
    const bad = await bpfCi([
      'dashboard',
      '--db',
      join(dir, 'stats.sqlite'),
      '--out',
      join(dir, 'bad-site'),
      '--quarantine',
      join(dir, 'bad.yml'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.logger.messages('error').join('\n')).toMatch(/bad\.yml:2:\d+: .*\n {2}fix: /);
    expect(existsSync(join(dir, 'bad-site'))).toBe(false);
  });

  it('the overview of a one-year history loads in under 2 s', async () => {
    const yearDir = join(dir, 'year');
    const yearStart = Date.parse('2025-11-24T00:00:00Z') / 1000;
    await fill(
      join(dir, 'year.sqlite'),
      generate({
        seed: 5,
        runs: 1100,
        start: yearStart,
        interval: Math.floor((365 * 86400) / 1100),
        testsPerRunner: 3,
        broken: 2,
        flaky: 2,
        now: yearStart + 365 * 86400,
      }),
    );
    expect((await bpfCi(['dashboard', '--db', join(dir, 'year.sqlite'), '--out', yearDir])).code).toBe(0);
    const v = await visit(yearDir, 'index.html');
    // From navigation start to every chart drawn, as the page itself measured it.
    const ms = Number(await v.page.getAttribute('body', 'data-ready-ms'));
    expect(ms).toBeGreaterThan(0);
    expectOffline(v, yearDir);
    const drawn = await charts(v.page);
    // No coverage in this store: no coverage chart.
    expect(drawn).toHaveLength(6);
    expect(drawn.map((c) => c.id)).not.toContain('code-coverage');
    const weeks = await inPage<number>(v.page, 'window.BPF_CI_DASHBOARD.charts[0].x.length');
    expect(weeks).toBeGreaterThanOrEqual(52);
    writeFileSync(
      join(SCREENSHOTS, 'overview-one-year-load.txt'),
      `${ms} ms from navigation start to every chart drawn\n`,
    );
    expect(ms).toBeLessThan(2000);
    await shoot(v, 'overview-one-year');
    await v.page.close();
  }, 60_000);
});
