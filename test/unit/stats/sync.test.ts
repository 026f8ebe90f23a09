// The collector against the local GitHub server: the 1,000-result cap, faults GitHub really
// answers with, the rate limit waited out and said, ETags on a second sync, and an interrupted
// sync that resumes with nothing lost and nothing counted twice.
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  SqliteDatabase,
  Store,
  generateHistory,
  sync,
  type GeneratorOptions,
  type SyncOptions,
} from '@bpf-ci/stats';
import { FakeGitHub, type ServerOptions } from '../../helpers/github-server.ts';
import { visible } from '../../helpers/stats-truth.ts';

const START = Date.parse('2026-01-05T00:00:00Z') / 1000;
const SMALL: Omit<GeneratorOptions, 'seed' | 'runs'> = {
  start: START,
  interval: 3600,
  arches: ['x86_64'],
  toolchains: ['gcc', 'llvm-18'],
  runners: ['test_progs'],
  testsPerRunner: 5,
};

const servers: FakeGitHub[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function serve(options: GeneratorOptions, serverOptions: ServerOptions = {}) {
  const history = generateHistory(options);
  const server = new FakeGitHub(history.runs, { msPerSecond: 1, ...serverOptions });
  servers.push(server);
  await server.start();
  const now = new Date((START + options.runs * options.interval + 3600) * 1000);
  const run = async (store: Store, logger = new MemoryLogger(), extra: Partial<SyncOptions> = {}) =>
    sync({
      repository: 'kernel-patches/bpf',
      env: { GITHUB_API_URL: server.baseUrl, GITHUB_TOKEN: 'ghs_test' },
      logger,
      store,
      msPerSecond: 1,
      since: new Date(START * 1000),
      now: () => now,
      ...extra,
    });
  return { history, server, run };
}

const newStore = async (): Promise<Store> => Store.open(new SqliteDatabase(':memory:'));

/** Everything the store holds about runs, jobs and outcomes, in a stable order. */
async function dump(store: Store): Promise<string> {
  const q = (sql: string) => store.db.all(sql);
  return JSON.stringify({
    runs: await q('SELECT * FROM runs ORDER BY run_id'),
    jobs: await q(
      'SELECT job_id, run_id, run_attempt, name, kind, variant_id, conclusion, duration_s, failure_kind, has_results, n_pass, n_fail, n_skip, n_flaky FROM jobs ORDER BY job_id',
    ),
    outcomes: await q(
      'SELECT o.job_id, t.binary_name, t.name, o.status, o.flaky, o.attempts FROM outcomes o JOIN tests t ON t.test_id = o.test_id ORDER BY o.job_id, t.binary_name, t.name',
    ),
    artifacts: await q('SELECT artifact_id, run_id, name, state FROM artifacts ORDER BY artifact_id'),
    jobCounts: await q(
      'SELECT day, variant_id, kind, base_ref, status, conclusion, failure_kind, n FROM job_counts WHERE n > 0 ORDER BY day, variant_id, kind, base_ref, status, conclusion, failure_kind',
    ),
  });
}

describe('stats sync', () => {
  it('pages by created ranges past the result cap of filtered lists', async () => {
    const { history, server, run } = await serve({ ...SMALL, seed: 3, runs: 30 }, { cap: 8 });
    const store = await newStore();
    const logger = new MemoryLogger();
    const stats = await run(store, logger, { listCap: 8 });
    expect(stats.runsListed).toBe(30);
    const runs = await store.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM runs');
    expect(runs[0]!.n).toBe(30);
    const jobs = await store.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM jobs');
    expect(jobs[0]!.n).toBe(history.runs.reduce((a, r) => a + r.jobs.length, 0));
    // Every list query the collector made stayed under the cap.
    expect(server.log.filter((l) => l.includes('/actions/runs?created=')).length).toBeGreaterThan(5);
    expect(logger.messages('info').some((m) => /^kernel-patches\/bpf: 30 runs created/.test(m))).toBe(true);
  });

  it('rides out secondary limits, 429, 5xx, cut bodies and expired storage links; waits for the rate limit and says so', async () => {
    const clean = await serve({ ...SMALL, seed: 5, runs: 16 });
    const reference = await newStore();
    await clean.run(reference);
    const faults: Record<number, 'secondary' | '429' | '500' | '502' | 'truncate'> = {
      2: 'secondary',
      5: '429',
      7: '500',
      9: '502',
      12: 'truncate',
      20: 'truncate',
    };
    const artifactIds = [9_000_001, 9_000_004];
    const { server, run } = await serve(
      { ...SMALL, seed: 5, runs: 16 },
      {
        limit: 20,
        // An hour, as GitHub's: 3.6 s of real time here, so a slow (loaded) machine still spends
        // the 20 requests before the window resets on its own.
        windowSeconds: 3600,
        fault: (n) => faults[n],
        expiredLinkFor: new Set([artifactIds[0]!]),
        truncatedBlobFor: new Set([artifactIds[1]!]),
      },
    );
    const store = await newStore();
    const logger = new MemoryLogger();
    await run(store, logger);
    expect(await dump(store)).toBe(await dump(reference));
    const info = logger.messages('info');
    expect(info.some((m) => /secondary rate limit, waiting 2 s$/.test(m))).toBe(true);
    const wait = info.find((m) => /waiting \d+ s for the rate limit to reset$/.test(m));
    expect(wait).toMatch(
      /^runs \d+\/16, jobs [\d,]+, artifacts \d+, 0 requests left, waiting \d+ s for the rate limit to reset$/,
    );
    expect(Number(/waiting (\d+) s/.exec(wait!)![1])).toBeLessThanOrEqual(3601);
    // Respected, not run into: GitHub never had to refuse a request for the primary limit.
    expect(info.filter((m) => m.includes('rate limit reached'))).toEqual([]);
    expect(server.requests).toBeGreaterThan(server.counted);
  });

  it('a later sync is answered from ETags and writes nothing new', async () => {
    const { server, run } = await serve({ ...SMALL, seed: 9, runs: 12 });
    const store = await newStore();
    await run(store);
    const before = await dump(store);
    // The second sync asks from its cursor (less its look-back); the third asks the same again.
    await run(store);
    const counted = server.counted;
    const stats = await run(store);
    expect(stats.runsWritten).toBe(0);
    expect(stats.runsUnchanged).toBe(12);
    expect(stats.notModified).toBe(stats.requests);
    expect(stats.requests).toBeGreaterThan(0);
    expect(server.counted).toBe(counted); // 304s do not count against the limit
    expect(await dump(store)).toBe(before);
  });

  it('an interrupted sync resumes with nothing lost and nothing counted twice', async () => {
    const { history, run } = await serve({ ...SMALL, seed: 11, runs: 10 });
    const reference = await newStore();
    await run(reference);
    const expected = await dump(reference);
    const visibleJobs = history.runs.flatMap((r) => r.jobs.filter((j) => visible(r, j)));
    const outcomes = await reference.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM outcomes');
    expect(outcomes[0]!.n).toBe(visibleJobs.reduce((a, j) => a + j.results!.exceptions.length, 0));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }),
        async (stops) => {
          const store = await newStore();
          for (const stopAt of stops) {
            // A stop beyond what is left to do lets that sync finish: that is fine too.
            const stop = (n: number): void => {
              if (n === stopAt) throw new Error('interrupted');
            };
            await run(store, new MemoryLogger(), { beforeRequest: stop }).catch((err: unknown) => {
              expect((err as Error).message).toBe('interrupted');
            });
          }
          await run(store);
          expect(await dump(store)).toBe(expected);
          await store.close();
        },
      ),
      { numRuns: 5, seed: 42 },
    );
  });
  it('records an artifact that expired between the list and the download as expired, whatever the artifact before it said', async () => {
    const notZip = new Set<number>();
    const gone = new Set<number>();
    const { history, server, run } = await serve(
      { seed: 5, runs: 12, ...SMALL },
      { notZipFor: notZip, goneAtDownloadFor: gone },
    );
    const target = history.runs.find((r) => r.artifacts === 'per-job')!;
    const results = server.artifactsOf(target.id).filter((a) => a.name.startsWith('results-'));
    expect(results.length).toBeGreaterThanOrEqual(2);
    const [broken, expired] = results as [(typeof results)[number], (typeof results)[number]];
    notZip.add(broken.id);
    gone.add(expired.id);
    const store = await newStore();
    await run(store);
    const rows = await store.db.all('SELECT artifact_id, state, detail FROM artifacts WHERE run_id = ?', [
      target.id,
    ]);
    const row = (id: number) => rows.find((r) => Number(r['artifact_id']) === id);
    expect(row(broken.id)).toMatchObject({
      state: 'invalid',
      detail: expect.stringContaining(`${broken.name}: not a readable zip`) as unknown,
    });
    expect(row(expired.id)).toMatchObject({ state: 'expired', detail: null });
    await store.close();
  });
});
