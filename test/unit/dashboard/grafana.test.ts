// The provisioned Grafana dashboard: every panel's SQL is the file next to it, runs on a real
// PostgreSQL filled with a generated history (Grafana's time macros substituted as Grafana does),
// and answers what `bpf-ci stats query` answers on the same database.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PgDatabase,
  Store,
  durations,
  generateHistory,
  infra,
  rates,
  recordOf,
  topFailures,
  type Row,
} from '@bpf-ci/stats';
import { startPostgres, type TempPostgres } from '../../helpers/postgres.ts';
import { visible } from '../../helpers/stats-truth.ts';

const GRAFANA = join(import.meta.dirname, '..', '..', '..', 'packages', 'dashboard', 'grafana');
interface Panel {
  title: string;
  description: string;
  targets: { rawSql: string; format: string }[];
}
const dashboard = JSON.parse(readFileSync(join(GRAFANA, 'bpf-ci-health.json'), 'utf8')) as {
  panels: Panel[];
};
const fileOf = (p: Panel): string => /panels\/([a-z0-9-]+)\.sql$/.exec(p.description)![1]!;

const START = Date.parse('2026-03-02T00:00:00Z') / 1000;
const history = generateHistory({
  seed: 13,
  runs: 60,
  start: START,
  interval: 5 * 3600,
  now: START + 61 * 5 * 3600,
  arches: ['x86_64', 'aarch64'],
  toolchains: ['gcc', 'llvm-18'],
  runners: ['test_progs', 'test_maps'],
  testsPerRunner: 6,
  broken: 2,
  flaky: 3,
});

let pg: TempPostgres;
let store: Store;
beforeAll(async () => {
  pg = await startPostgres();
  store = await Store.open(await PgDatabase.connect(await pg.createDatabase('grafana')));
  for (const run of history.runs) await store.ingestRun(recordOf(run));
}, 120_000);
afterAll(async () => {
  await store?.close();
  pg?.stop();
});

/** The panel's SQL over the whole history: Grafana replaces its macros with epoch seconds. */
async function runPanel(name: string): Promise<Row[]> {
  const panel = dashboard.panels.find((p) => fileOf(p) === name)!;
  const sql = panel.targets[0]!.rawSql.replaceAll('$__unixEpochFrom()', String(START - 86400)).replaceAll(
    '$__unixEpochTo()',
    String(START + 400 * 86400),
  );
  return store.db.all(sql);
}
const sum = (rows: Row[], col: string): number => rows.reduce((a, r) => a + Number(r[col]), 0);
const weekOf = (t: unknown): string => new Date(t as Date).toISOString().slice(0, 10);

describe('the Grafana dashboard', () => {
  it('every panel names its SQL file, holds exactly that SQL, and has no other macro', () => {
    expect(dashboard.panels.length).toBe(9);
    for (const p of dashboard.panels) {
      const sql = readFileSync(join(GRAFANA, 'panels', `${fileOf(p)}.sql`), 'utf8');
      expect(p.targets[0]!.rawSql, p.title).toBe(sql);
      expect(sql.replaceAll('$__unixEpochFrom()', '').replaceAll('$__unixEpochTo()', '')).not.toContain('$');
    }
  });

  it('job and run conclusions per week add up to stats query rates', async () => {
    const r = await rates(store.db, {});
    for (const [panel, want] of [
      ['job-conclusions', r.jobsTotal],
      ['run-conclusions', r.runs],
    ] as const) {
      const rows = await runPanel(panel);
      expect(rows.length, panel).toBeGreaterThan(1); // 60 runs 5 h apart: three weeks
      for (const c of ['success', 'failure', 'cancelled'] as const)
        expect(sum(rows, c), `${panel} ${c}`).toBe(want[c]);
    }
  });

  it('duration percentiles equal stats query durations', async () => {
    const rows = await durations(store.db, {});
    for (const kind of ['build', 'test'] as const)
      for (const p of ['p50', 'p90'] as const) {
        const got = (await runPanel(`${kind}-duration-${p}`)).map((r) => [
          weekOf(r['time']),
          String(r['metric']),
          Math.round(Number(r['minutes']) * 60),
        ]);
        const want = rows
          .filter((r) => r.kind === kind)
          .map((r) => [
            r.week,
            `${r.arch} ${r.toolchain}${r.runner ? ` (${r.runner})` : ''}`,
            p === 'p50' ? r.p50Seconds : r.p90Seconds,
          ]);
        expect(got.length).toBeGreaterThan(0);
        expect(got, `${kind} ${p}`).toEqual(want);
      }
  });

  it('top failures equal stats query top-failures; infra per kind adds up to stats query infra', async () => {
    const top = await topFailures(store.db, {}, 50);
    expect(
      (await runPanel('top-failures')).map((r) => [
        r['test'],
        r['binary'],
        r['arch'],
        r['toolchain'],
        Number(r['runs_failed']),
      ]),
    ).toEqual(top.map((t) => [t.test, t.binary, t.arch, t.toolchain, t.hits]));
    const inf = await infra(store.db, {});
    const rows = await runPanel('infra-failures');
    for (const kind of ['vm-died', 'kernel-panic', 'runner-lost', 'timeout', 'cancelled'] as const)
      expect(
        sum(
          rows.filter((r) => r['metric'] === kind),
          'jobs',
        ),
        kind,
      ).toBe(inf.reduce((a, r) => a + r.counts[kind], 0));
    expect(sum(rows, 'jobs')).toBeGreaterThan(0);
  });

  it("flaky passes equal the generated history's passes on retry", async () => {
    const want = new Map<string, number>();
    for (const run of history.runs)
      for (const job of run.jobs) {
        if (!visible(run, job)) continue;
        for (const e of job.results!.exceptions)
          if (e.status === 'pass' && e.flaky) {
            const key = `${e.name} ${e.binary} ${job.arch} ${job.toolchain}`;
            want.set(key, (want.get(key) ?? 0) + 1);
          }
      }
    const rows = await runPanel('flaky-passes');
    expect(rows.length).toBeGreaterThan(0);
    expect(
      new Map(
        rows.map((r) => [
          `${String(r['test'])} ${String(r['binary'])} ${String(r['arch'])} ${String(r['toolchain'])}`,
          Number(r['flaky_passes']),
        ]),
      ),
    ).toEqual(want);
  });
});
