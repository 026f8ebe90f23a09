// The comparison a repro ends with: for each rerun test, the job's verdict beside the local one
// (and, with --attempts, how many local attempts failed). Pure.
import type { Run, TestStatus } from '@bpf-ci/model';
import { resultOf, verdictOf, type Rerun } from './select.ts';

export interface ComparisonRow {
  runner: string;
  test: string;
  job: TestStatus;
  /** One verdict per local attempt. */
  local: TestStatus[];
}

const FAILED: ReadonlySet<TestStatus> = new Set(['fail', 'error', 'miss']);

export function compareRuns(jobRun: Run, localRun: Run, reruns: readonly Rerun[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const rerun of reruns) {
    const job = resultOf(jobRun, rerun.runner);
    const locals = rerun.planNames.map((n) => resultOf(localRun, n));
    let keys = rerun.keys;
    if (keys.length === 0) {
      // A whole runner rerun: the tests that failed on either side (all of them would drown it).
      const failing = new Set<string>();
      for (const r of [job, ...locals])
        for (const t of r?.tests ?? []) {
          const subs = t.subtests.filter((s) => FAILED.has(s.status));
          if (subs.length) subs.forEach((s) => failing.add(`${t.name}/${s.name}`));
          else if (FAILED.has(t.status)) failing.add(t.name);
        }
      keys = [...failing].sort();
    }
    for (const test of keys)
      rows.push({
        runner: rerun.runner,
        test,
        job: verdictOf(job, test),
        local: locals.map((l) => verdictOf(l, test)),
      });
  }
  return rows;
}

export function failedCount(row: ComparisonRow): number {
  return row.local.filter((s) => FAILED.has(s)).length;
}

/** "same" when every local attempt failed like the job's, or passed like it. */
export function reproduced(row: ComparisonRow): boolean {
  return row.local.every((s) => FAILED.has(s) === FAILED.has(row.job));
}

/** A plain-text table (the terminal's), test names as the job reported them. */
export function renderComparison(rows: readonly ComparisonRow[]): string {
  if (rows.length === 0)
    return 'No test to compare: the rerun runners reported no failure, nor did the job.\n';
  const attempts = Math.max(...rows.map((r) => r.local.length));
  const header = ['runner', 'test', 'job', attempts > 1 ? `local (${attempts} attempts)` : 'local', ''];
  const body = rows.map((r) => [
    r.runner,
    r.test,
    r.job,
    attempts > 1 ? `${failedCount(r)}/${r.local.length} failed` : (r.local[0] ?? 'miss'),
    reproduced(r) ? 'same' : 'DIFFERENT',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}
