// `bpf-ci stats sync`: GitHub's workflow runs, their jobs (every attempt) and our results artifacts
// into the store, serially, resumable: a run is written in one transaction and the cursor moves
// only past runs that are written and finished, so an interrupted sync repeats at most the run it
// was in (replaced, never doubled) and loses nothing.
import type { Logger } from '@bpf-ci/logger';
import { GitHubApi, nextLink, type ApiOptions, type EtagCache } from './github.ts';
import {
  toRunRecord,
  type ArtifactRecord,
  type GhArtifact,
  type GhJob,
  type GhRun,
  type ParsedResults,
  type ResultsState,
} from './records.ts';
import { RESULTS_ARTIFACT_PREFIX, RESULTS_BUNDLE_ARTIFACT, ZipError, readResultsZip } from './results.ts';
import type { Store } from './store.ts';

/** GitHub answers at most this many results to one filtered list query. */
export const LIST_CAP = 1000;
const PER_PAGE = 100;
/** Days the reusable workflow keeps results artifacts. */
export const RESULTS_RETENTION_DAYS = 14;

export interface SyncOptions {
  /** owner/name */
  repository: string;
  /** A workflow file name or id: only its runs. */
  workflow?: string;
  /** First sync: runs created since then (default 90 days ago). */
  since?: Date;
  /** Each sync looks this far behind its cursor again for re-run attempts (default 3 days). */
  lookbackDays?: number;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  store: Store;
  msPerSecond?: number;
  reserve?: number;
  beforeRequest?: ApiOptions['beforeRequest'];
  /** Results one filtered list query can reach (GitHub's is 1,000; a GitHub Enterprise Server may differ). */
  listCap?: number;
  now?: () => Date;
}

export interface SyncStats {
  runsListed: number;
  runsWritten: number;
  runsUnchanged: number;
  jobs: number;
  artifacts: number;
  requests: number;
  notModified: number;
  expiredRuns: number;
  results: Record<ResultsState, number>;
  cursor: string | undefined;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

export async function sync(options: SyncOptions): Promise<SyncStats> {
  const { store, logger, repository } = options;
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`--repository must be OWNER/NAME, got ${JSON.stringify(repository)}`);
  const stats: SyncStats = {
    runsListed: 0,
    runsWritten: 0,
    runsUnchanged: 0,
    jobs: 0,
    artifacts: 0,
    requests: 0,
    notModified: 0,
    expiredRuns: 0,
    results: { bundle: 0, 'per-job': 0, missing: 0, expired: 0, invalid: 0, 'unknown-schema': 0, none: 0 },
    cursor: undefined,
  };
  let totalRuns = 0;
  const listCap = options.listCap ?? LIST_CAP;
  const api = new GitHubApi({
    env: options.env,
    logger,
    ...(options.msPerSecond !== undefined ? { msPerSecond: options.msPerSecond } : {}),
    ...(options.reserve !== undefined ? { reserve: options.reserve } : {}),
    ...(options.beforeRequest ? { beforeRequest: options.beforeRequest } : {}),
    progress: () =>
      `runs ${fmt(stats.runsListed)}/${fmt(totalRuns)}, jobs ${fmt(stats.jobs)}, artifacts ${fmt(stats.artifacts)}`,
  });
  const baseUrl = (options.env['GITHUB_API_URL'] || 'https://api.github.com').replace(/\/+$/, '');
  const cache: EtagCache = {
    get: (u) => store.cachedResponse(u),
    put: (u, e, b) => store.cacheResponse(u, e, b),
  };
  const stateKey = `cursor:${options.workflow ?? '*'}`;
  const now = Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const cursorText = await store.getState(repository, stateKey);
  const lookback = (options.lookbackDays ?? 3) * 86400;
  // From the start of the day: later syncs ask the same question again, so GitHub can answer 304.
  const from = cursorText
    ? Math.floor((Date.parse(cursorText) / 1000 - lookback) / 86400) * 86400
    : Math.floor((options.since ?? new Date((now - 90 * 86400) * 1000)).getTime() / 1000);
  if (!cursorText && now - from > RESULTS_RETENTION_DAYS * 86400) {
    logger.info(
      `first sync from ${iso(from)}: runs and jobs go back that far, but test outcomes only as far as ` +
        `results artifacts are kept (${RESULTS_RETENTION_DAYS} days); older runs are recorded with expired results`,
    );
  }
  const listPath = options.workflow
    ? `/repos/${owner}/${repo}/actions/workflows/${encodeURIComponent(options.workflow)}/runs`
    : `/repos/${owner}/${repo}/actions/runs`;
  // A range that reaches now is asked open-ended (created>=A): the same URL on the next sync.
  const listUrl = (a: number, b: number, page: number): string =>
    `${listPath}?created=${encodeURIComponent(b >= now ? `>=${iso(a)}` : `${iso(a)}..${iso(b)}`)}&per_page=${PER_PAGE}&page=${page}`;

  type RunList = { total_count: number; workflow_runs: GhRun[] };
  /** Every run created in [a, b], oldest first, splitting the range while it holds more than the cap. */
  async function listRange(a: number, b: number, first?: RunList, firstLink?: string): Promise<GhRun[]> {
    let page = first;
    let link = firstLink;
    if (!page) ({ data: page, link } = await api.getJson<RunList>(listUrl(a, b, 1), cache));
    if (page.total_count > listCap && b > a) {
      const mid = a + Math.floor((b - a) / 2);
      return [...(await listRange(a, mid)), ...(await listRange(mid + 1, b))];
    }
    const runs = [...page.workflow_runs];
    for (let next = nextLink(link, baseUrl); next;) {
      const { data, link: l } = await api.getJson<RunList>(next, cache);
      runs.push(...data.workflow_runs);
      next = nextLink(l, baseUrl);
    }
    if (page.total_count > listCap) {
      logger.warning(
        `more than ${listCap} runs created within one second at ${iso(a)}: only ${runs.length} listed`,
      );
    }
    return runs.sort(
      (x, y) => Date.parse(x.created_at) - Date.parse(y.created_at) || Number(x.id) - Number(y.id),
    );
  }

  const { data: whole, link: wholeLink } = await api.getJson<RunList>(listUrl(from, now, 1), cache);
  totalRuns = whole.total_count;
  logger.info(
    `${repository}: ${fmt(totalRuns)} runs created ${iso(from)}..${iso(now)}${cursorText ? ` (cursor ${cursorText}, looking back ${lookback / 86400} days)` : ''}`,
  );

  // Windows oldest first, each listed and then written before the next is listed, so the cursor
  // keeps up with what is written.
  const windows: [number, number][] = [];
  if (whole.total_count > listCap) {
    const span = now - from;
    const parts = Math.ceil(whole.total_count / (listCap * 0.8));
    for (let i = 0; i < parts; i++) {
      const a = from + Math.floor((span * i) / parts) + (i === 0 ? 0 : 1);
      windows.push([a, from + Math.floor((span * (i + 1)) / parts)]);
    }
  } else {
    windows.push([from, now]);
  }
  let advancing = true;
  let lastProgress = Date.now();
  for (const [a, b] of windows) {
    const runs = windows.length === 1 ? await listRange(a, b, whole, wholeLink) : await listRange(a, b);
    for (const run of runs) {
      stats.runsListed++;
      const written = await syncRun(run);
      if (!written) stats.runsUnchanged++;
      if (advancing && run.status === 'completed') {
        stats.cursor = run.created_at;
        await store.setState(repository, stateKey, run.created_at);
      } else {
        advancing = false; // a run still going: look at it again next time
      }
      if (Date.now() - lastProgress > 5000 || stats.runsListed % 500 === 0) {
        lastProgress = Date.now();
        logger.info(api.progressLine());
      }
    }
  }

  async function syncRun(run: GhRun): Promise<boolean> {
    const known = await store.knownRun(Number(run.id));
    const updated = Math.floor(Date.parse(run.updated_at) / 1000);
    if (
      known &&
      known.status === 'completed' &&
      known.updatedAt === updated &&
      known.runAttempt === (run.run_attempt ?? 1)
    ) {
      return false;
    }
    const jobs: GhJob[] = [];
    for (
      let url: string | undefined =
        `/repos/${owner}/${repo}/actions/runs/${run.id}/jobs?filter=all&per_page=${PER_PAGE}`;
      url;
    ) {
      const { data, link } = await api.getJson<{ jobs: GhJob[] }>(url);
      jobs.push(...data.jobs);
      url = nextLink(link, baseUrl);
    }
    stats.jobs += jobs.length;
    const artifacts: GhArtifact[] = [];
    for (
      let url: string | undefined =
        `/repos/${owner}/${repo}/actions/runs/${run.id}/artifacts?per_page=${PER_PAGE}`;
      url;
    ) {
      const { data, link } = await api.getJson<{ artifacts: GhArtifact[] }>(url);
      artifacts.push(...data.artifacts);
      url = nextLink(link, baseUrl);
    }
    const collected = await collectResults(run, jobs, artifacts);
    stats.artifacts += collected.records.filter((r) => r.state !== 'skipped').length;
    stats.results[collected.state]++;
    if (collected.state === 'expired') stats.expiredRuns++;
    const record = toRunRecord(
      repository,
      run,
      jobs,
      collected.byJob,
      collected.state,
      collected.records,
      collected.detail,
    );
    await store.ingestRun(record);
    stats.runsWritten++;
    return true;
  }

  async function collectResults(
    run: GhRun,
    jobs: GhJob[],
    artifacts: GhArtifact[],
  ): Promise<{
    byJob: Map<number, ParsedResults>;
    state: ResultsState;
    records: ArtifactRecord[];
    detail?: string;
  }> {
    const byJob = new Map<number, ParsedResults>();
    const records: ArtifactRecord[] = [];
    const bundles = artifacts.filter((a) => a.name.startsWith(RESULTS_BUNDLE_ARTIFACT));
    const perJob = artifacts.filter((a) => a.name.startsWith(RESULTS_ARTIFACT_PREFIX));
    // The bundle when there is a readable one; per-job artifacts otherwise.
    const liveBundles = bundles.filter((a) => !a.expired);
    const useBundles = liveBundles.length > 0 || perJob.length === 0;
    const chosen = useBundles ? bundles : perJob;
    const via: ResultsState = useBundles ? 'bundle' : 'per-job';
    for (const a of artifacts) {
      if (!chosen.includes(a)) records.push({ artifactId: Number(a.id), name: a.name, state: 'skipped' });
    }
    if (run.status !== 'completed') return { byJob, state: 'none', records };
    if (chosen.length === 0) {
      const hasTests = jobs.some((j) => /\S+ on \S+ with \S+$/.test(j.name));
      return { byJob, state: hasTests ? 'missing' : 'none', records };
    }
    const problems: string[] = [];
    let unknown = 0;
    for (const artifact of chosen) {
      if (artifact.expired) {
        records.push({ artifactId: Number(artifact.id), name: artifact.name, state: 'expired' });
        continue;
      }
      let zip: Uint8Array | undefined;
      let files;
      for (let attempt = 0; attempt < 2 && !files; attempt++) {
        try {
          zip = await api.downloadArtifact(owner!, repo!, Number(artifact.id));
          files = readResultsZip(zip, artifact.name);
        } catch (err) {
          const status = (err as { status?: number }).status;
          if (status === 410 || status === 404) break; // expired between the list and the download
          if (!(err instanceof ZipError) && status === undefined) throw err;
          // A truncated zip or an expired storage link: ask GitHub for a fresh link once.
          if (attempt === 1) problems.push(err instanceof Error ? err.message : String(err));
        }
      }
      if (!files) {
        const gone = problems.length === 0;
        records.push({
          artifactId: Number(artifact.id),
          name: artifact.name,
          state: gone ? 'expired' : 'invalid',
          ...(gone ? {} : { detail: problems.at(-1)! }),
        });
        continue;
      }
      let state: ArtifactRecord['state'] = 'ok';
      const details: string[] = [];
      for (const f of files) {
        if (f.state !== 'ok') {
          if (f.state === 'unknown-schema') unknown++;
          state = f.state;
          details.push(f.detail);
          continue;
        }
        const job = matchJob(f.parsed, jobs, run.run_attempt ?? 1);
        if (!job) {
          details.push(
            `${artifact.name}:${f.path}: no job of this run is named ${JSON.stringify(f.parsed.run.context.job ?? '')}`,
          );
          if (state === 'ok') state = 'unmatched';
          continue;
        }
        byJob.set(Number(job.id), f.parsed);
      }
      if (files.length === 0) {
        state = 'invalid';
        details.push(`${artifact.name}: no results.json inside`);
      }
      problems.push(...details);
      records.push({
        artifactId: Number(artifact.id),
        name: artifact.name,
        state,
        ...(details.length ? { detail: details.join('\n') } : {}),
      });
    }
    let state: ResultsState = via;
    if (byJob.size === 0) {
      if (
        records.some((r) => r.state === 'expired') &&
        !records.some((r) => r.state === 'invalid' || r.state === 'unknown-schema')
      )
        state = 'expired';
      else state = unknown > 0 ? 'unknown-schema' : 'invalid';
    }
    if (state !== via && problems.length) logger.warning(`run ${run.id}: results ${state}: ${problems[0]}`);
    return {
      byJob,
      state,
      records,
      ...(problems.length ? { detail: problems.join('\n').slice(0, 2000) } : {}),
    };
  }

  stats.requests = api.requests;
  stats.notModified = api.notModified;
  logger.info(
    `synced ${repository}: ${fmt(stats.runsListed)} runs (${fmt(stats.runsWritten)} written, ${fmt(stats.runsUnchanged)} unchanged), ` +
      `${fmt(stats.jobs)} jobs, ${fmt(stats.artifacts)} artifacts, ${fmt(api.requests)} requests (${fmt(api.notModified)} answered 304), ` +
      `${api.remaining === undefined ? 'rate limit unknown' : `${fmt(api.remaining)} requests left`}`,
  );
  if (stats.expiredRuns > 0) {
    logger.info(
      `${fmt(stats.expiredRuns)} runs have expired results artifacts (GitHub keeps them ${RESULTS_RETENTION_DAYS} days): ` +
        'their runs and jobs are stored, their test outcomes are not',
    );
  }
  return stats;
}

/** The job a results.json belongs to: by the job name in its context, in its attempt. */
function matchJob(parsed: ParsedResults, jobs: GhJob[], latestAttempt: number): GhJob | undefined {
  const ctx = parsed.run.context;
  const attempt = ctx.runAttempt ?? latestAttempt;
  const inAttempt = jobs.filter((j) => (j.run_attempt ?? 1) === attempt);
  if (ctx.job) {
    const byName = inAttempt.find((j) => j.name === ctx.job || j.name.endsWith(` / ${ctx.job}`));
    if (byName) return byName;
  }
  if (ctx.runner && ctx.arch && ctx.toolchain) {
    const name = `${ctx.runner} on ${ctx.arch} with ${ctx.toolchain}`;
    return inAttempt.find((j) => j.name === name || j.name.endsWith(` / ${name}`));
  }
  return undefined;
}
