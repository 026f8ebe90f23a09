// Every question against the generator's ground truth, on SQLite and on a real PostgreSQL, both
// filled by `sync` from the local GitHub server; both stores must answer exactly alike.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  PgDatabase,
  SqliteDatabase,
  Store,
  durations,
  firstBad,
  flaky,
  generateHistory,
  infra,
  onBase,
  rates,
  sync,
  topFailures,
  type Filters,
  type History,
} from '@bpf-ci/stats';
import { FakeGitHub } from '../../helpers/github-server.ts';
import { startPostgres, type TempPostgres } from '../../helpers/postgres.ts';
import * as truth from '../../helpers/stats-truth.ts';

const START = Date.parse('2026-03-02T00:00:00Z') / 1000;
const RUNS = 80;
// 80 runs 5 h apart: the oldest are more than 14 days old, so their artifacts have expired.
const INTERVAL = 5 * 3600;
const NOW = START + RUNS * INTERVAL + 3600;

const history: History = generateHistory({
  seed: 7,
  runs: RUNS,
  start: START,
  interval: INTERVAL,
  now: NOW,
  ...truth.SMALL_MATRIX,
});

let server: FakeGitHub;
let pg: TempPostgres;
const stores: Record<'sqlite' | 'postgres', Store> = {} as never;

beforeAll(async () => {
  server = new FakeGitHub(history.runs, { msPerSecond: 1 });
  await server.start();
  pg = await startPostgres();
  const env = { GITHUB_API_URL: server.baseUrl, GITHUB_TOKEN: 'test-token' };
  stores.sqlite = await Store.open(new SqliteDatabase(':memory:'));
  stores.postgres = await Store.open(await PgDatabase.connect(await pg.createDatabase('questions')));
  for (const store of Object.values(stores)) {
    await sync({
      repository: 'kernel-patches/bpf',
      env,
      logger: new MemoryLogger(),
      store,
      msPerSecond: 1,
      since: new Date(START * 1000),
      now: () => new Date(NOW * 1000),
    });
  }
}, 120_000);

afterAll(async () => {
  for (const store of Object.values(stores)) await store?.close();
  pg?.stop();
  await server?.stop();
});

const FILTERS: [string, Filters][] = [
  ['no filter', {}],
  ['aarch64 since the middle', { arch: 'aarch64', since: START + (RUNS / 2) * INTERVAL }],
  ['llvm-18 test_maps on bpf-next', { toolchain: 'llvm-18', runner: 'test_maps', branch: 'bpf-next' }],
];

describe.each(['sqlite', 'postgres'] as const)('stats questions on %s', (kind) => {
  it.each(FILTERS)('rates (%s): jobs and runs counted as generated', async (_, f) => {
    const answer = await rates(stores[kind].db, f);
    const expected = truth.expectedRates(history, f);
    expect(
      answer.jobs.map(({ arch, toolchain, total, success, failure, cancelled }) => ({
        arch,
        toolchain,
        total,
        success,
        failure,
        cancelled,
      })),
    ).toEqual(expected.jobs);
    expect({
      total: answer.runs.total,
      success: answer.runs.success,
      failure: answer.runs.failure,
      cancelled: answer.runs.cancelled,
    }).toEqual(expected.runs);
    expect(answer.runs.cancelled).toBeGreaterThan(0);
  });

  it.each(FILTERS)('durations (%s): nearest-rank p50 and p90 per week', async (_, f) => {
    expect(await durations(stores[kind].db, f)).toEqual(truth.expectedDurations(history, f));
  });

  it.each(FILTERS)('top-failures (%s): hits and share of runs', async (_, f) => {
    const expected = truth.expectedTopFailures(history, f);
    expect(expected.length).toBeGreaterThan(0);
    expect(await topFailures(stores[kind].db, f, 1000)).toEqual(expected);
  });

  it.each(FILTERS)('infra (%s): failure kinds per arch × toolchain', async (_, f) => {
    const rows = await infra(stores[kind].db, f);
    const expected = truth.expectedInfra(history, f);
    expect(
      rows.map((r) => ({
        arch: r.arch,
        toolchain: r.toolchain,
        jobs: r.jobs,
        counts: Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n > 0)),
      })),
    ).toEqual(
      expected.sort((a, b) => a.arch.localeCompare(b.arch) || a.toolchain.localeCompare(b.toolchain)),
    );
  });

  it('first-bad: the breaking run of every broken test, per variant', async () => {
    for (const b of history.breaking) {
      const rows = await firstBad(stores[kind].db, {}, b.test.name);
      const expected = truth.expectedFirstBad(history, {}, b.test.name);
      expect(
        rows.map((r) => ({
          variant: `${r.arch} ${r.toolchain} ${r.runner} ${r.accelerator}`,
          lastGood: r.lastGood?.runId ?? null,
          firstBad: r.firstBad.runId,
          stillFailing: r.stillFailing,
          failures: r.failures,
          observations: r.observations,
        })),
      ).toEqual(expected);
      // By construction: the bug landed at run b.fromRun on the base branch of b.arch.
      const mine = rows.filter((r) => r.arch === b.arch && r.runner === b.runner);
      expect(mine.length).toBeGreaterThan(0);
      const isFlaky = history.flakyTests.some((t) => t.test.name === b.test.name);
      for (const r of mine) {
        const firstIndex = history.runs.findIndex((run) => run.id === r.firstBad.runId);
        if (!isFlaky) expect(firstIndex).toBeGreaterThanOrEqual(b.fromRun);
        if (r.lastGood && !isFlaky)
          expect(history.runs.findIndex((run) => run.id === r.lastGood!.runId)).toBeLessThan(b.fromRun);
        if (!isFlaky) expect(r.stillFailing).toBe(b.toRun === Infinity);
      }
    }
  });

  it('on-base: also failing on base exactly where the latest base run failed', async () => {
    for (const b of history.breaking) {
      const rows = await onBase(stores[kind].db, {}, b.test.name);
      const expected = truth.baseObservations(history, {}, b.test.name);
      expect(rows.map((r) => `${r.arch} ${r.toolchain} ${r.runner} ${r.accelerator}`).sort()).toEqual(
        [...expected.keys()].sort(),
      );
      for (const r of rows) {
        const obs = expected.get(`${r.arch} ${r.toolchain} ${r.runner} ${r.accelerator}`)!;
        expect({
          alsoFailingOnBase: r.alsoFailingOnBase,
          observations: r.observations,
          failures: r.failures,
          latest: r.latest.runId,
        }).toEqual({
          alsoFailingOnBase: obs.at(-1)!.cell === 'fail',
          observations: obs.length,
          failures: obs.filter((o) => o.cell === 'fail').length,
          latest: obs.at(-1)!.run.id,
        });
      }
    }
  });

  it.each(FILTERS)('flaky (%s): flips, flakes and re-run passes over the last N', async (_, f) => {
    const rows = await flaky(stores[kind].db, f, { last: 25, minSample: 5 });
    const expected = truth.expectedFlaky(history, f, 25, 5);
    const key = (r: { variant: string; binary: string; test: string }): string =>
      `${r.variant} ${r.binary} ${r.test}`;
    const got = rows.map((r) => ({
      variant: `${r.arch} ${r.toolchain} ${r.runner} ${r.accelerator}`,
      binary: r.binary,
      test: r.test,
      observations: r.observations,
      fails: r.fails,
      flips: r.flips,
      flakes: r.flakes,
      passedOnRerun: r.passedOnRerun,
      cells: r.cells,
    }));
    expect(got.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
    for (const r of rows) expect(r.flipRate).toBe(Math.round((r.flips / (r.observations - 1)) * 1000) / 1000);
  });
});

describe('stats on SQLite and PostgreSQL', () => {
  it('answer every question identically', async () => {
    const ask = async (store: Store) => ({
      rates: await rates(store.db, {}),
      durations: await durations(store.db, { runner: 'test_progs' }),
      top: await topFailures(store.db, {}, 50),
      infra: await infra(store.db, {}),
      flaky: await flaky(store.db, {}, { last: 30, minSample: 5 }),
      firstBad: [] as unknown[],
      onBase: [] as unknown[],
    });
    const [a, b] = [await ask(stores.sqlite), await ask(stores.postgres)];
    for (const [answer, store] of [
      [a, stores.sqlite],
      [b, stores.postgres],
    ] as const) {
      for (const brk of history.breaking) {
        answer.firstBad.push(...(await firstBad(store.db, {}, brk.test.name)));
        answer.onBase.push(...(await onBase(store.db, {}, `${brk.runner}:${brk.test.name}`)));
      }
    }
    expect(b).toEqual(a);
    expect(a.firstBad.length).toBeGreaterThan(0);
    expect(a.onBase.length).toBeGreaterThan(0);
  });

  it('record why a run has no test outcomes: missing, invalid, newer schema', async () => {
    for (const store of Object.values(stores)) {
      const rows = await store.db.all<{ run_id: number; results: string }>(
        'SELECT run_id, results FROM runs',
      );
      const byRun = new Map(rows.map((r) => [Number(r.run_id), r.results]));
      for (const run of history.runs) {
        const tests = run.jobs.some((j) => j.results);
        // A run without test results (cancelled) uploads no bundle: its results are missing.
        const expected =
          !tests && run.artifacts !== 'invalid' && run.artifacts !== 'unknown-schema'
            ? 'missing'
            : run.artifacts;
        expect(`${run.id} ${byRun.get(run.id)}`).toBe(`${run.id} ${expected}`);
      }
      expect(new Set(byRun.values())).toEqual(
        new Set(['bundle', 'per-job', 'missing', 'expired', 'invalid', 'unknown-schema']),
      );
    }
  });
});
