// Patchwork checks: one per job per patch (context, state, description, target_url), as
// Patchwork's REST API takes them (POST /api/patches/{id}/checks/, "Authorization: Token ...").
// States: fail for real failures, warning when only flaky or quarantined tests failed, success,
// pending while the run is going. A final state is never taken back to pending, and a state a
// context already shows is not posted again.
import type { Logger } from '@bpf-ci/logger';
import type { JobSummary, RunAnalysis } from './analyze.ts';

export type CheckState = 'pending' | 'success' | 'warning' | 'fail';

export interface CheckPayload {
  context: string;
  state: CheckState;
  description: string;
  target_url: string;
}

/** A check as Patchwork lists it (the fields we read). */
export interface ExistingCheck {
  id?: number;
  date?: string;
  state: CheckState;
  context: string;
  target_url?: string | null;
  description?: string | null;
}

/** Patchwork context: letters, digits, '-', '_' and '.' (its model's slug rule). */
export function checkContext(prefix: string, jobName: string): string {
  return `${prefix}-${jobName}`
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/_+/g, '_')
    .slice(0, 255);
}

function jobState(summary: JobSummary): CheckState {
  switch (summary.verdict) {
    case 'success':
      return 'success';
    case 'warning':
      return 'warning';
    default:
      return 'fail';
  }
}

function description(summary: JobSummary): string {
  if (summary.verdict === 'infra') return 'no results: infrastructure failure';
  const c = summary.counts;
  const counts = c ? `passed ${c.passed}, skipped ${c.skipped}, failed ${c.failed}` : '';
  const what = { success: 'success', warning: 'only flaky or quarantined tests failed', failure: 'failure' }[
    summary.verdict
  ];
  return `${what}${counts ? `: ${counts}` : ''}`.slice(0, 255);
}

export interface CheckOptions {
  /** Context prefix, e.g. "bpf-ci" (default). */
  prefix?: string;
  /** Link used for jobs without their own (the run's page). */
  runUrl: string;
}

/** One check per job of a finished run. */
export function finalChecks(analysis: RunAnalysis, options: CheckOptions): CheckPayload[] {
  return analysis.jobs.map((s) => ({
    context: checkContext(options.prefix ?? 'bpf-ci', s.job.name),
    state: jobState(s),
    description: description(s),
    target_url: s.job.url ?? options.runUrl,
  }));
}

/** One pending check per planned job, posted when the run starts. */
export function pendingChecks(jobNames: readonly string[], options: CheckOptions): CheckPayload[] {
  return jobNames.map((name) => ({
    context: checkContext(options.prefix ?? 'bpf-ci', name),
    state: 'pending',
    description: 'running',
    target_url: options.runUrl,
  }));
}

export type CheckDecision = 'post' | 'identical' | 'would-downgrade';

/** Whether to post `next`, given what the patch already shows (every check of every context). */
export function decideCheck(existing: readonly ExistingCheck[], next: CheckPayload): CheckDecision {
  const mine = existing.filter((c) => c.context === next.context);
  // Patchwork shows the newest check of a context: by date, then by id.
  const latest = mine.reduce<ExistingCheck | undefined>((a, c) => {
    if (!a) return c;
    const byDate = (c.date ?? '').localeCompare(a.date ?? '');
    return byDate > 0 || (byDate === 0 && (c.id ?? 0) > (a.id ?? 0)) ? c : a;
  }, undefined);
  if (!latest) return 'post';
  if (next.state === 'pending' && latest.state !== 'pending') return 'would-downgrade';
  if (latest.state === next.state && (latest.target_url ?? '') === next.target_url) return 'identical';
  return 'post';
}

export interface PatchworkApi {
  /** The REST API root, e.g. https://patchwork.kernel.org/api/1.3 */
  url: string;
  token: string;
}

export interface PostedCheck {
  patch: number;
  check: CheckPayload;
  decision: CheckDecision;
}

async function requestJson(url: string, init: RequestInit, what: string): Promise<unknown> {
  const response = await fetch(url, init);
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    throw new Error(`Patchwork ${what}: HTTP ${response.status} ${response.statusText} ${body}`.trim());
  }
  return response.json();
}

async function listChecks(api: PatchworkApi, patch: number): Promise<ExistingCheck[]> {
  const out: ExistingCheck[] = [];
  let url: string | undefined = `${api.url.replace(/\/+$/, '')}/patches/${patch}/checks/?per_page=250`;
  // Patchwork paginates with a Link: <...>; rel="next" header.
  for (let page = 0; url !== undefined && page < 100; page++) {
    const response = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`Patchwork checks of patch ${patch}: HTTP ${response.status}`);
    out.push(...((await response.json()) as ExistingCheck[]));
    url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
  }
  return out;
}

/** Post each check to each patch unless Patchwork already shows it or it would be a downgrade. */
export async function postChecks(
  api: PatchworkApi,
  patches: readonly number[],
  checks: readonly CheckPayload[],
  logger: Logger,
): Promise<PostedCheck[]> {
  const results: PostedCheck[] = [];
  for (const patch of patches) {
    const existing = await listChecks(api, patch);
    for (const check of checks) {
      const decision = decideCheck(existing, check);
      results.push({ patch, check, decision });
      if (decision !== 'post') {
        logger.info(`Patchwork patch ${patch}: ${check.context} stays (${decision}, ${check.state})`);
        continue;
      }
      await requestJson(
        `${api.url.replace(/\/+$/, '')}/patches/${patch}/checks/`,
        {
          method: 'POST',
          headers: {
            Authorization: `Token ${api.token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
          },
          body: JSON.stringify(check),
        },
        `check ${check.context} on patch ${patch}`,
      );
      existing.push({ ...check, date: new Date().toISOString() });
      logger.info(`Patchwork patch ${patch}: ${check.context} → ${check.state}`);
    }
  }
  return results;
}
