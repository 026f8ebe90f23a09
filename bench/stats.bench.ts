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

export default async function bench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-stats-bench-'));
  let pg: TempPostgres | undefined;
  try {
    // (1) sync against the local server: the default matrix (3 arches × 2 toolchains × 4 runners).
    const small = generateHistory({
      seed: 1,
      runs: 60,
      start: START,
      interval: 3600,
      testsPerRunner: 100,
      now: START + 61 * 3600,
    });
    const server = new FakeGitHub(small.runs, { msPerSecond: 1 });
    await server.start();
    const syncStore = await Store.open(new SqliteDatabase(join(dir, 'sync.sqlite')));
    let t0 = performance.now();
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
    rows.push({
      name: 'stats sync: runs per second against the local server',
      value: Math.round((stats.runsListed / syncMs) * 1000 * 10) / 10,
      unit: 'runs/s',
      note: `${stats.runsListed} runs, ${stats.jobs} jobs, ${stats.requests} requests (${(stats.requests / stats.runsListed).toFixed(2)} per run), ${Math.round(syncMs)} ms`,
    });

    // (2) ingest: 40 runs with ~2,000 outcomes per test job.
    const sample = generateHistory({
      seed: 2,
      runs: 40,
      start: START,
      interval: 3600,
      testsPerRunner: 1000,
      now: START + 41 * 3600,
    });
    const sqlite = await Store.open(new SqliteDatabase(join(dir, 'ingest.sqlite')));
    const s = await ingestRate(sqlite, sample.runs);
    await sqlite.close();
    rows.push({
      name: 'stats ingest into SQLite',
      value: s.perSecond,
      unit: 'outcomes/s',
      note: `${s.outcomes.toLocaleString('en-US')} outcomes in ${Math.round(s.ms)} ms; ${s.perCpuSecond.toLocaleString('en-US')} per CPU second`,
    });
    try {
      pg = await startPostgres();
    } catch (err) {
      // The SQLite figures stand alone; say why the PostgreSQL ones are missing.
      say(`PostgreSQL figures skipped: ${(err as Error).message}`);
      rows.push({
        name: 'stats PostgreSQL figures',
        value: 'skipped',
        unit: '',
        note: (err as Error).message,
      });
    }
    if (pg) {
      const pgStore = await Store.open(await PgDatabase.connect(await pg.createDatabase('bench')));
      const p = await ingestRate(pgStore, sample.runs);
      await pgStore.close();
      rows.push({
        name: 'stats ingest into PostgreSQL',
        value: p.perSecond,
        unit: 'outcomes/s',
        note: `${p.outcomes.toLocaleString('en-US')} outcomes in ${Math.round(p.ms)} ms; ${p.perCpuSecond.toLocaleString('en-US')} per CPU second of this process (the server's time not counted)`,
      });
    }

    // (3) one year.
    const path = join(dir, 'year.sqlite');
    const year = await Store.open(new SqliteDatabase(path));
    const meta = {} as Parameters<typeof generate>[1] & object;
    let outcomesIn = 0;
    let jobsIn = 0;
    const conclusions = { success: 0, failure: 0, cancelled: 0 };
    t0 = performance.now();
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
      outcomesIn += run.jobs.reduce((a, j) => a + (j.results?.reported.length ?? 0), 0);
      jobsIn += run.jobs.length;
      for (const j of run.jobs)
        if (j.conclusion in conclusions) conclusions[j.conclusion as keyof typeof conclusions]++;
      await year.ingestRun(record);
      if (++n % 5000 === 0)
        say(
          `one year: ${n}/${YEAR_RUNS} runs, ${(outcomesIn / 1e9).toFixed(2)}e9 outcomes in, ${Math.round((performance.now() - t0) / 1000)} s`,
        );
    }
    const buildMs = performance.now() - t0;
    rows.push({
      name: 'stats one-year store: runs, jobs, outcomes in',
      value: `${YEAR_RUNS} / ${jobsIn} / ${outcomesIn.toExponential(2)}`,
      unit: '',
      note: `built in ${Math.round(buildMs / 1000)} s (${Math.round(outcomesIn / (buildMs / 1000)).toExponential(2)} outcomes/s with the shared test lists)`,
    });
    const db = year.db;
    const stored = await db.all<{ n: number }>('SELECT COUNT(*) AS n FROM outcomes');
    rows.push({
      name: 'stats one-year store: outcome rows kept',
      value: stored[0]!.n,
      unit: 'rows',
      note: `${(outcomesIn / stored[0]!.n).toFixed(0)} outcomes in per row kept`,
    });
    // The answer must be right at this volume too: job counts as generated.
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
    const broken = meta.breaking[0]!.test.name;
    const since = START + 365 * 86400 - 90 * 86400;
    const questions: [string, (db: Database) => Promise<unknown>][] = [
      ['first-bad --test', (db) => firstBad(db, {}, broken)],
      ['on-base --test', (db) => onBase(db, {}, broken)],
      ['durations (all year)', (db) => durations(db, {})],
      ['durations --since 90 days', (db) => durations(db, { since })],
      ['rates', (db) => rates(db, {})],
      ['rates --arch aarch64', (db) => rates(db, { arch: 'aarch64' })],
      ['top-failures', (db) => topFailures(db, {}, 20)],
      [
        'top-failures --arch aarch64 --since 90 days',
        (db) => topFailures(db, { arch: 'aarch64', since }, 20),
      ],
      ['flaky (last 30)', (db) => flaky(db, {}, { last: 30, minSample: 10 })],
      ['infra', (db) => infra(db, {})],
    ];
    const answers = await latencies(rows, db, 'SQLite', questions);

    // The rollup answers against the rows they summarise, at this volume: the durations and the
    // top failures as the questions computed them before the rollups (and how long that took).
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
      rows.push({
        name: `stats query ${name} from the ${source}, before the rollups (one year, SQLite)`,
        value: Math.round(ms),
        unit: 'ms',
        note: 'same answer as from the rollups',
      });
    }

    // (4) A store written before the rollups (schema version 2) gets them once, on open.
    await db.exec(
      'DROP TABLE job_counts_weekly; DROP TABLE variant_runs; DROP TABLE result_runs; DROP TABLE failure_runs; DROP TABLE duration_lists; DROP INDEX runs_status_created; DROP INDEX runs_on_base',
    );
    await db.run('DELETE FROM schema_migrations WHERE version = 3');
    t0 = performance.now();
    await Store.open(db, { logger: new ConsoleLogger() }); // says its progress on stderr
    rows.push({
      name: 'stats rollups rebuilt for a one-year schema-2 store (migration to version 3)',
      value: Math.round((performance.now() - t0) / 100) / 10,
      unit: 's',
    });
    for (const [name, q] of questions)
      if (JSON.stringify(await q(db)) !== JSON.stringify(answers.get(name)))
        throw new Error(`${name}: the rebuilt rollups answer differently from those kept at ingest`);

    // (5) The same store in PostgreSQL: the same answers, and their latency there.
    if (pg) {
      const pgDb = await PgDatabase.connect(await pg.createDatabase('year'));
      await Store.open(pgDb);
      t0 = performance.now();
      const copied = await copyStore(db, pgDb);
      rows.push({
        name: 'stats one-year store copied into PostgreSQL',
        value: copied.toLocaleString('en-US'),
        unit: 'rows',
        note: `${Math.round((performance.now() - t0) / 1000)} s, then ANALYZE`,
      });
      const pgAnswers = await latencies(rows, pgDb, 'PostgreSQL', questions);
      for (const [name] of questions)
        if (JSON.stringify(pgAnswers.get(name)) !== JSON.stringify(answers.get(name)))
          throw new Error(`${name}: PostgreSQL answers differently from SQLite at one-year scale`);
      await pgDb.close();
    }
    await year.close();
    const size = ['', '-wal', '-shm'].reduce(
      (a, ext) => a + (statSync(path + ext, { throwIfNoEntry: false })?.size ?? 0),
      0,
    );
    rows.push({
      name: 'stats one-year store size on disk (SQLite)',
      value: Math.round(size / 1024 / 1024),
      unit: 'MiB',
    });
  } finally {
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** Each question's median latency, as a ratio to SELECT COUNT(*) FROM jobs measured just before. */
async function latencies(
  rows: BenchRow[],
  db: Database,
  label: string,
  questions: [string, (db: Database) => Promise<unknown>][],
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
