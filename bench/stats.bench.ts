// ci-stats at kernel-patches/bpf scale. (1) sync rate against the local GitHub server; (2) ingest
// rate into SQLite and PostgreSQL through Store.ingestRun with freshly built outcome lists, as
// the collector hands them over; (3) a one-year store (40,000 runs, 30 jobs each, ~2,000 outcomes
// per test job: ~2·10⁹ outcomes in) built with the generator's shared test lists, then each
// question's latency on it and its size on disk; (4) the rollups rebuilt for that store as a
// schema-2 store gets them; (5) the same store copied into PostgreSQL and every question's latency
// there. Baseline measured side by side: a SELECT COUNT(*) over the jobs table of the same store.
// Every answer is checked: SQLite's rollup answers against the same questions asked of the job and
// outcome rows directly (the queries before the rollups), PostgreSQL's against SQLite's.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogger, MemoryLogger } from '@bpf-ci/logger';
import {
  PgDatabase,
  SqliteDatabase,
  Store,
  type Database,
  type DurationRow,
  type Filters,
  durations,
  firstBad,
  flaky,
  generate,
  generateHistory,
  infra,
  onBase,
  rates,
  recordOf,
  sync,
  topFailures,
  FROM_JOBS,
  topFailureRow,
  where,
  type GenRun,
  type History,
  type RunRecord,
} from '@bpf-ci/stats';
import { FakeGitHub } from '../test/helpers/github-server.ts';
import { startPostgres, type TempPostgres } from '../test/helpers/postgres.ts';
import { medianMs, type BenchRow } from './bench.ts';

const YEAR_RUNS = Number(process.env['BPF_CI_BENCH_STATS_RUNS'] ?? 40_000);
const START = Date.parse('2025-11-24T00:00:00Z') / 1000;
const YEAR_INTERVAL = Math.floor((365 * 86400) / YEAR_RUNS);
const say = (m: string): boolean => process.stderr.write(`stats bench: ${m}\n`);

/** The collector's shape of a run: every job's lists built afresh, as parsing results.json does. */
function fresh(record: RunRecord): RunRecord {
  return {
    ...record,
    jobs: record.jobs.map((j) =>
      j.results
        ? {
            ...j,
            results: { ...j.results, reported: [...j.results.reported], skipped: [...j.results.skipped] },
          }
        : j,
    ),
  };
}

function outcomesOf(record: RunRecord): number {
  return record.jobs.reduce((a, j) => a + (j.results?.reported.length ?? 0), 0);
}

/** Outcomes per second of wall time and of this process's CPU time (the machine is shared). */
async function ingestRate(
  store: Store,
  runs: GenRun[],
): Promise<{ perSecond: number; perCpuSecond: number; outcomes: number; ms: number }> {
  const records = runs.map((r) => fresh(recordOf(r)));
  const outcomes = records.reduce((a, r) => a + outcomesOf(r), 0);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const r of records) await store.ingestRun(r);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: Math.round(outcomes / (ms / 1000)),
    perCpuSecond: Math.round(outcomes / ((cpu.user + cpu.system) / 1e6)),
    outcomes,
    ms,
  };
}

/** What the parts of the benchmark share: the rows they report, a scratch folder, the PostgreSQL server. */
interface BenchContext {
  rows: BenchRow[];
  dir: string;
  pg?: TempPostgres;
}

type Question = [string, (db: Database) => Promise<unknown>];

export default async function bench(): Promise<BenchRow[]> {
  const ctx: BenchContext = { rows: [], dir: mkdtempSync(join(tmpdir(), 'bpf-ci-stats-bench-')) };
  try {
    await benchSync(ctx);
    await benchIngest(ctx);
    const year = await buildYear(ctx);
    const { questions, answers } = await benchYearQuestions(ctx, year);
    await benchRollupRebuild(ctx, year.store.db, questions, answers);
    if (ctx.pg) await benchPostgresYear(ctx, ctx.pg, year.store.db, questions, answers);
    await year.store.close();
    const size = ['', '-wal', '-shm'].reduce(
      (a, ext) => a + (statSync(year.path + ext, { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
    ctx.rows.push({
      name: 'stats one-year store size on disk (SQLite)',
      value: Math.round(size / 1024 / 1024),
      unit: 'MiB',
    });
  } finally {
    ctx.pg?.stop();
    rmSync(ctx.dir, { recursive: true, force: true });
  }
  return ctx.rows;
}

/** `runs` hourly runs from START, all within the 14 days their artifacts are kept. */
function hourlyHistory(seed: number, runs: number, testsPerRunner: number): History {
  return generateHistory({
    seed,
    runs,
    start: START,
    interval: 3600,
    testsPerRunner,
    now: START + (runs + 1) * 3600,
  });
}

/** (1) sync against the local server: the default matrix (3 arches × 2 toolchains × 4 runners). */
async function benchSync(ctx: BenchContext): Promise<void> {
  const small = hourlyHistory(1, 60, 100);
  const server = new FakeGitHub(small.runs, { msPerSecond: 1 });
  await server.start();
  const syncStore = await Store.open(new SqliteDatabase(join(ctx.dir, 'sync.sqlite')));
  const t0 = performance.now();
  const stats = await sync({
    repository: 'kernel-patches/bpf',
    env: { GITHUB_API_URL: server.baseUrl },
    logger: new MemoryLogger(),
    store: syncStore,
    msPerSecond: 1,
    since: new Date(START * 1000),
    now: () => new Date((START + 61 * 3600) * 1000),
  });
  const syncMs = performance.now() - t0;
  await server.stop();
  await syncStore.close();
  ctx.rows.push({
    name: 'stats sync: runs per second against the local server',
    value: Math.round((stats.runsListed / syncMs) * 1000 * 10) / 10,
    unit: 'runs/s',
    note: `${stats.runsListed} runs, ${stats.jobs} jobs, ${stats.requests} requests (${(stats.requests / stats.runsListed).toFixed(2)} per run), ${Math.round(syncMs)} ms`,
  });
}

/** (2) ingest: 40 runs with ~2,000 outcomes per test job, into SQLite, then PostgreSQL when it starts. */
async function benchIngest(ctx: BenchContext): Promise<void> {
  const sample = hourlyHistory(2, 40, 1000);
  const sqlite = await Store.open(new SqliteDatabase(join(ctx.dir, 'ingest.sqlite')));
  ctx.rows.push(ingestRow('SQLite', await ingestRate(sqlite, sample.runs), 'per CPU second'));
  await sqlite.close();
  try {
    ctx.pg = await startPostgres();
  } catch (err) {
    // The SQLite figures stand alone; say why the PostgreSQL ones are missing.
    say(`PostgreSQL figures skipped: ${(err as Error).message}`);
    ctx.rows.push({
      name: 'stats PostgreSQL figures',
      value: 'skipped',
      unit: '',
      note: (err as Error).message,
    });
  }
  if (ctx.pg) {
    const pgStore = await Store.open(await PgDatabase.connect(await ctx.pg.createDatabase('bench')));
    const p = await ingestRate(pgStore, sample.runs);
    await pgStore.close();
    ctx.rows.push(
      ingestRow('PostgreSQL', p, "per CPU second of this process (the server's time not counted)"),
    );
  }
}

function ingestRow(database: string, rate: Awaited<ReturnType<typeof ingestRate>>, perCpu: string): BenchRow {
  return {
    name: `stats ingest into ${database}`,
    value: rate.perSecond,
    unit: 'outcomes/s',
    note: `${rate.outcomes.toLocaleString('en-US')} outcomes in ${Math.round(rate.ms)} ms; ${rate.perCpuSecond.toLocaleString('en-US')} ${perCpu}`,
  };
}

interface YearStore {
  store: Store;
  path: string;
  /** The generator's planted bugs. */
  meta: Omit<History, 'runs'>;
}

/** (3) one year, written through Store.ingestRun; its job counts checked against the generator's. */
async function buildYear(ctx: BenchContext): Promise<YearStore> {
  const path = join(ctx.dir, 'year.sqlite');
  const year = await Store.open(new SqliteDatabase(path));
  const meta = {} as Omit<History, 'runs'>;
  const tally: YearTally = {
    outcomesIn: 0,
    jobsIn: 0,
    conclusions: { success: 0, failure: 0, cancelled: 0 },
  };
  const t0 = performance.now();
  let n = 0;
  for (const run of generate(
    {
      seed: 3,
      runs: YEAR_RUNS,
      start: START,
      interval: YEAR_INTERVAL,
      testsPerRunner: 1000,
      broken: 6,
      flaky: 8,
      now: START + 365 * 86400,
    },
    meta,
  )) {
    const record = recordOf(run);
    countRun(tally, run);
    await year.ingestRun(record);
    if (++n % 5000 === 0)
      say(
        `one year: ${n}/${YEAR_RUNS} runs, ${(tally.outcomesIn / 1e9).toFixed(2)}e9 outcomes in, ${Math.round((performance.now() - t0) / 1000)} s`,
      );
  }
  const buildMs = performance.now() - t0;
  ctx.rows.push({
    name: 'stats one-year store: runs, jobs, outcomes in',
    value: `${YEAR_RUNS} / ${tally.jobsIn} / ${tally.outcomesIn.toExponential(2)}`,
    unit: '',
    note: `built in ${Math.round(buildMs / 1000)} s (${Math.round(tally.outcomesIn / (buildMs / 1000)).toExponential(2)} outcomes/s with the shared test lists)`,
  });
  const stored = await year.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM outcomes');
  ctx.rows.push({
    name: 'stats one-year store: outcome rows kept',
    value: stored[0]!.n,
    unit: 'rows',
    note: `${(tally.outcomesIn / stored[0]!.n).toFixed(0)} outcomes in per row kept`,
  });
  await checkJobCounts(year.db, tally);
  return { store: year, path, meta };
}

/** What the generator handed the one-year store. */
interface YearTally {
  outcomesIn: number;
  jobsIn: number;
  conclusions: { success: number; failure: number; cancelled: number };
}

function countRun(tally: YearTally, run: GenRun): void {
  const { conclusions } = tally;
  tally.outcomesIn += run.jobs.reduce((a, j) => a + (j.results?.reported.length ?? 0), 0);
  tally.jobsIn += run.jobs.length;
  for (const j of run.jobs)
    if (j.conclusion in conclusions) conclusions[j.conclusion as keyof typeof conclusions]++;
}

/** The answer must be right at this volume too: job counts as generated. */
async function checkJobCounts(db: Database, { jobsIn, conclusions }: YearTally): Promise<void> {
  const r = await rates(db, {});
  if (
    r.jobsTotal.total !== jobsIn ||
    r.jobsTotal.success !== conclusions.success ||
    r.jobsTotal.failure !== conclusions.failure ||
    r.jobsTotal.cancelled !== conclusions.cancelled
  ) {
    throw new Error(
      `rates at one-year scale disagree with the generator: ${JSON.stringify(r.jobsTotal)} vs ${JSON.stringify({ jobsIn, ...conclusions })}`,
    );
  }
}

/**
 * Every question's latency on the one-year SQLite store; then the rollup answers against the rows
 * they summarise, at this volume: the durations and the top failures as the questions computed
 * them before the rollups (and how long that took).
 */
async function benchYearQuestions(
  ctx: BenchContext,
  year: YearStore,
): Promise<{ questions: Question[]; answers: Map<string, unknown> }> {
  const db = year.store.db;
  const broken = year.meta.breaking[0]!.test.name;
  const since = START + 365 * 86400 - 90 * 86400;
  const questions: Question[] = [
    ['first-bad --test', (db) => firstBad(db, {}, broken)],
    ['on-base --test', (db) => onBase(db, {}, broken)],
    ['durations (all year)', (db) => durations(db, {})],
    ['durations --since 90 days', (db) => durations(db, { since })],
    ['rates', (db) => rates(db, {})],
    ['rates --arch aarch64', (db) => rates(db, { arch: 'aarch64' })],
    ['top-failures', (db) => topFailures(db, {}, 20)],
    ['top-failures --arch aarch64 --since 90 days', (db) => topFailures(db, { arch: 'aarch64', since }, 20)],
    ['flaky (last 30)', (db) => flaky(db, {}, { last: 30, minSample: 10 })],
    ['infra', (db) => infra(db, {})],
  ];
  const answers = await latencies(ctx.rows, db, 'SQLite', questions);
  const references: [string, string, () => Promise<unknown>][] = [
    ['durations (all year)', 'job rows', () => durationsFromJobs(db, {})],
    ['durations --since 90 days', 'job rows', () => durationsFromJobs(db, { since })],
    ['top-failures', 'outcome rows', () => topFailuresFromOutcomes(db, {}, 20)],
    [
      'top-failures --arch aarch64 --since 90 days',
      'outcome rows',
      () => topFailuresFromOutcomes(db, { arch: 'aarch64', since }, 20),
    ],
  ];
  for (const [name, source, reference] of references) {
    const t = performance.now();
    const fromRows = await reference();
    const ms = performance.now() - t;
    if (JSON.stringify(fromRows) !== JSON.stringify(answers.get(name)))
      throw new Error(`${name}: the rollups disagree with the ${source}`);
    ctx.rows.push({
      name: `stats query ${name} from the ${source}, before the rollups (one year, SQLite)`,
      value: Math.round(ms),
      unit: 'ms',
      note: 'same answer as from the rollups',
    });
  }
  return { questions, answers };
}

/** (4) A store written before the rollups (schema version 2) gets them once, on open. */
async function benchRollupRebuild(
  ctx: BenchContext,
  db: Database,
  questions: Question[],
  answers: Map<string, unknown>,
): Promise<void> {
  await db.exec(
    'DROP TABLE job_counts_weekly; DROP TABLE variant_runs; DROP TABLE result_runs; DROP TABLE failure_runs; DROP TABLE duration_lists; DROP INDEX runs_status_created; DROP INDEX runs_on_base',
  );
  await db.run('DELETE FROM schema_migrations WHERE version = 3');
  const t0 = performance.now();
  await Store.open(db, { logger: new ConsoleLogger() }); // says its progress on stderr
  ctx.rows.push({
    name: 'stats rollups rebuilt for a one-year schema-2 store (migration to version 3)',
    value: Math.round((performance.now() - t0) / 100) / 10,
    unit: 's',
  });
  for (const [name, q] of questions)
    if (JSON.stringify(await q(db)) !== JSON.stringify(answers.get(name)))
      throw new Error(`${name}: the rebuilt rollups answer differently from those kept at ingest`);
}

/** (5) The same store in PostgreSQL: the same answers, and their latency there. */
async function benchPostgresYear(
  ctx: BenchContext,
  pg: TempPostgres,
  db: Database,
  questions: Question[],
  answers: Map<string, unknown>,
): Promise<void> {
  const pgDb = await PgDatabase.connect(await pg.createDatabase('year'));
  await Store.open(pgDb);
  const t0 = performance.now();
  const copied = await copyStore(db, pgDb);
  ctx.rows.push({
    name: 'stats one-year store copied into PostgreSQL',
    value: copied.toLocaleString('en-US'),
    unit: 'rows',
    note: `${Math.round((performance.now() - t0) / 1000)} s, then ANALYZE`,
  });
  const pgAnswers = await latencies(ctx.rows, pgDb, 'PostgreSQL', questions);
  for (const [name] of questions)
    if (JSON.stringify(pgAnswers.get(name)) !== JSON.stringify(answers.get(name)))
      throw new Error(`${name}: PostgreSQL answers differently from SQLite at one-year scale`);
  await pgDb.close();
}

/** Each question's median latency, as a ratio to SELECT COUNT(*) FROM jobs measured just before. */
async function latencies(
  rows: BenchRow[],
  db: Database,
  label: string,
  questions: Question[],
): Promise<Map<string, unknown>> {
  const baseline = await medianMs(() => db.all('SELECT COUNT(*) AS n FROM jobs'), 3);
  rows.push({
    name: `stats question baseline: SELECT COUNT(*) FROM jobs (${label})`,
    value: Math.round(baseline * 10) / 10,
    unit: 'ms',
  });
  const answers = new Map<string, unknown>();
  for (const [name, q] of questions) {
    const ms = await medianMs(async () => answers.set(name, await q(db)), 3);
    rows.push({
      name: `stats query ${name} (one year, ${label})`,
      value: Math.round(ms),
      unit: 'ms',
      note: `${(ms / baseline).toFixed(1)}× the baseline`,
    });
  }
  return answers;
}

/** Copy every table of a store into an empty store of the same schema version, page by page. */
async function copyStore(from: Database, to: Database): Promise<number> {
  let copied = 0;
  const tables = (
    await from.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'sqlite_stat1')",
    )
  ).map((t) => t.name);
  for (const table of tables) {
    let after = 0;
    for (;;) {
      const page = await from.all(
        `SELECT rowid AS _r, * FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT 20000`,
        [after],
      );
      if (page.length === 0) break;
      after = Number(page.at(-1)!['_r']);
      const columns = Object.keys(page[0]!).filter((c) => c !== '_r');
      await to.insertMany(
        table,
        columns,
        page.map((r) => columns.map((c) => r[c] ?? null)),
      );
      copied += page.length;
    }
    say(`copied ${table} into PostgreSQL (${copied.toLocaleString('en-US')} rows so far)`);
  }
  await to.exec('ANALYZE');
  return copied;
}

/** The durations question straight from the job rows: the query before the duration lists. */
async function durationsFromJobs(db: Database, f: Filters): Promise<DurationRow[]> {
  const w = where(f, [
    'j.duration_s IS NOT NULL',
    "j.kind IN ('build', 'test')",
    "j.conclusion IN ('success', 'failure')",
  ]);
  const rows = await db.all(
    `WITH d AS (
       SELECT j.week, j.kind, v.arch, v.toolchain, v.runner, j.duration_s AS s,
         ROW_NUMBER() OVER (PARTITION BY j.week, j.kind, v.arch, v.toolchain, v.runner ORDER BY j.duration_s) AS rn,
         COUNT(*) OVER (PARTITION BY j.week, j.kind, v.arch, v.toolchain, v.runner) AS n
       ${FROM_JOBS} ${w.sql})
     SELECT week, kind, arch, toolchain, runner, MAX(n) AS jobs,
       MIN(CASE WHEN rn * 100 >= n * 50 THEN s END) AS p50, MIN(CASE WHEN rn * 100 >= n * 90 THEN s END) AS p90
     FROM d GROUP BY week, kind, arch, toolchain, runner ORDER BY week, kind, arch, toolchain, runner`,
    w.params,
  );
  return rows.map((r) => ({
    week: new Date(Number(r['week']) * 1000).toISOString().slice(0, 10),
    kind: r['kind'] as 'build' | 'test',
    arch: String(r['arch']),
    toolchain: String(r['toolchain']),
    runner: String(r['runner']),
    jobs: Number(r['jobs']),
    p50Seconds: Number(r['p50']),
    p90Seconds: Number(r['p90']),
  }));
}

/** The top-failures question straight from the outcome and job rows: the query before the rollups. */
async function topFailuresFromOutcomes(db: Database, f: Filters, limit: number) {
  const w = where(f, ["o.status IN ('fail', 'error')"]);
  const hits = await db.all(
    `SELECT t.number, t.binary_name, t.name, v.arch, v.toolchain, COUNT(DISTINCT j.run_id) AS hits
     FROM outcomes o JOIN tests t ON t.test_id = o.test_id JOIN jobs j ON j.job_id = o.job_id
       JOIN variants v ON v.variant_id = j.variant_id JOIN runs r ON r.run_id = j.run_id
     ${w.sql}
     GROUP BY t.test_id, t.number, t.binary_name, t.name, v.arch, v.toolchain
     ORDER BY hits DESC, t.name, t.binary_name, v.arch, v.toolchain LIMIT ${limit}`,
    w.params,
  );
  const dw = where(f, ['j.has_results = 1']);
  const runs = new Map<string, number>();
  for (const r of await db.all(
    `SELECT v.arch, v.toolchain, COUNT(DISTINCT j.run_id) AS runs ${FROM_JOBS} ${dw.sql} GROUP BY v.arch, v.toolchain`,
    dw.params,
  ))
    runs.set(`${String(r['arch'])}\0${String(r['toolchain'])}`, Number(r['runs']));
  return hits.map((r) => topFailureRow(r, runs.get(`${String(r['arch'])}\0${String(r['toolchain'])}`) ?? 0));
}
