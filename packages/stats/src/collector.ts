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
import {
  RESULTS_ARTIFACT_PREFIX,
  RESULTS_BUNDLE_ARTIFACT,
  ZipError,
  readResultsZip,
  type ResultsFile,
} from './results.ts';
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

type RunList = { total_count: number; workflow_runs: GhRun[] };

/** One sync's state: what it talks to, where its cursor is, and the counts it reports. */
interface SyncContext {
  owner: string;
  repo: string;
  repository: string;
  store: Store;
  logger: Logger;
  api: GitHubApi;
  cache: EtagCache;
  baseUrl: string;
  /** The runs list of the repository or of one workflow. */
  listPath: string;
  listCap: number;
  /** Epoch seconds the sync started. */
  now: number;
  /** The sync_state key of this workflow's cursor. */
  cursorKey: string;
  /** True while every run listed so far is finished, so the cursor may move past it. */
  advancing: boolean;
  /** Runs created in the whole range, for the progress line. */
  totalRuns: number;
  /** Date.now() of the last progress line. */
  lastProgress: number;
  stats: SyncStats;
}

/** What was read of one run's results artifacts. */
interface CollectedResults {
  byJob: Map<number, ParsedResults>;
  state: ResultsState;
  records: ArtifactRecord[];
  detail?: string;
}

export async function sync(options: SyncOptions): Promise<SyncStats> {
  const ctx = startSync(options);
  const { logger, repository, now } = ctx;
  const cursorText = await ctx.store.getState(repository, ctx.cursorKey);
  const lookback = (options.lookbackDays ?? 3) * 86400;
  const from = syncFrom(cursorText, lookback, now, options.since);
  if (!cursorText && now - from > RESULTS_RETENTION_DAYS * 86400) {
    logger.info(
      `first sync from ${iso(from)}: runs and jobs go back that far, but test outcomes only as far as ` +
        `results artifacts are kept (${RESULTS_RETENTION_DAYS} days); older runs are recorded with expired results`,
    );
  }
  const { data: whole, link: wholeLink } = await ctx.api.getJson<RunList>(
    listUrl(ctx, from, now, 1),
    ctx.cache,
  );
  ctx.totalRuns = whole.total_count;
  logger.info(
    `${repository}: ${fmt(ctx.totalRuns)} runs created ${iso(from)}..${iso(now)}${cursorText ? ` (cursor ${cursorText}, looking back ${lookback / 86400} days)` : ''}`,
  );
  // Windows oldest first, each listed and then written before the next is listed, so the cursor
  // keeps up with what is written.
  const windows = listWindows(from, now, whole.total_count, ctx.listCap);
  for (const [a, b] of windows) {
    const runs =
      windows.length === 1 ? await listRange(ctx, a, b, whole, wholeLink) : await listRange(ctx, a, b);
    for (const run of runs) await syncListedRun(ctx, run);
  }
  ctx.stats.requests = ctx.api.requests;
  ctx.stats.notModified = ctx.api.notModified;
  logTotals(ctx);
  return ctx.stats;
}

function startSync(options: SyncOptions): SyncContext {
  const { store, logger, repository } = options;
  const [owner, repo] = repository.split('/');
  if (!owner || !repo) throw new Error(`--repository must be OWNER/NAME, got ${JSON.stringify(repository)}`);
  const ctx: SyncContext = {
    owner,
    repo,
    repository,
    store,
    logger,
    api: new GitHubApi({
      env: options.env,
      logger,
      ...(options.msPerSecond !== undefined ? { msPerSecond: options.msPerSecond } : {}),
      ...(options.reserve !== undefined ? { reserve: options.reserve } : {}),
      ...(options.beforeRequest ? { beforeRequest: options.beforeRequest } : {}),
      progress: () =>
        `runs ${fmt(ctx.stats.runsListed)}/${fmt(ctx.totalRuns)}, jobs ${fmt(ctx.stats.jobs)}, artifacts ${fmt(ctx.stats.artifacts)}`,
    }),
    cache: {
      get: (u) => store.cachedResponse(u),
      put: (u, e, b) => store.cacheResponse(u, e, b),
    },
    baseUrl: (options.env['GITHUB_API_URL'] || 'https://api.github.com').replace(/\/+$/, ''),
    listPath: options.workflow
      ? `/repos/${owner}/${repo}/actions/workflows/${encodeURIComponent(options.workflow)}/runs`
      : `/repos/${owner}/${repo}/actions/runs`,
    listCap: options.listCap ?? LIST_CAP,
    now: Math.floor((options.now?.() ?? new Date()).getTime() / 1000),
    cursorKey: `cursor:${options.workflow ?? '*'}`,
    advancing: true,
    totalRuns: 0,
    lastProgress: Date.now(),
    stats: emptyStats(),
  };
  return ctx;
}

function emptyStats(): SyncStats {
  return {
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
}

/**
 * Epoch seconds the sync lists runs from: the cursor less the lookback, from the start of that day
 * (later syncs ask the same question again, so GitHub can answer 304); without a cursor, `since`
 * or 90 days ago.
 */
function syncFrom(cursorText: string | undefined, lookback: number, now: number, since?: Date): number {
  return cursorText
    ? Math.floor((Date.parse(cursorText) / 1000 - lookback) / 86400) * 86400
    : Math.floor((since ?? new Date((now - 90 * 86400) * 1000)).getTime() / 1000);
}

/** A range that reaches now is asked open-ended (created>=A): the same URL on the next sync. */
function listUrl(ctx: SyncContext, a: number, b: number, page: number): string {
  const created = b >= ctx.now ? `>=${iso(a)}` : `${iso(a)}..${iso(b)}`;
  return `${ctx.listPath}?created=${encodeURIComponent(created)}&per_page=${PER_PAGE}&page=${page}`;
}

/**
 * [from, now] in equal created ranges, oldest first, each expected to hold at most 80% of what one
 * list query answers; one range when `total` runs fit in one.
 */
function listWindows(from: number, now: number, total: number, listCap: number): [number, number][] {
  if (total <= listCap) return [[from, now]];
  const windows: [number, number][] = [];
  const span = now - from;
  const parts = Math.ceil(total / (listCap * 0.8));
  for (let i = 0; i < parts; i++) {
    const a = from + Math.floor((span * i) / parts) + (i === 0 ? 0 : 1);
    windows.push([a, from + Math.floor((span * (i + 1)) / parts)]);
  }
  return windows;
}

/** Every run created in [a, b], oldest first, splitting the range while it holds more than the cap. */
async function listRange(
  ctx: SyncContext,
  a: number,
  b: number,
  first?: RunList,
  firstLink?: string,
): Promise<GhRun[]> {
  let page = first;
  let link = firstLink;
  if (!page) ({ data: page, link } = await ctx.api.getJson<RunList>(listUrl(ctx, a, b, 1), ctx.cache));
  if (page.total_count > ctx.listCap && b > a) {
    const mid = a + Math.floor((b - a) / 2);
    return [...(await listRange(ctx, a, mid)), ...(await listRange(ctx, mid + 1, b))];
  }
  const runs = [...page.workflow_runs];
  for (let next = nextLink(link, ctx.baseUrl); next;) {
    const { data, link: l } = await ctx.api.getJson<RunList>(next, ctx.cache);
    runs.push(...data.workflow_runs);
    next = nextLink(l, ctx.baseUrl);
  }
  if (page.total_count > ctx.listCap) {
    ctx.logger.warning(
      `more than ${ctx.listCap} runs created within one second at ${iso(a)}: only ${runs.length} listed`,
    );
  }
  return runs.sort(
    (x, y) => Date.parse(x.created_at) - Date.parse(y.created_at) || Number(x.id) - Number(y.id),
  );
}

/** Sync one listed run, then move the cursor past it while every run so far is finished. */
async function syncListedRun(ctx: SyncContext, run: GhRun): Promise<void> {
  const { stats } = ctx;
  stats.runsListed++;
  const written = await syncRun(ctx, run);
  if (!written) stats.runsUnchanged++;
  if (ctx.advancing && run.status === 'completed') {
    stats.cursor = run.created_at;
    await ctx.store.setState(ctx.repository, ctx.cursorKey, run.created_at);
  } else {
    ctx.advancing = false; // a run still going: look at it again next time
  }
  if (Date.now() - ctx.lastProgress > 5000 || stats.runsListed % 500 === 0) {
    ctx.lastProgress = Date.now();
    ctx.logger.info(ctx.api.progressLine());
  }
}

/** True when the store has this run finished, at the same update and attempt: nothing to fetch. */
function runUnchanged(known: Awaited<ReturnType<Store['knownRun']>>, run: GhRun): boolean {
  return (
    known !== undefined &&
    known.status === 'completed' &&
    known.updatedAt === Math.floor(Date.parse(run.updated_at) / 1000) &&
    known.runAttempt === (run.run_attempt ?? 1)
  );
}

/** Fetch and store one run with its jobs and results; false when it has not changed. */
async function syncRun(ctx: SyncContext, run: GhRun): Promise<boolean> {
  const { stats } = ctx;
  if (runUnchanged(await ctx.store.knownRun(Number(run.id)), run)) return false;
  const runPath = `/repos/${ctx.owner}/${ctx.repo}/actions/runs/${run.id}`;
  const jobs = await allPages(
    ctx,
    `${runPath}/jobs?filter=all&per_page=${PER_PAGE}`,
    (d: { jobs: GhJob[] }) => d.jobs,
  );
  stats.jobs += jobs.length;
  const artifacts = await allPages(
    ctx,
    `${runPath}/artifacts?per_page=${PER_PAGE}`,
    (d: { artifacts: GhArtifact[] }) => d.artifacts,
  );
  const collected = await collectResults(ctx, run, jobs, artifacts);
  stats.artifacts += collected.records.filter((r) => r.state !== 'skipped').length;
  stats.results[collected.state]++;
  if (collected.state === 'expired') stats.expiredRuns++;
  const record = toRunRecord(
    ctx.repository,
    run,
    jobs,
    collected.byJob,
    collected.state,
    collected.records,
    collected.detail,
  );
  await ctx.store.ingestRun(record);
  stats.runsWritten++;
  return true;
}

/** The items of every page of a list, following the Link header from `url`. */
async function allPages<Page, Item>(
  ctx: SyncContext,
  url: string,
  items: (page: Page) => Item[],
): Promise<Item[]> {
  const all: Item[] = [];
  for (let next: string | undefined = url; next;) {
    const { data, link } = await ctx.api.getJson<Page>(next);
    all.push(...items(data));
    next = nextLink(link, ctx.baseUrl);
  }
  return all;
}

/**
 * The artifacts to read: the bundles when there is a readable one, the per-job artifacts
 * otherwise; every other artifact is recorded as skipped.
 */
function chooseArtifacts(artifacts: GhArtifact[]): {
  chosen: GhArtifact[];
  via: ResultsState;
  skipped: ArtifactRecord[];
} {
  const bundles = artifacts.filter((a) => a.name.startsWith(RESULTS_BUNDLE_ARTIFACT));
  const perJob = artifacts.filter((a) => a.name.startsWith(RESULTS_ARTIFACT_PREFIX));
  const liveBundles = bundles.filter((a) => !a.expired);
  const useBundles = liveBundles.length > 0 || perJob.length === 0;
  const chosen = useBundles ? bundles : perJob;
  const skipped: ArtifactRecord[] = artifacts
    .filter((a) => !chosen.includes(a))
    .map((a) => ({ artifactId: Number(a.id), name: a.name, state: 'skipped' }));
  return { chosen, via: useBundles ? 'bundle' : 'per-job', skipped };
}

async function collectResults(
  ctx: SyncContext,
  run: GhRun,
  jobs: GhJob[],
  artifacts: GhArtifact[],
): Promise<CollectedResults> {
  const byJob = new Map<number, ParsedResults>();
  const { chosen, via, skipped: records } = chooseArtifacts(artifacts);
  if (run.status !== 'completed') return { byJob, state: 'none', records };
  if (chosen.length === 0) {
    const hasTests = jobs.some((j) => /\S+ on \S+ with \S+$/.test(j.name));
    return { byJob, state: hasTests ? 'missing' : 'none', records };
  }
  const problems: string[] = [];
  let unknown = 0;
  for (const artifact of chosen) {
    const read = await readArtifact(ctx, artifact, jobs, run.run_attempt ?? 1);
    for (const [jobId, parsed] of read.byJob) byJob.set(jobId, parsed);
    unknown += read.unknown;
    problems.push(...read.details);
    records.push(read.record);
  }
  const state = resultsState(via, byJob.size, records, unknown);
  if (state !== via && problems.length) ctx.logger.warning(`run ${run.id}: results ${state}: ${problems[0]}`);
  return {
    byJob,
    state,
    records,
    ...(problems.length ? { detail: problems.join('\n').slice(0, 2000) } : {}),
  };
}

/** What was read of one artifact: its record, the results matched to jobs, and the problems. */
interface ArtifactRead {
  byJob: Map<number, ParsedResults>;
  /** Files of a newer schemaVersion than this bpf-ci reads. */
  unknown: number;
  details: string[];
  record: ArtifactRecord;
}

/** One chosen artifact: expired (listed so, or gone at the download), unreadable, or its files read. */
async function readArtifact(
  ctx: SyncContext,
  artifact: GhArtifact,
  jobs: GhJob[],
  latestAttempt: number,
): Promise<ArtifactRead> {
  const nothing = { byJob: new Map<number, ParsedResults>(), unknown: 0 };
  const expired: ArtifactRead = {
    ...nothing,
    details: [],
    record: { artifactId: Number(artifact.id), name: artifact.name, state: 'expired' },
  };
  if (artifact.expired) return expired;
  const download = await downloadResults(ctx, artifact);
  if ('gone' in download) return expired;
  if ('problem' in download) {
    return {
      ...nothing,
      details: [download.problem],
      record: {
        artifactId: Number(artifact.id),
        name: artifact.name,
        state: 'invalid',
        detail: download.problem,
      },
    };
  }
  return readArtifactFiles(artifact, download.files, jobs, latestAttempt);
}

/**
 * An artifact's results files; gone when GitHub answers 404 or 410 (it expired between the list
 * and the download); the message of the second failure to read it otherwise.
 */
async function downloadResults(
  ctx: SyncContext,
  artifact: GhArtifact,
): Promise<{ files: ResultsFile[] } | { gone: true } | { problem: string }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const zip = await ctx.api.downloadArtifact(ctx.owner, ctx.repo, Number(artifact.id));
      return { files: readResultsZip(zip, artifact.name) };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 410 || status === 404) return { gone: true };
      if (!(err instanceof ZipError) && status === undefined) throw err;
      // A truncated zip or an expired storage link: ask GitHub for a fresh link once.
      if (attempt === 1) return { problem: err instanceof Error ? err.message : String(err) };
    }
  }
}

/** The results of one downloaded artifact, each file matched to its job, and the artifact's record. */
function readArtifactFiles(
  artifact: GhArtifact,
  files: ResultsFile[],
  jobs: GhJob[],
  latestAttempt: number,
): ArtifactRead {
  const byJob = new Map<number, ParsedResults>();
  let unknown = 0;
  let state: ArtifactRecord['state'] = 'ok';
  const details: string[] = [];
  for (const f of files) {
    if (f.state !== 'ok') {
      if (f.state === 'unknown-schema') unknown++;
      state = f.state;
      details.push(f.detail);
      continue;
    }
    const job = matchJob(f.parsed, jobs, latestAttempt);
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
  const record: ArtifactRecord = {
    artifactId: Number(artifact.id),
    name: artifact.name,
    state,
    ...(details.length ? { detail: details.join('\n') } : {}),
  };
  return { byJob, unknown, details, record };
}

/**
 * A run's results state: how its results were read when any job got some; otherwise expired when
 * only expiry stood in the way, else why they were unreadable.
 */
function resultsState(
  via: ResultsState,
  jobsWithResults: number,
  records: ArtifactRecord[],
  unknownSchema: number,
): ResultsState {
  if (jobsWithResults > 0) return via;
  if (
    records.some((r) => r.state === 'expired') &&
    !records.some((r) => r.state === 'invalid' || r.state === 'unknown-schema')
  )
    return 'expired';
  return unknownSchema > 0 ? 'unknown-schema' : 'invalid';
}

function logTotals(ctx: SyncContext): void {
  const { stats, api, logger } = ctx;
  logger.info(
    `synced ${ctx.repository}: ${fmt(stats.runsListed)} runs (${fmt(stats.runsWritten)} written, ${fmt(stats.runsUnchanged)} unchanged), ` +
      `${fmt(stats.jobs)} jobs, ${fmt(stats.artifacts)} artifacts, ${fmt(api.requests)} requests (${fmt(api.notModified)} answered 304), ` +
      `${api.remaining === undefined ? 'rate limit unknown' : `${fmt(api.remaining)} requests left`}`,
  );
  if (stats.expiredRuns > 0) {
    logger.info(
      `${fmt(stats.expiredRuns)} runs have expired results artifacts (GitHub keeps them ${RESULTS_RETENTION_DAYS} days): ` +
        'their runs and jobs are stored, their test outcomes are not',
    );
  }
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
