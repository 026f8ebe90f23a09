import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { SqliteDatabase, Store, generateHistory, sync, type History } from '@bpf-ci/stats';
import { FakeGitHub } from '../../helpers/github-server.ts';

const START = Date.parse('2026-01-05T00:00:00Z') / 1000;

describe('stats sync against the local GitHub', () => {
  let history: History;
  let server: FakeGitHub;
  beforeAll(async () => {
    history = generateHistory({
      seed: 1,
      runs: 60,
      start: START,
      interval: 3600,
      testsPerRunner: 6,
      now: START + 60 * 3600 + 86400,
    });
    server = new FakeGitHub(history.runs, { msPerSecond: 1 });
    await server.start();
  });
  afterAll(() => server.stop());

  it('stores every run and job once', async () => {
    const store = await Store.open(new SqliteDatabase(':memory:'));
    const logger = new MemoryLogger();
    const stats = await sync({
      repository: 'kernel-patches/bpf',
      env: { GITHUB_API_URL: server.baseUrl, GITHUB_TOKEN: 't' },
      logger,
      store,
      msPerSecond: 1,
      since: new Date(START * 1000),
      now: () => new Date((START + 61 * 3600) * 1000),
    });
    expect(stats.runsWritten).toBe(60);
    const jobs = await store.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM jobs');
    expect(jobs[0]!.n).toBe(history.runs.reduce((a, r) => a + r.jobs.length, 0));
  });
});
