// ci-stats at kernel-patches/bpf scale. (1) sync rate against the local GitHub server; (2) ingest
// rate into SQLite and PostgreSQL through Store.ingestRun with freshly built outcome lists, as
// the collector hands them over; (3) a one-year store (40,000 runs, 30 jobs each, ~2,000 outcomes
// per test job: ~2·10⁹ outcomes in) built with the generator's shared test lists, then each
// question's latency on it and its size on disk. Baseline measured side by side: a SELECT COUNT(*)
// over the jobs table of the same store.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  PgDatabase,
  SqliteDatabase,
  Store,
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
  type GenRun,
  type RunRecord,
} from '@bpf-ci/stats';
import { FakeGitHub } from '../test/helpers/github-server.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
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
    let pg: Awaited<ReturnType<typeof startPostgres>> | undefined;
    try {
      pg = await startPostgres();
      const pgStore = await Store.open(await PgDatabase.connect(await pg.createDatabase('bench')));
      const p = await ingestRate(pgStore, sample.runs);
      await pgStore.close();
      rows.push({
        name: 'stats ingest into PostgreSQL',
        value: p.perSecond,
        unit: 'outcomes/s',
        note: `${p.outcomes.toLocaleString('en-US')} outcomes in ${Math.round(p.ms)} ms; ${p.perCpuSecond.toLocaleString('en-US')} per CPU second of this process (the server's time not counted)`,
      });
    } finally {
      pg?.stop();
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
    const baseline = await medianMs(() => db.all('SELECT COUNT(*) AS n FROM jobs'), 2);
    rows.push({
      name: 'stats question baseline: SELECT COUNT(*) FROM jobs',
      value: Math.round(baseline * 10) / 10,
      unit: 'ms',
    });
    const broken = meta.breaking[0]!.test.name;
    const since = START + 365 * 86400 - 90 * 86400;
    const questions: [string, () => Promise<unknown>][] = [
      ['first-bad --test', () => firstBad(db, {}, broken)],
      ['on-base --test', () => onBase(db, {}, broken)],
      ['durations (all year)', () => durations(db, {})],
      ['durations --since 90 days', () => durations(db, { since })],
      ['rates', () => rates(db, {})],
      ['top-failures', () => topFailures(db, {}, 20)],
      ['top-failures --arch aarch64 --since 90 days', () => topFailures(db, { arch: 'aarch64', since }, 20)],
      ['flaky (last 30)', () => flaky(db, {}, { last: 30, minSample: 10 })],
      ['infra', () => infra(db, {})],
    ];
    for (const [name, q] of questions) {
      const ms = await medianMs(q, 1);
      rows.push({
        name: `stats query ${name} (one year, SQLite)`,
        value: Math.round(ms),
        unit: 'ms',
        note: `${(ms / baseline).toFixed(1)}× the baseline`,
      });
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
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
