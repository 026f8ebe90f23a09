// GCOV coverage totals through the collector: the results.json files the local GitHub server
// serves carry a coverage field on the coverage legs' jobs; after a sync, the store's coverage
// trend is the history's (base-branch runs, latest attempt), on SQLite and PostgreSQL, and a run
// synced again replaces its rows.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  PgDatabase,
  SqliteDatabase,
  Store,
  coverageTrend,
  generateHistory,
  recordOf,
  sync,
  type Database,
} from '@bpf-ci/stats';
import { FakeGitHub } from '../../helpers/github-server.ts';
import { startPostgres, type TempPostgres } from '../../helpers/postgres.ts';
import { expectedCoverageTrend } from '../../helpers/stats-truth.ts';

const START = Date.parse('2026-01-05T00:00:00Z') / 1000;
const RUNS = 40;
const history = generateHistory({
  seed: 17,
  runs: RUNS,
  start: START,
  interval: 3600,
  arches: ['x86_64'],
  toolchains: ['gcc', 'llvm-18'],
  runners: ['test_progs', 'test_maps'],
  testsPerRunner: 4,
});

let pg: TempPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());
const servers: FakeGitHub[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe.each(['sqlite', 'postgres'] as const)('coverage totals in the stats store on %s', (kind) => {
  const open = async (name: string): Promise<Database> =>
    kind === 'sqlite' ? new SqliteDatabase(':memory:') : PgDatabase.connect(await pg.createDatabase(name));

  it("records each coverage job's totals from its results.json; the trend is the base branches' runs", async () => {
    const server = new FakeGitHub(history.runs, { msPerSecond: 1 });
    servers.push(server);
    await server.start();
    const store = await Store.open(await open('coverage_sync'));
    await sync({
      repository: 'kernel-patches/bpf',
      env: { GITHUB_API_URL: server.baseUrl, GITHUB_TOKEN: 'ghs_test' },
      logger: new MemoryLogger(),
      store,
      msPerSecond: 1,
      since: new Date(START * 1000),
      now: () => new Date((START + RUNS * 3600 + 3600) * 1000),
    });
    const expected = expectedCoverageTrend(history);
    // The history has coverage points, and pull request runs whose coverage is left out.
    expect(expected.length).toBeGreaterThan(5);
    expect(
      history.runs.some((r) => !r.onBase && r.jobs.some((j) => j.results && j.runner === 'test_progs')),
    ).toBe(true);
    expect(await coverageTrend(store.db)).toEqual(expected);
    const since = expected[Math.floor(expected.length / 2)]!.createdAt;
    expect(await coverageTrend(store.db, { since })).toEqual(expected.filter((p) => p.createdAt >= since));

    // Written again without coverage (recordOf carries none, as when the artifact expired): the
    // run's coverage rows go with its old rows.
    const first = expected[0]!;
    await store.ingestRun(recordOf(history.runs.find((r) => r.id === first.runId)!));
    expect((await coverageTrend(store.db)).map((p) => p.runId)).not.toContain(first.runId);
    await store.close();
  }, 60_000);
});
