// Asks the store's questions (the same functions `bpf-ci stats query` runs) and shapes the answers
// into a DashboardData. The only SQL of its own reads the sync's coverage and the per-test strips.
import type { Logger } from '@bpf-ci/logger';
import type { QuarantineFile } from '@bpf-ci/flaky';
import {
  FAILURE_KINDS,
  INFRA_KINDS,
  cellOf,
  coverageTrend,
  durations,
  firstBad,
  flaky,
  inSet,
  infra,
  loadSets,
  rates,
  readOutcomes,
  topFailures,
  weekStart,
  type Database,
  type FirstBadRow,
  type FlakyRow,
  type RateCounts,
  type Row,
  type StoredOutcome,
  type TopFailureRow,
} from '@bpf-ci/stats';
import {
  WEEK_SECONDS,
  coverageChart,
  durationCharts,
  quarantineStatus,
  rateChart,
  testPageFile,
  weeklyCounts,
  weeklyRates,
} from './aggregate.ts';
import type {
  Chart,
  Coverage,
  DashboardData,
  FailureTable,
  StripRun,
  TestPage,
  TestVariantHistory,
} from './model.ts';

export interface CollectOptions {
  logger: Logger;
  quarantine?: QuarantineFile;
  /** Cells per variant on a test page (default 30). */
  lastRuns?: number;
  /** Rows per top-failures table (default 50). */
  failureLimit?: number;
  /** The "now" the windows count back from (default: the newest run). */
  now?: number;
}

/** Top failures windows in days; 0 is the whole history. */
export const WINDOWS = [7, 30, 90, 0];
const DAY = 86400;
const iso = (epoch: number | null): string | null =>
  epoch === null ? null : new Date(epoch * 1000).toISOString();
const n = (v: unknown): number => Number(v ?? 0);

async function coverage(db: Database): Promise<Coverage & { first: number | null; last: number | null }> {
  const runs = (
    await db.all(
      'SELECT COUNT(*) AS n, MIN(created_at) AS first, MAX(created_at) AS last, MAX(updated_at) AS asof FROM runs',
    )
  )[0]!;
  const jobs = (await db.all('SELECT COUNT(*) AS n, SUM(has_results) AS results FROM jobs'))[0]!;
  const byState: Record<string, number> = {};
  for (const r of await db.all('SELECT results, COUNT(*) AS n FROM runs GROUP BY results ORDER BY results'))
    byState[String(r['results'])] = n(r['n']);
  const first = runs['first'] === null ? null : n(runs['first']);
  const last = runs['last'] === null ? null : n(runs['last']);
  return {
    runs: n(runs['n']),
    jobs: n(jobs['n']),
    jobsWithResults: n(jobs['results']),
    runResults: byState,
    runsWithoutResults: ['missing', 'expired', 'invalid', 'unknown-schema'].reduce(
      (a, k) => a + (byState[k] ?? 0),
      0,
    ),
    firstRun: iso(first),
    lastRun: iso(last),
    dataAsOf: iso(runs['asof'] === null ? null : n(runs['asof'])),
    first,
    last,
  };
}

const ZERO: RateCounts = {
  total: 0,
  success: 0,
  failure: 0,
  cancelled: 0,
  other: 0,
  successPct: 0,
  failurePct: 0,
  cancelledPct: 0,
};

/**
 * Weekly job and run rates and infrastructure failures: the questions answered "since" each week's
 * Monday, differenced (week k = since k − since k+1), so every number comes from the same queries.
 */
async function weeklySeries(
  db: Database,
  weeks: number[],
  logger: Logger,
): Promise<{ rateCharts: Chart[]; infraChart: Chart }> {
  const jobs: RateCounts[] = [];
  const runs: RateCounts[] = [];
  const infraKinds = FAILURE_KINDS.filter((k) => INFRA_KINDS.includes(k));
  const infraWeeks: Record<string, number>[] = [];
  const zeroInfra = Object.fromEntries(infraKinds.map((k) => [k, 0]));
  let next = { jobs: ZERO, runs: ZERO, infra: zeroInfra };
  for (let i = weeks.length - 1; i >= 0; i--) {
    const since = weeks[i]!;
    const r = await rates(db, { since });
    const inf: Record<string, number> = { ...zeroInfra };
    for (const row of await infra(db, { since })) for (const k of infraKinds) inf[k]! += row.counts[k];
    jobs[i] = weeklyRates(r.jobsTotal, next.jobs);
    runs[i] = weeklyRates(r.runs, next.runs);
    infraWeeks[i] = weeklyCounts(inf, next.infra);
    next = { jobs: r.jobsTotal, runs: r.runs, infra: inf };
    if ((weeks.length - i) % 10 === 0) logger.info(`weekly rates: ${weeks.length - i}/${weeks.length} weeks`);
  }
  return {
    rateCharts: [
      rateChart('job-rates', 'Jobs by conclusion, per week', weeks, jobs),
      rateChart('run-rates', 'Runs by conclusion, per week', weeks, runs),
    ],
    infraChart: {
      id: 'infra',
      title: 'Infrastructure failures per week',
      unit: 'jobs',
      x: weeks,
      series: infraKinds.map((k) => ({ label: k, values: infraWeeks.map((w) => w[k] ?? 0) })),
    },
  };
}

interface TestKey {
  binary: string;
  test: string;
}

/** One variant's last jobs with results, each with the cell of every test a page is made for. */
interface Strip {
  variant: Row;
  runs: (StripRun & { testCells: Map<number, StripRun['cell']> })[];
}

const keyOf = (k: TestKey): string => `${k.binary}\0${k.test}`;

/** Per variant, the last N jobs with results; each test's cell in each (not run when unseen). */
async function testPages(
  db: Database,
  keys: TestKey[],
  lastRuns: number,
  flips: FlakyRow[],
  logger: Logger,
): Promise<TestPage[]> {
  if (keys.length === 0) return [];
  const ids = await testIdsOf(db, keys);
  const strips = await variantStrips(db, [...ids.values()], lastRuns);
  const pages: TestPage[] = [];
  for (const [i, k] of keys.entries()) {
    const id = ids.get(keyOf(k));
    if (id === undefined) continue;
    pages.push(await testPage(db, k, id, strips, flips));
    if ((i + 1) % 20 === 0) logger.info(`test pages: ${i + 1}/${keys.length}`);
  }
  return pages;
}

/** The stored id of each test that has one. */
async function testIdsOf(db: Database, keys: TestKey[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const k of keys) {
    const row = (
      await db.all('SELECT test_id FROM tests WHERE binary_name = ? AND name = ?', [k.binary, k.test])
    )[0];
    if (row) ids.set(keyOf(k), n(row['test_id']));
  }
  return ids;
}

/** The strips of every variant with jobs with results, in variant order. */
async function variantStrips(db: Database, testIds: number[], lastRuns: number): Promise<Strip[]> {
  const sets = await loadSets(db);
  const variants = await db.all(
    'SELECT variant_id, arch, toolchain, runner, accelerator FROM variants ORDER BY arch, toolchain, runner, accelerator',
  );
  const strips: Strip[] = [];
  for (const v of variants) {
    const jobs = (
      await db.all(
        `SELECT j.job_id, j.run_id, j.run_attempt, j.seen_set, j.skip_set, j.run_created, r.html_url
         FROM jobs j JOIN runs r ON r.run_id = j.run_id
         WHERE j.variant_id = ? AND j.has_results = 1
         ORDER BY j.run_created DESC, j.run_id DESC, j.run_attempt DESC LIMIT ${lastRuns}`,
        [v['variant_id']!],
      )
    ).reverse();
    if (jobs.length === 0) continue;
    const outcomes = new Map<string, StoredOutcome>();
    for (const o of await readOutcomes(
      db,
      `job_id IN (${jobs.map((j) => n(j['job_id'])).join(', ')}) AND test_id IN (${testIds.join(', ')})`,
    ))
      outcomes.set(`${o.jobId}:${o.testId}`, o);
    strips.push({ variant: v, runs: jobs.map((j) => stripRun(j, testIds, sets, outcomes)) });
  }
  return strips;
}

/** One job of a strip: its link and, per test, its cell (none when the job did not report it). */
function stripRun(
  j: Row,
  testIds: number[],
  sets: Map<number, Uint32Array>,
  outcomes: Map<string, StoredOutcome>,
): Strip['runs'][number] {
  const jobId = n(j['job_id']);
  const testCells = new Map<number, StripRun['cell']>();
  for (const t of testIds) {
    const seen = inSet(sets.get(n(j['seen_set'])), t);
    testCells.set(
      t,
      seen ? cellOf(outcomes.get(`${jobId}:${t}`), inSet(sets.get(n(j['skip_set'])), t)) : 'none',
    );
  }
  return {
    cell: 'none',
    runId: n(j['run_id']),
    attempt: n(j['run_attempt']),
    jobUrl: `${String(j['html_url'])}/job/${jobId}`,
    createdAt: iso(n(j['run_created']))!,
    testCells,
  };
}

/** A test's page: its history on every variant that ran it, and its last failure. */
async function testPage(
  db: Database,
  k: TestKey,
  id: number,
  strips: Strip[],
  flips: FlakyRow[],
): Promise<TestPage> {
  const bad = await firstBad(db, {}, `${k.binary}:${k.test}`).catch(() => []);
  const variants: TestVariantHistory[] = [];
  for (const s of strips) {
    const history = variantHistory(s, k, id, bad, flips);
    if (history) variants.push(history);
  }
  return {
    file: testPageFile(k.binary, k.test),
    binary: k.binary,
    test: k.test,
    variants,
    lastFailure: await lastFailure(db, id),
  };
}

/** A test's history on one variant, with its flip rate and first bad run; null when it never ran there. */
function variantHistory(
  s: Strip,
  k: TestKey,
  id: number,
  bad: FirstBadRow[],
  flips: FlakyRow[],
): TestVariantHistory | null {
  const runs = s.runs.map(({ testCells, ...run }) => ({ ...run, cell: testCells.get(id)! }));
  if (runs.every((r) => r.cell === 'none')) return null;
  const key = {
    arch: String(s.variant['arch']),
    toolchain: String(s.variant['toolchain']),
    runner: String(s.variant['runner']),
    accelerator: String(s.variant['accelerator']),
  };
  const same = (r: typeof key): boolean =>
    r.arch === key.arch &&
    r.toolchain === key.toolchain &&
    r.runner === key.runner &&
    r.accelerator === key.accelerator;
  const fb = bad.find(same);
  const observed = runs.filter((r) => r.cell !== 'none' && r.cell !== 'skip').length;
  const flip = flips.find((f) => same(f) && f.binary === k.binary && f.test === k.test);
  return {
    ...key,
    runs,
    // The flaky question reports only tests that flipped or flaked: absent with a sample is 0.
    flipRate: flip ? flip.flipRate : observed >= 2 ? 0 : null,
    firstBad: fb?.firstBad ?? null,
    lastGood: fb?.lastGood ?? null,
  };
}

/** The newest failure (fail or error) of a test, with its reason and job link. */
async function lastFailure(db: Database, id: number): Promise<TestPage['lastFailure']> {
  const last = (
    await db.all(
      `SELECT o.reason, o.job_id, j.run_created, r.html_url FROM outcomes o JOIN jobs j ON j.job_id = o.job_id
       JOIN runs r ON r.run_id = j.run_id WHERE o.test_id = ? AND o.status IN ('fail', 'error')
       ORDER BY j.run_created DESC, j.job_id DESC LIMIT 1`,
      [id],
    )
  )[0];
  return last
    ? {
        reason: last['reason'] === null ? null : String(last['reason']),
        jobUrl: `${String(last['html_url'])}/job/${n(last['job_id'])}`,
        createdAt: iso(n(last['run_created']))!,
      }
    : null;
}

/** Top failures per window × runner ('' first: every runner), each row linked to its test page. */
async function failureTables(
  db: Database,
  runners: string[],
  now: number,
  limit: number,
): Promise<FailureTable[]> {
  const failures: FailureTable[] = [];
  for (const window of WINDOWS) {
    for (const runner of ['', ...runners]) {
      const f = { ...(window ? { since: now - window * DAY } : {}), ...(runner ? { runner } : {}) };
      const rows: TopFailureRow[] = await topFailures(db, f, limit);
      failures.push({
        window,
        runner,
        rows: rows.map((r) => ({ ...r, page: testPageFile(r.binary, r.test) })),
      });
    }
  }
  return failures;
}

/** Mondays of every week from the first run to the last. */
function weeksOf(first: number | null, last: number | null): number[] {
  const weeks: number[] = [];
  if (first !== null && last !== null)
    for (let w = weekStart(first); w <= last; w += WEEK_SECONDS) weeks.push(w);
  return weeks;
}

/** The tests that get a page: every one in a failures table or the flaky list, once. */
function pageKeys(failures: FailureTable[], flakyRows: FlakyRow[]): TestKey[] {
  const keys = new Map<string, TestKey>();
  for (const r of [...failures.flatMap((t) => t.rows), ...flakyRows])
    keys.set(keyOf(r), { binary: r.binary, test: r.test });
  return [...keys.values()];
}

export async function collectDashboard(db: Database, options: CollectOptions): Promise<DashboardData> {
  const { logger } = options;
  const lastRuns = options.lastRuns ?? 30;
  logger.info('coverage of the sync');
  const { first, last, ...coverageOut } = await coverage(db);
  const now = options.now ?? last ?? Math.floor(Date.now() / 1000);
  const weeks = weeksOf(first, last);
  logger.info(`rates over ${weeks.length} weeks`);
  const total = await rates(db, {});
  const { rateCharts, infraChart } = await weeklySeries(db, weeks, logger);
  logger.info('durations');
  const durationRows = await durations(db, {});
  logger.info('kernel coverage');
  const codeCoverage = coverageChart(await coverageTrend(db));
  logger.info('top failures');
  const runners = (await db.all('SELECT DISTINCT runner FROM variants ORDER BY runner')).map((r) =>
    String(r['runner']),
  );
  const failures = await failureTables(db, runners, now, options.failureLimit ?? 50);
  logger.info('flaky tests');
  const flakyRows = await flaky(db, {}, { last: 30, minSample: 10, limit: 50 });
  const today = new Date(now * 1000).toISOString().slice(0, 10);
  const flakyOut = flakyRows.map((r) => ({
    ...r,
    page: testPageFile(r.binary, r.test),
    quarantine: options.quarantine ? quarantineStatus(options.quarantine, r, today) : null,
  }));
  const keys = pageKeys(failures, flakyRows);
  logger.info(`test pages for ${keys.length} failing or flaky tests`);
  const flips = await flaky(db, {}, { last: lastRuns, minSample: 2 });
  const tests = await testPages(db, keys, lastRuns, flips, logger);
  return {
    generatedAt: new Date().toISOString(),
    coverage: coverageOut,
    rates: { jobs: total.jobsTotal, runs: total.runs },
    rateCharts,
    durationCharts: durationCharts(durationRows),
    ...(codeCoverage ? { coverageChart: codeCoverage } : {}),
    failures,
    windows: WINDOWS,
    runners,
    flaky: flakyOut,
    quarantineFile: options.quarantine !== undefined,
    infra: await infra(db, {}),
    infraChart,
    tests,
  };
}
