// The store's schema as versioned migrations, the same SQL on SQLite and PostgreSQL. A migration
// only ever adds; a database records the versions it has applied in schema_migrations.
import type { Logger } from '@bpf-ci/logger';
import type { Database } from './db.ts';
import { CODE_COVERAGE_TABLE_SQL } from './code-coverage.ts';
import { ROLLUP_TABLES_SQL, rebuildRollups } from './rollups.ts';

/**
 * One version: its SQL and, when it adds derived tables to a store that already holds runs, how to
 * fill them from the stored rows (in the same transaction as the SQL).
 */
interface Migration {
  sql: (blob: string) => string;
  fill?: (db: Database, logger?: Logger) => Promise<void>;
}

/** Each entry is one version; never edit an applied one, append a new one. */
const MIGRATIONS: Migration[] = [
  {
    sql: (blob) => `
CREATE TABLE sync_state (repo TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (repo, key));
CREATE TABLE http_cache (url TEXT PRIMARY KEY, etag TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE variants (
  variant_id INTEGER PRIMARY KEY, arch TEXT NOT NULL, toolchain TEXT NOT NULL, runner TEXT NOT NULL,
  accelerator TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (arch, toolchain, runner, accelerator, labels));
CREATE TABLE runs (
  run_id BIGINT PRIMARY KEY, repo TEXT NOT NULL, workflow_id BIGINT, run_number INTEGER NOT NULL,
  run_attempt INTEGER NOT NULL, event TEXT NOT NULL, head_branch TEXT, base_ref TEXT NOT NULL,
  on_base INTEGER NOT NULL, head_sha TEXT NOT NULL, base_sha TEXT, pr_number INTEGER, status TEXT NOT NULL,
  conclusion TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, html_url TEXT NOT NULL,
  results TEXT NOT NULL, results_detail TEXT);
CREATE INDEX runs_created ON runs (created_at);
CREATE TABLE jobs (
  job_id BIGINT PRIMARY KEY, run_id BIGINT NOT NULL, run_attempt INTEGER NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL, variant_id INTEGER NOT NULL, runner_name TEXT, status TEXT NOT NULL, conclusion TEXT,
  run_created BIGINT NOT NULL, started_at BIGINT, completed_at BIGINT, duration_s INTEGER, week BIGINT NOT NULL, failure_kind TEXT,
  has_results INTEGER NOT NULL, seen_set INTEGER, skip_set INTEGER, n_pass INTEGER NOT NULL,
  n_fail INTEGER NOT NULL, n_skip INTEGER NOT NULL, n_error INTEGER NOT NULL, n_miss INTEGER NOT NULL,
  n_flaky INTEGER NOT NULL);
CREATE INDEX jobs_run ON jobs (run_id);
CREATE INDEX jobs_variant ON jobs (variant_id, has_results, run_created);
CREATE INDEX jobs_week ON jobs (week, kind);
CREATE TABLE tests (test_id INTEGER PRIMARY KEY, binary_name TEXT NOT NULL, name TEXT NOT NULL,
  number TEXT NOT NULL, UNIQUE (binary_name, name));
CREATE TABLE test_sets (set_id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, size INTEGER NOT NULL, ids ${blob} NOT NULL);
CREATE TABLE outcomes (
  job_id BIGINT NOT NULL, test_id INTEGER NOT NULL, status TEXT NOT NULL, flaky INTEGER NOT NULL,
  attempts INTEGER NOT NULL, duration_ms INTEGER, reason TEXT, PRIMARY KEY (job_id, test_id));
CREATE INDEX outcomes_test ON outcomes (test_id, job_id);
CREATE TABLE artifacts (artifact_id BIGINT PRIMARY KEY, run_id BIGINT NOT NULL, name TEXT NOT NULL,
  state TEXT NOT NULL, detail TEXT);
CREATE INDEX artifacts_run ON artifacts (run_id);
`,
  },
  // Job counts per day × variant × kind × base branch × conclusion × failure kind, kept by ingest:
  // rates and infra read these few thousand rows instead of every job. '' stands for none.
  {
    sql: () => `
CREATE TABLE job_counts (
  day BIGINT NOT NULL, variant_id INTEGER NOT NULL, kind TEXT NOT NULL, base_ref TEXT NOT NULL,
  status TEXT NOT NULL, conclusion TEXT NOT NULL, failure_kind TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (day, variant_id, kind, base_ref, status, conclusion, failure_kind));
INSERT INTO job_counts (day, variant_id, kind, base_ref, status, conclusion, failure_kind, n)
  SELECT (j.run_created / 86400) * 86400, j.variant_id, j.kind, r.base_ref, j.status, COALESCE(j.conclusion, ''),
    COALESCE(j.failure_kind, ''), COUNT(*)
  FROM jobs j JOIN runs r ON r.run_id = j.run_id
  GROUP BY (j.run_created / 86400) * 86400, j.variant_id, j.kind, r.base_ref, j.status, COALESCE(j.conclusion, ''), COALESCE(j.failure_kind, '');
`,
  },
  // Rollups for durations, top-failures and rates' runs under a variant filter (see rollups.ts),
  // built once from the stored runs of an existing store.
  { sql: ROLLUP_TABLES_SQL, fill: rebuildRollups },
  // GCOV coverage totals per job (results.json's coverage field); runs stored before this version
  // get theirs when they are synced again.
  { sql: () => CODE_COVERAGE_TABLE_SQL },
];

export const SCHEMA_VERSION_LATEST = MIGRATIONS.length;

/** Bring the database to the latest schema version; returns the versions applied now. */
export async function migrate(db: Database, logger?: Logger): Promise<number[]> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
  );
  const applied = new Set(
    (await db.all<{ version: number }>('SELECT version FROM schema_migrations')).map((r) =>
      Number(r.version),
    ),
  );
  const newest = Math.max(0, ...applied);
  if (newest > MIGRATIONS.length) {
    throw new Error(
      `the store is at schema version ${newest}, newer than this bpf-ci knows (${MIGRATIONS.length}); upgrade bpf-ci`,
    );
  }
  const blob = db.dialect === 'postgres' ? 'BYTEA' : 'BLOB';
  const done: number[] = [];
  for (let v = 1; v <= MIGRATIONS.length; v++) {
    if (applied.has(v)) continue;
    await db.transaction(async () => {
      const migration = MIGRATIONS[v - 1]!;
      await db.exec(migration.sql(blob));
      await migration.fill?.(db, logger);
      await db.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
        v,
        Math.floor(Date.now() / 1000),
      ]);
    });
    done.push(v);
  }
  return done;
}
