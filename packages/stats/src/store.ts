// The history store: writes one run at a time, idempotently (a run's rows are replaced as a whole in
// one transaction, so a sync that is interrupted and repeats a run never counts it twice).
import { createHash } from 'node:crypto';
import type { Database, SqlValue } from './db.ts';
import { migrate } from './schema.ts';
import { applyRollups } from './rollups.ts';
import { replaceCodeCoverage } from './code-coverage.ts';
import type { Logger } from '@bpf-ci/logger';
import type { JobRecord, JobResults, RunRecord, TestOutcome, TestRef, Variant } from './records.ts';

const WEEK = 7 * 86400;
/** Weeks start on Monday 00:00 UTC (1970-01-05 was a Monday). */
export function weekStart(epoch: number): number {
  const MONDAY = 4 * 86400;
  return Math.floor((epoch - MONDAY) / WEEK) * WEEK + MONDAY;
}

export function encodeIds(ids: number[]): Uint8Array {
  const arr = Uint32Array.from(ids);
  return new Uint8Array(arr.buffer);
}
export function decodeIds(bytes: Uint8Array): Uint32Array {
  const copy = new Uint8Array(bytes); // aligned copy
  return new Uint32Array(copy.buffer, 0, copy.byteLength / 4);
}

/** Decoded test sets by id (there are few: they change only when tests are added or removed). */
export async function loadSets(db: Database): Promise<Map<number, Uint32Array>> {
  const out = new Map<number, Uint32Array>();
  for (const r of await db.all<{ set_id: number; ids: Uint8Array }>('SELECT set_id, ids FROM test_sets'))
    out.set(Number(r.set_id), decodeIds(r.ids));
  return out;
}

export class Store {
  private readonly variantIds = new Map<string, number>();
  private readonly testIds = new Map<string, number>();
  private readonly setIds = new Map<string, number>();
  /** Ingest reuses a set's id when handed the very same list again (the generator shares them). */
  private readonly setByList = new WeakMap<TestRef[], number>();
  private nextTestId = 1;
  private nextSetId = 1;

  readonly db: Database;
  private constructor(db: Database) {
    this.db = db;
  }

  /** Open a store, bringing its schema up to date (`logger` hears the progress of a long migration). */
  static async open(db: Database, options: { logger?: Logger } = {}): Promise<Store> {
    await migrate(db, options.logger);
    const store = new Store(db);
    await store.loadVariants();
    for (const r of await db.all<{ test_id: number; binary_name: string; name: string }>(
      'SELECT test_id, binary_name, name FROM tests',
    )) {
      store.testIds.set(`${r.binary_name}\0${r.name}`, Number(r.test_id));
      store.nextTestId = Math.max(store.nextTestId, Number(r.test_id) + 1);
    }
    for (const r of await db.all<{ set_id: number; hash: string }>('SELECT set_id, hash FROM test_sets')) {
      store.setIds.set(r.hash, Number(r.set_id));
      store.nextSetId = Math.max(store.nextSetId, Number(r.set_id) + 1);
    }
    return store;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async variantId(v: Variant): Promise<number> {
    const key = variantKey(v);
    let id = this.variantIds.get(key);
    if (id === undefined) {
      id = this.variantIds.size + 1;
      await this.db.run(
        'INSERT INTO variants (variant_id, arch, toolchain, runner, accelerator, labels) VALUES (?, ?, ?, ?, ?, ?)',
        [id, v.arch, v.toolchain, v.runner, v.accelerator, v.labels],
      );
      this.variantIds.set(key, id);
    }
    return id;
  }

  private testId(ref: TestRef, newTests: SqlValue[][]): number {
    const key = `${ref.binary}\0${ref.name}`;
    let id = this.testIds.get(key);
    if (id === undefined) {
      id = this.nextTestId++;
      this.testIds.set(key, id);
      newTests.push([id, ref.binary, ref.name, ref.number]);
    }
    return id;
  }

  private setId(list: TestRef[], newTests: SqlValue[][], newSets: SqlValue[][]): number {
    const known = this.setByList.get(list);
    if (known !== undefined) return known;
    // A typed array sorts numerically without a comparator call per pair.
    const ids = new Uint32Array(list.length);
    for (let i = 0; i < list.length; i++) ids[i] = this.testId(list[i]!, newTests);
    ids.sort();
    const bytes = new Uint8Array(ids.buffer);
    const hash = createHash('sha1').update(bytes).digest('hex');
    let id = this.setIds.get(hash);
    if (id === undefined) {
      id = this.nextSetId++;
      this.setIds.set(hash, id);
      newSets.push([id, hash, ids.length, bytes]);
    }
    this.setByList.set(list, id);
    return id;
  }

  /** Replace everything stored about this run with `record`, atomically. */
  async ingestRun(record: RunRecord): Promise<void> {
    const batch: IngestBatch = {
      newTests: [],
      newSets: [],
      before: { nextTestId: this.nextTestId, nextSetId: this.nextSetId },
    };
    try {
      await this.db.transaction(() => this.replaceRun(record, batch));
    } catch (err) {
      await this.forgetRolledBack(batch);
      throw err;
    }
  }

  /** The body of ingestRun's transaction: the run's old rows out, its new rows and rollups in. */
  private async replaceRun(record: RunRecord, batch: IngestBatch): Promise<void> {
    const db = this.db;
    await this.deleteRun(record.runId);
    await db.run(
      `INSERT INTO runs (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map(() => '?').join(', ')})`,
      runRow(record),
    );
    const jobRows: SqlValue[][] = [];
    const outcomeRows: SqlValue[][] = [];
    for (const job of record.jobs) {
      const variantId = await this.variantId(job.variant);
      const outcomes = this.jobOutcomes(job, batch);
      jobRows.push(jobRow(record, job, variantId, outcomes));
      for (const row of outcomes.rows) outcomeRows.push(row);
    }
    await db.insertMany('tests', ['test_id', 'binary_name', 'name', 'number'], batch.newTests);
    await db.insertMany('test_sets', ['set_id', 'hash', 'size', 'ids'], batch.newSets);
    await db.insertMany('jobs', JOB_COLUMNS, jobRows);
    await db.insertMany('outcomes', OUTCOME_COLUMNS, outcomeRows);
    await applyRollups(db, { runId: record.runId }, 1);
    await db.insertMany(
      'artifacts',
      ['artifact_id', 'run_id', 'name', 'state', 'detail'],
      record.artifacts.map((a) => [a.artifactId, record.runId, a.name, a.state, a.detail ?? null]),
    );
    await replaceCodeCoverage(db, record);
  }

  /** Every row of a run, its rollup contributions first (nothing to take for a new run). */
  private async deleteRun(runId: number): Promise<void> {
    const db = this.db;
    if (await this.knownRun(runId)) await applyRollups(db, { runId }, -1);
    await db.run('DELETE FROM outcomes WHERE job_id IN (SELECT job_id FROM jobs WHERE run_id = ?)', [runId]);
    await db.run('DELETE FROM jobs WHERE run_id = ?', [runId]);
    await db.run('DELETE FROM artifacts WHERE run_id = ?', [runId]);
    await db.run('DELETE FROM runs WHERE run_id = ?', [runId]);
  }

  /**
   * A job's test sets, outcome rows and counts; tests and sets it names for the first time get ids
   * recorded in `batch`.
   */
  private jobOutcomes(job: JobRecord, batch: IngestBatch): JobOutcomes {
    const r = job.results;
    if (!r) return { seenSet: null, skipSet: null, counts: NO_COUNTS, rows: [] };
    const seenSet = this.setId(r.reported, batch.newTests, batch.newSets);
    const skipSet = this.setId(r.skipped, batch.newTests, batch.newSets);
    const rows: SqlValue[][] = [];
    const unique: TestOutcome[] = [];
    const inJob = new Set<number>();
    for (const o of r.exceptions) {
      const testId = this.testId(o, batch.newTests);
      if (inJob.has(testId)) continue; // a name printed twice counts once
      inJob.add(testId);
      unique.push(o);
      rows.push([
        job.jobId,
        testId,
        o.status,
        o.flaky ? 1 : 0,
        o.attempts,
        o.durationMs ?? null,
        o.reason ?? null,
      ]);
    }
    return { seenSet, skipSet, counts: countOutcomes(r, unique), rows };
  }

  /** After a rolled-back ingest: ids handed out in it are free again, its variants are gone. */
  private async forgetRolledBack(batch: IngestBatch): Promise<void> {
    for (const row of batch.newTests) this.testIds.delete(`${String(row[1])}\0${String(row[2])}`);
    for (const row of batch.newSets) this.setIds.delete(String(row[1]));
    this.nextTestId = batch.before.nextTestId;
    this.nextSetId = batch.before.nextSetId;
    this.variantIds.clear();
    await this.loadVariants();
  }

  private async loadVariants(): Promise<void> {
    for (const r of await this.db.all<Record<string, SqlValue>>(
      'SELECT variant_id, arch, toolchain, runner, accelerator, labels FROM variants',
    )) {
      this.variantIds.set(variantKey(r as unknown as Variant), Number(r['variant_id']));
    }
  }

  /** What the store knows of a run, to skip re-fetching one that has not changed. */
  async knownRun(
    runId: number,
  ): Promise<{ updatedAt: number; runAttempt: number; status: string } | undefined> {
    const rows = await this.db.all<{ updated_at: number; run_attempt: number; status: string }>(
      'SELECT updated_at, run_attempt, status FROM runs WHERE run_id = ?',
      [runId],
    );
    const r = rows[0];
    return r
      ? { updatedAt: Number(r.updated_at), runAttempt: Number(r.run_attempt), status: r.status }
      : undefined;
  }

  async getState(repo: string, key: string): Promise<string | undefined> {
    const rows = await this.db.all<{ value: string }>(
      'SELECT value FROM sync_state WHERE repo = ? AND key = ?',
      [repo, key],
    );
    return rows[0]?.value;
  }

  async setState(repo: string, key: string, value: string): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run('DELETE FROM sync_state WHERE repo = ? AND key = ?', [repo, key]);
      await this.db.run('INSERT INTO sync_state (repo, key, value) VALUES (?, ?, ?)', [repo, key, value]);
    });
  }

  async cachedResponse(url: string): Promise<{ etag: string; body: string } | undefined> {
    return (
      await this.db.all<{ etag: string; body: string }>('SELECT etag, body FROM http_cache WHERE url = ?', [
        url,
      ])
    )[0];
  }

  async cacheResponse(url: string, etag: string, body: string): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run('DELETE FROM http_cache WHERE url = ?', [url]);
      await this.db.run('INSERT INTO http_cache (url, etag, body) VALUES (?, ?, ?)', [url, etag, body]);
    });
  }

  /** Decoded test sets by id. */
  testSets(): Promise<Map<number, Uint32Array>> {
    return loadSets(this.db);
  }
}

function variantKey(v: Variant): string {
  return [v.arch, v.toolchain, v.runner, v.accelerator, v.labels].join('\0');
}

/** Test ids and sets first handed out by one ingest, and the counters before it, to undo a rollback. */
interface IngestBatch {
  newTests: SqlValue[][];
  newSets: SqlValue[][];
  before: { nextTestId: number; nextSetId: number };
}

interface OutcomeCounts {
  pass: number;
  fail: number;
  skip: number;
  error: number;
  miss: number;
  flaky: number;
}

interface JobOutcomes {
  /** Ids of the job's reported and skipped test sets; null for a job without results. */
  seenSet: number | null;
  skipSet: number | null;
  counts: OutcomeCounts;
  /** Rows of `outcomes` (OUTCOME_COLUMNS), one per test. */
  rows: SqlValue[][];
}

const NO_COUNTS: OutcomeCounts = { pass: 0, fail: 0, skip: 0, error: 0, miss: 0, flaky: 0 };

/**
 * A job's counts: only exceptions (each test once) are stored one by one; every other reported
 * test that was not skipped passed.
 */
function countOutcomes(results: JobResults, unique: TestOutcome[]): OutcomeCounts {
  const n = { ...NO_COUNTS, skip: results.skipped.length };
  let notPass = 0;
  for (const o of unique) {
    if (o.status !== 'pass') notPass++;
    if (o.status === 'fail') n.fail++;
    else if (o.status === 'error') n.error++;
    else if (o.status === 'miss') n.miss++;
    if (o.flaky) n.flaky++;
  }
  n.pass = results.reported.length - results.skipped.length - notPass;
  return n;
}

const RUN_COLUMNS = [
  'run_id',
  'repo',
  'workflow_id',
  'run_number',
  'run_attempt',
  'event',
  'head_branch',
  'base_ref',
  'on_base',
  'head_sha',
  'base_sha',
  'pr_number',
  'status',
  'conclusion',
  'created_at',
  'updated_at',
  'html_url',
  'results',
  'results_detail',
];

/** The `runs` row of a record, in RUN_COLUMNS order. */
function runRow(record: RunRecord): SqlValue[] {
  return [
    record.runId,
    record.repo,
    record.workflowId,
    record.runNumber,
    record.runAttempt,
    record.event,
    record.headBranch,
    record.baseRef,
    record.onBase ? 1 : 0,
    record.headSha,
    record.baseSha,
    record.prNumber,
    record.status,
    record.conclusion,
    record.createdAt,
    record.updatedAt,
    record.htmlUrl,
    record.results,
    record.resultsDetail ?? null,
  ];
}

const JOB_COLUMNS = [
  'job_id',
  'run_id',
  'run_attempt',
  'name',
  'kind',
  'variant_id',
  'runner_name',
  'status',
  'conclusion',
  'run_created',
  'started_at',
  'completed_at',
  'duration_s',
  'week',
  'failure_kind',
  'has_results',
  'seen_set',
  'skip_set',
  'n_pass',
  'n_fail',
  'n_skip',
  'n_error',
  'n_miss',
  'n_flaky',
];

/** The `jobs` row of one job of `record`, in JOB_COLUMNS order. */
function jobRow(record: RunRecord, job: JobRecord, variantId: number, outcomes: JobOutcomes): SqlValue[] {
  const duration =
    job.startedAt !== null && job.completedAt !== null ? job.completedAt - job.startedAt : null;
  const n = outcomes.counts;
  return [
    job.jobId,
    record.runId,
    job.runAttempt,
    job.name,
    job.kind,
    variantId,
    job.runnerName,
    job.status,
    job.conclusion,
    record.createdAt,
    job.startedAt,
    job.completedAt,
    duration,
    weekStart(job.startedAt ?? record.createdAt),
    job.failureKind,
    job.results ? 1 : 0,
    outcomes.seenSet,
    outcomes.skipSet,
    n.pass,
    n.fail,
    n.skip,
    n.error,
    n.miss,
    n.flaky,
  ];
}

const OUTCOME_COLUMNS = ['job_id', 'test_id', 'status', 'flaky', 'attempts', 'duration_ms', 'reason'];
