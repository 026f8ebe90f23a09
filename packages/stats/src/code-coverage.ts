// GCOV coverage totals of the kernel's profiled directories (results.json's coverage field, which
// the coverage job writes): one row per job that carries them, so the trend of a base branch's
// coverage is one query. Only totals are kept; the per-file table stays in the job's artifact.
import type { CoverageReport } from '@bpf-ci/model';
import type { Database, SqlValue } from './db.ts';
import type { RunRecord } from './records.ts';

/** A job's coverage totals as the store keeps them. */
export interface CoverageTotals {
  /** The profiled directories, comma-separated (kernel/bpf). */
  directories: string;
  lines: { hit: number; found: number };
  functions: { hit: number; found: number };
  branches: { hit: number; found: number };
}

export const CODE_COVERAGE_TABLE_SQL = `
CREATE TABLE code_coverage (
  job_id BIGINT PRIMARY KEY, run_id BIGINT NOT NULL, run_created BIGINT NOT NULL, directories TEXT NOT NULL,
  lines_hit INTEGER NOT NULL, lines_found INTEGER NOT NULL, functions_hit INTEGER NOT NULL,
  functions_found INTEGER NOT NULL, branches_hit INTEGER NOT NULL, branches_found INTEGER NOT NULL);
CREATE INDEX code_coverage_run ON code_coverage (run_id);
CREATE INDEX code_coverage_created ON code_coverage (run_created);
`;

/** The totals of a results.json coverage report. */
export function coverageTotals(report: CoverageReport): CoverageTotals {
  const count = (c: { hit: number; found: number }) => ({ hit: c.hit, found: c.found });
  return {
    directories: report.directories.join(','),
    lines: count(report.lines),
    functions: count(report.functions),
    branches: count(report.branches),
  };
}

const COLUMNS = [
  'job_id',
  'run_id',
  'run_created',
  'directories',
  'lines_hit',
  'lines_found',
  'functions_hit',
  'functions_found',
  'branches_hit',
  'branches_found',
];

/** Replaces the run's coverage rows with its jobs' (inside the caller's transaction). */
export async function replaceCodeCoverage(db: Database, record: RunRecord): Promise<void> {
  await db.run('DELETE FROM code_coverage WHERE run_id = ?', [record.runId]);
  const rows: SqlValue[][] = [];
  for (const job of record.jobs) {
    const c = job.coverage;
    if (!c) continue;
    rows.push([
      job.jobId,
      record.runId,
      record.createdAt,
      c.directories,
      c.lines.hit,
      c.lines.found,
      c.functions.hit,
      c.functions.found,
      c.branches.hit,
      c.branches.found,
    ]);
  }
  await db.insertMany('code_coverage', COLUMNS, rows);
}

export interface CoveragePoint extends CoverageTotals {
  runId: number;
  /** The run's creation, epoch seconds. */
  createdAt: number;
  arch: string;
  toolchain: string;
}

/**
 * Coverage totals of the base branches' runs (pull requests measure their own change, not the
 * trend), oldest first; of a run's attempts, the latest job of each arch × toolchain.
 */
export async function coverageTrend(db: Database, filter: { since?: number } = {}): Promise<CoveragePoint[]> {
  const rows = await db.all(
    `SELECT c.run_id, c.run_created, c.directories, c.lines_hit, c.lines_found, c.functions_hit,
       c.functions_found, c.branches_hit, c.branches_found, v.arch, v.toolchain, j.run_attempt
     FROM code_coverage c JOIN jobs j ON j.job_id = c.job_id JOIN variants v ON v.variant_id = j.variant_id
     JOIN runs r ON r.run_id = c.run_id
     WHERE r.on_base = 1 AND c.run_created >= ?
     ORDER BY c.run_created, c.run_id, v.arch, v.toolchain, j.run_attempt`,
    [filter.since ?? 0],
  );
  const latest = new Map<string, CoveragePoint>();
  for (const r of rows) {
    const n = (k: string): number => Number(r[k]);
    const point: CoveragePoint = {
      runId: n('run_id'),
      createdAt: n('run_created'),
      arch: String(r['arch']),
      toolchain: String(r['toolchain']),
      directories: String(r['directories']),
      lines: { hit: n('lines_hit'), found: n('lines_found') },
      functions: { hit: n('functions_hit'), found: n('functions_found') },
      branches: { hit: n('branches_hit'), found: n('branches_found') },
    };
    // Ordered by attempt: a later attempt of the same run and leg replaces the earlier.
    latest.set(`${point.runId}\0${point.arch}\0${point.toolchain}\0${point.directories}`, point);
  }
  return [...latest.values()];
}
