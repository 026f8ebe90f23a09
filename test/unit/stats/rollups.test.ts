// The rollups ingest keeps (per-day counts, run counts, failure hits, duration lists) against the
// same rollups rebuilt from the stored rows, on SQLite and PostgreSQL: after every run was written
// twice, first as an earlier look at it (in progress, first attempt only, some results missing),
// and after a store without rollups (schema version 2) is migrated, with its progress said.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  PgDatabase,
  SqliteDatabase,
  Store,
  decodePairs,
  durations,
  generateHistory,
  rates,
  recordOf,
  topFailures,
  type Database,
  type Filters,
  type RunRecord,
} from '@bpf-ci/stats';
import { startPostgres, type TempPostgres } from '../../helpers/postgres.ts';
import * as truth from '../../helpers/stats-truth.ts';

const START = Date.parse('2026-03-02T00:00:00Z') / 1000;
const history = generateHistory({
  seed: 21,
  runs: 60,
  start: START,
  interval: 7 * 3600,
  now: START + 61 * 7 * 3600,
  ...truth.SMALL_MATRIX,
});
const records = history.runs.map((r) => recordOf(r));

/** What the collector could have seen of a run before it finished. */
function earlierLook(record: RunRecord): RunRecord {
  return {
    ...record,
    status: 'in_progress',
    conclusion: null,
    jobs: record.jobs
      .filter((j) => j.runAttempt === 1)
      .map((j, i) => {
        if (i % 2 === 0) return j;
        const withoutResults = { ...j, conclusion: 'failure' };
        delete withoutResults.results;
        return withoutResults;
      }),
  };
}

const ROLLUPS: Record<string, string> = {
  job_counts:
    'SELECT day, variant_id, kind, base_ref, status, conclusion, failure_kind, n FROM job_counts WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7',
  job_counts_weekly:
    'SELECT week, variant_id, kind, base_ref, status, conclusion, failure_kind, n FROM job_counts_weekly WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7',
  variant_runs:
    'SELECT arch, toolchain, runner, base_ref, day, status, conclusion, n FROM variant_runs WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7',
  result_runs:
    'SELECT runner, arch, toolchain, base_ref, day, n FROM result_runs WHERE n <> 0 ORDER BY 1, 2, 3, 4, 5',
  failure_runs: `SELECT c.runner, t.binary_name, t.name, c.arch, c.toolchain, c.base_ref, c.day, c.n
    FROM failure_runs c JOIN tests t ON t.test_id = c.test_id WHERE c.n <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
};

/** Every rollup's rows; duration lists as sorted (day, duration) pairs. */
async function rollups(db: Database): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [name, sql] of Object.entries(ROLLUPS)) out[name] = await db.all(sql);
  out['duration_lists'] = (
    await db.all<{ week: number; kind: string; variant_id: number; base_ref: string; durations: Uint8Array }>(
      'SELECT week, kind, variant_id, base_ref, durations FROM duration_lists ORDER BY 1, 2, 3, 4',
    )
  ).map((r) => {
    const p = decodePairs(r.durations);
    const pairs: string[] = [];
    for (let i = 0; i < p.length; i += 2) pairs.push(`${p[i]}:${p[i + 1]}`);
    return { ...r, durations: pairs.sort() };
  });
  return out;
}

/** Turn a store into one written before the rollups: schema version 2. */
async function makeVersion2(db: Database): Promise<void> {
  await db.exec(
    'DROP TABLE job_counts_weekly; DROP TABLE variant_runs; DROP TABLE result_runs; DROP TABLE failure_runs; DROP TABLE duration_lists; DROP INDEX runs_status_created; DROP INDEX runs_on_base',
  );
  await db.run('DELETE FROM schema_migrations WHERE version = 3');
}

let pg: TempPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(() => pg?.stop());

const FILTERS: Filters[] = [
  {},
  { arch: 'aarch64', since: START + 30 * 7 * 3600 },
  { runner: 'test_maps', branch: 'bpf-next' },
];

describe.each(['sqlite', 'postgres'] as const)('stats rollups on %s', (kind) => {
  const open = async (name: string): Promise<Database> =>
    kind === 'sqlite' ? new SqliteDatabase(':memory:') : PgDatabase.connect(await pg.createDatabase(name));

  it('kept at ingest through re-written runs, equal to a rebuild from the stored rows', async () => {
    const kept = await Store.open(await open('kept'));
    for (const r of records) await kept.ingestRun(earlierLook(r));
    for (const r of records) await kept.ingestRun(r);
    for (const r of records.slice(0, 10)) await kept.ingestRun(r); // a resumed sync repeats some
    const expected = await rollups(kept.db);
    expect((expected['failure_runs'] as unknown[]).length).toBeGreaterThan(0);
    expect((expected['duration_lists'] as unknown[]).length).toBeGreaterThan(0);

    await makeVersion2(kept.db);
    const logger = new MemoryLogger();
    const migrated = await Store.open(kept.db, { logger });
    expect(await rollups(migrated.db)).toEqual(expected);
    const said = logger.entries.map((e) => e.message).join('\n');
    expect(said).toContain(`building the rollups for ${records.length} stored runs, once`);
    expect(said).toContain(`rollups ${records.length}/${records.length} runs (100 %)`);
    const versions = await migrated.db.all<{ version: number }>(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3, 4]);

    // Opened again: nothing left to migrate, nothing said.
    const again = new MemoryLogger();
    await Store.open(kept.db, { logger: again });
    expect(again.entries).toEqual([]);

    for (const f of FILTERS) {
      expect(await durations(migrated.db, f)).toEqual(truth.expectedDurations(history, f));
      expect(await topFailures(migrated.db, f, 1000)).toEqual(truth.expectedTopFailures(history, f));
      const r = await rates(migrated.db, f);
      const want = truth.expectedRates(history, f);
      expect({
        total: r.runs.total,
        success: r.runs.success,
        failure: r.runs.failure,
        cancelled: r.runs.cancelled,
      }).toEqual(want.runs);
    }
    await migrated.close();
  }, 120_000);
});
