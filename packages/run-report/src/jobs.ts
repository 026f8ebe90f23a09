// The jobs of one run: what the matrix planned, matched with the results.json each job left.
// A planned job without results is an infrastructure failure and stays in the report as one; a
// job that ran more than once (a re-run) is reported from its latest attempt, the earlier
// attempts kept as flaky evidence.
import { z } from 'zod';
import type { Run } from '@bpf-ci/model';
import { runName } from '@bpf-ci/report';

/** A test job as the matrix lists it (extra keys of the matrix entry are ignored). */
export const PlannedJob = z.looseObject({
  /** The job's name in the Actions UI: "test_progs on aarch64 with gcc". */
  name: z.string().min(1),
  /** The runner name results.json carries in context.runner (test_progs, test_progs-parallel, ...). */
  test: z.string().min(1),
  arch: z.string().min(1),
  toolchain: z.string().min(1),
  /** The coverage job's patch-threshold (percent) from the config: below it, the job fails. */
  'coverage-patch-threshold': z.number().min(0).max(100).optional(),
});
export type PlannedJob = z.infer<typeof PlannedJob>;

/** The test matrix as the matrix generator writes it ({ include: [...] }) or a bare list. */
export const PlannedJobs = z.union([z.array(PlannedJob), z.object({ include: z.array(PlannedJob) })]);

/** Read the planned jobs from the matrix generator's JSON; the error says what is wrong with it. */
export function parsePlannedJobs(json: string, source = 'test matrix'): PlannedJob[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`${source}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = PlannedJobs.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `${source}: expected the test matrix ({"include": [{"name", "test", "arch", "toolchain"}, ...]}): ` +
        `invalid at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown error'}`,
    );
  }
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.include;
}

/** One results.json as read: the validated Run, and the raw JSON for optional fields a newer writer added. */
export interface LoadedResults {
  source: string;
  run: Run;
  raw: unknown;
}

export interface JobReport {
  name: string;
  runner: string;
  arch: string;
  toolchain: string;
  /** Where the job's log is (its job page, else the run's page). */
  url?: string;
  /** The latest attempt's results; absent when the job left none (an infrastructure failure). */
  results?: LoadedResults;
  /** The attempt the results are from (GitHub's run attempt), when results.json says. */
  attempt?: number;
  /** Results of earlier attempts of the same job, oldest first. */
  earlier: LoadedResults[];
  /** The least patch coverage (percent) this job's results must show; absent: not judged. */
  patchThreshold?: number;
}

export interface CollectOptions {
  /** The job page of a job by its name (from GitHub's jobs API); default none. */
  jobUrl?: (name: string) => string | undefined;
  /** Fallback link for every job (the run's page). */
  runUrl?: string;
}

const jobKey = (runner: string, arch: string, toolchain: string): string =>
  JSON.stringify([runner, arch, toolchain]);

/** "test_progs on aarch64 with gcc": the name a job has in the matrix. */
export function plannedJobName(runner: string, arch: string, toolchain: string): string {
  return `${runner} on ${arch} with ${toolchain}`;
}

/**
 * Match results with the planned jobs. Results no planned job names (the CLI over a folder, or a
 * matrix entry renamed) become jobs of their own; planned jobs without results stay, without
 * `results`. Order: the matrix's, then the unplanned ones in file order.
 */
export function collectJobs(
  planned: readonly PlannedJob[],
  loaded: readonly LoadedResults[],
  options: CollectOptions = {},
): JobReport[] {
  const jobs = new Map<string, JobReport>();
  const link = (name: string): string | undefined => options.jobUrl?.(name) ?? options.runUrl;
  const add = (name: string, runner: string, arch: string, toolchain: string): JobReport => {
    const job: JobReport = { name, runner, arch, toolchain, earlier: [] };
    const url = link(name);
    if (url !== undefined) job.url = url;
    jobs.set(jobKey(runner, arch, toolchain), job);
    return job;
  };
  for (const p of planned) {
    const job = add(p.name, p.test, p.arch, p.toolchain);
    const threshold = p['coverage-patch-threshold'];
    if (threshold !== undefined) job.patchThreshold = threshold;
  }

  const byJob = new Map<string, LoadedResults[]>();
  for (const item of loaded) {
    const { context } = item.run;
    const runner = runName(item.run);
    const arch = context.arch ?? 'unknown arch';
    const toolchain = context.toolchain ?? 'unknown toolchain';
    const key = jobKey(runner, arch, toolchain);
    if (!jobs.has(key)) add(plannedJobName(runner, arch, toolchain), runner, arch, toolchain);
    byJob.set(key, [...(byJob.get(key) ?? []), item]);
  }
  for (const [key, items] of byJob) {
    const job = jobs.get(key)!;
    // Stable sort by attempt: files that say none count as attempt 1.
    const sorted = [...items].sort((a, b) => (attemptOf(a) ?? 1) - (attemptOf(b) ?? 1));
    // One results.json per attempt: an artifact may hold the same run twice (the runner's copy
    // and the parser's); the last one found stands for its attempt.
    const byAttempt = new Map<number, LoadedResults>();
    for (const item of sorted) byAttempt.set(attemptOf(item) ?? 1, item);
    const attempts = [...byAttempt.values()];
    const latest = attempts.pop()!;
    job.results = latest;
    const attempt = attemptOf(latest);
    if (attempt !== undefined) job.attempt = attempt;
    job.earlier = attempts;
  }
  return [...jobs.values()];
}

/** The run attempt of a results.json: its context's, else the "-attempt-N" of its artifact folder. */
export function attemptOf(item: LoadedResults): number | undefined {
  if (item.run.context.runAttempt !== undefined) return item.run.context.runAttempt;
  const m = /-attempt-(\d+)(?:[/\\]|$)/.exec(item.source);
  return m ? Number(m[1]) : undefined;
}
