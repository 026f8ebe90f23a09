// A stand-in for GitHub's REST API on 127.0.0.1, serving a generated history in GitHub's exact
// shapes (typed against @octokit/openapi-types): workflow runs with the 1,000-result cap and Link
// pagination, jobs with filter=all, artifacts whose zips sit behind a short-lived redirect, ETags
// and 304s, x-ratelimit-* headers and the primary limit, and faults on request: secondary rate
// limits (403 + retry-after), 429, 5xx and bodies cut short.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import type { AddressInfo } from 'node:net';
import { zipSync } from 'fflate';
import type { components } from '@octokit/openapi-types';
import type { BinaryResult, TestCase } from '@bpf-ci/model';
import { RESULTS_BUNDLE_ARTIFACT, type GenJob, type GenRun } from '@bpf-ci/stats';
import { coverageOf } from './stats-truth.ts';

type S = components['schemas'];
export type ServedRun = Pick<
  S['workflow-run'],
  | 'id'
  | 'name'
  | 'node_id'
  | 'head_branch'
  | 'head_sha'
  | 'path'
  | 'display_title'
  | 'run_number'
  | 'run_attempt'
  | 'event'
  | 'status'
  | 'conclusion'
  | 'workflow_id'
  | 'url'
  | 'html_url'
  | 'pull_requests'
  | 'created_at'
  | 'updated_at'
  | 'run_started_at'
  | 'jobs_url'
  | 'artifacts_url'
>;
export type ServedJob = Pick<
  S['job'],
  | 'id'
  | 'run_id'
  | 'run_url'
  | 'node_id'
  | 'head_sha'
  | 'url'
  | 'html_url'
  | 'status'
  | 'conclusion'
  | 'created_at'
  | 'started_at'
  | 'completed_at'
  | 'name'
  | 'steps'
  | 'check_run_url'
  | 'labels'
  | 'runner_id'
  | 'runner_name'
  | 'runner_group_id'
  | 'runner_group_name'
  | 'run_attempt'
  | 'workflow_name'
  | 'head_branch'
>;
export type ServedArtifact = Pick<
  S['artifact'],
  | 'id'
  | 'node_id'
  | 'name'
  | 'size_in_bytes'
  | 'url'
  | 'archive_download_url'
  | 'expired'
  | 'created_at'
  | 'expires_at'
  | 'updated_at'
>;

export type Fault = 'secondary' | '429' | '500' | '502' | 'truncate';

export interface ServerOptions {
  owner?: string;
  repo?: string;
  /** Requests per window (GitHub: 5,000 for a user, 1,000 for a workflow's GITHUB_TOKEN per hour). */
  limit?: number;
  /** Window length in "seconds" as reported in x-ratelimit-reset. */
  windowSeconds?: number;
  /** Real milliseconds per reported second (1000 in life; small in tests). */
  msPerSecond?: number;
  /** Results a filtered list query reaches (GitHub: 1,000). */
  cap?: number;
  /** A fault for the n-th API request (1-based), if any. */
  fault?: (n: number, path: string) => Fault | undefined;
  /** Storage links expire after this many ms; the first link of these artifact ids is already expired. */
  expiredLinkFor?: Set<number>;
  /** Blob downloads of these artifact ids are cut short the first time. */
  truncatedBlobFor?: Set<number>;
  /** These artifact ids are listed live but answer 410 to a download: expired in between. */
  goneAtDownloadFor?: Set<number>;
  /** Blob downloads of these artifact ids are never a zip. */
  notZipFor?: Set<number>;
  /** When set, every API request must carry this token (401 Bad credentials otherwise). */
  token?: string;
}

/** A run given whole by a test (not generated): its jobs and its artifacts' zips. */
export interface GivenRun {
  id: number;
  headSha: string;
  /** The workflow's name and file (kernel-ci, .github/workflows/kernel-ci.yml by default). */
  workflowName?: string;
  path?: string;
  attempt?: number;
  jobs: {
    id: number;
    name: string;
    conclusion: 'success' | 'failure' | null;
    status?: 'completed' | 'in_progress';
  }[];
  artifacts: { name: string; zip: () => Uint8Array; expired?: boolean }[];
}

const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

function statusOf(test: { status: string }): TestCase['status'] {
  return test.status as TestCase['status'];
}

/** The results.json the vmtest-runner and result-parser would have written for a generated job. */
export function resultsJsonFor(job: GenJob, schemaVersion = 1): Record<string, unknown> {
  const r = job.results!;
  const exceptions = new Map(r.exceptions.map((e) => [e.name, e]));
  const skipped = new Set(r.skipped.map((s) => s.name));
  const tests: TestCase[] = [];
  const byName = new Map<string, TestCase>();
  for (const ref of r.reported) {
    const e = exceptions.get(ref.name);
    const status = e ? statusOf(e) : skipped.has(ref.name) ? 'skip' : 'pass';
    const slash = ref.name.indexOf('/');
    const name = slash > 0 ? ref.name.slice(slash + 1) : ref.name;
    const numbers = ref.number.split('/');
    const tc: TestCase = {
      number: Number(numbers.at(-1)),
      name,
      status,
      log: [],
      assertions: [],
      subtests: [],
      attempts: [],
    };
    if (e?.flaky) tc.flaky = true;
    if (e && e.attempts > 1)
      tc.attempts = Array.from({ length: e.attempts - 1 }, () => ({
        status: 'fail' as const,
        log: [],
        assertions: [],
      }));
    if (slash > 0) byName.get(ref.name.slice(0, slash))!.subtests.push(tc);
    else {
      tests.push(tc);
      byName.set(ref.name, tc);
    }
  }
  const failed = tests.filter((t) => t.status === 'fail').length;
  const coverage = coverageOf(job);
  const binary: BinaryResult = {
    binary: job.runner,
    parsedCounts: {
      passed: tests.filter((t) => t.status === 'pass').length,
      skipped: tests.filter((t) => t.status === 'skip').length,
      failed,
    },
    complete: r.incompleteReasons.length === 0,
    incompleteReasons: r.incompleteReasons,
    tests,
    events: [],
    notes: [],
  };
  return {
    schemaVersion,
    context: {
      arch: job.arch,
      toolchain: job.toolchain,
      runner: job.runner,
      job: job.name,
      runId: String(job.runId),
      runAttempt: job.attempt,
      accelerator: job.arch === 'x86_64' ? 'kvm' : 'tcg',
    },
    binaries: [binary],
    events: [],
    sources: [`${job.runner}.log`],
    ...(coverage ? { coverage } : {}),
  };
}

/** A folder as upload-artifact zips it: every file under its path relative to the folder. */
export function zipFolder(dir: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files[relative(dir, p)] = readFileSync(p);
    }
  };
  walk(dir);
  return zipSync(files);
}

interface ArtifactEntry {
  artifact: ServedArtifact;
  zip: () => Uint8Array;
}

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  private server: Server | undefined;
  baseUrl = '';
  /** API requests answered, 304s included; blob downloads are not API requests. */
  requests = 0;
  notModified = 0;
  counted = 0;
  readonly log: string[] = [];
  private remaining: number;
  private windowEnds = 0;
  private readonly artifacts = new Map<number, ArtifactEntry>();
  private readonly runArtifacts = new Map<number, number[]>();
  private readonly runs: GenRun[];
  private readonly options: ServerOptions;
  private readonly blobsServed = new Set<number>();
  private readonly givenRuns = new Map<number, GivenRun>();
  private nextGivenArtifact = 8_000_000;

  constructor(runs: GenRun[], options: ServerOptions = {}) {
    this.runs = [...runs].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    this.options = options;
    this.owner = options.owner ?? 'kernel-patches';
    this.repo = options.repo ?? 'bpf';
    this.remaining = options.limit ?? 5000;
    let nextArtifact = 9_000_000;
    for (const run of runs) {
      const ids: number[] = [];
      const add = (name: string, expired: boolean, zip: () => Uint8Array): void => {
        const id = nextArtifact++;
        ids.push(id);
        this.artifacts.set(id, {
          artifact: {
            id,
            node_id: `A_${id}`,
            name,
            size_in_bytes: 1000,
            url: '',
            archive_download_url: '',
            expired,
            created_at: iso(run.updatedAt),
            updated_at: iso(run.updatedAt),
            expires_at: iso(run.updatedAt + 14 * 86400),
          },
          zip,
        });
      };
      add(`kernel-${run.id}`, run.artifacts === 'expired', () =>
        zipSync({ 'vmlinux.txt': new TextEncoder().encode('not results') }),
      );
      const testJobs = run.jobs.filter((j) => j.results);
      const files = (jobs: GenJob[], version: number): Record<string, Uint8Array> =>
        Object.fromEntries(
          jobs.map((j) => [
            `${j.name.replace(/\W+/g, '-')}-${j.attempt}/results.json`,
            new TextEncoder().encode(JSON.stringify(resultsJsonFor(j, version))),
          ]),
        );
      if (run.artifacts === 'bundle' || run.artifacts === 'expired') {
        for (let attempt = 1; attempt <= run.attempts; attempt++) {
          const inAttempt = testJobs.filter((j) => j.attempt === attempt);
          if (inAttempt.length)
            add(
              attempt === 1 ? RESULTS_BUNDLE_ARTIFACT : `${RESULTS_BUNDLE_ARTIFACT}-attempt-${attempt}`,
              run.artifacts === 'expired',
              () => zipSync(files(inAttempt, 1)),
            );
        }
      } else if (run.artifacts === 'per-job') {
        for (const j of testJobs)
          add(`results-${j.runner}-${j.arch}-${j.toolchain}-${j.attempt}`, false, () =>
            zipSync({
              ...files([j], 1),
              'vmtest/console.log': new TextEncoder().encode('[    0.000000] Linux version'),
            }),
          );
      } else if (run.artifacts === 'invalid') {
        add(RESULTS_BUNDLE_ARTIFACT, false, () =>
          zipSync({ 'x/results.json': new TextEncoder().encode('{"schemaVersion": 1, "context": ') }),
        );
      } else if (run.artifacts === 'unknown-schema') {
        add(RESULTS_BUNDLE_ARTIFACT, false, () => zipSync(files(testJobs, 2)));
      }
      this.runArtifacts.set(run.id, ids);
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      try {
        this.handle(req, res);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: String(err) }));
      }
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private rateHeaders(): Record<string, string> {
    const limit = this.options.limit ?? 5000;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(this.remaining),
      'x-ratelimit-used': String(limit - this.remaining),
      'x-ratelimit-reset': String(Math.ceil(this.windowEnds / 1000 + 0)),
      'x-ratelimit-resource': 'core',
    };
  }

  /** The artifacts a run lists, in order: ids and names. */
  artifactsOf(runId: number): { id: number; name: string }[] {
    return (this.runArtifacts.get(runId) ?? []).map((id) => {
      const { artifact } = this.artifacts.get(id)!;
      return { id: artifact.id, name: artifact.name };
    });
  }

  /** Serve a run given whole (its jobs, its artifacts behind the same expiring redirect). */
  addRun(run: GivenRun): Map<string, number> {
    this.givenRuns.set(run.id, run);
    const ids: number[] = [];
    const now = Math.floor(Date.now() / 1000);
    for (const a of run.artifacts) {
      const id = this.nextGivenArtifact++;
      ids.push(id);
      this.artifacts.set(id, {
        artifact: {
          id,
          node_id: `A_${id}`,
          name: a.name,
          size_in_bytes: a.zip().length,
          url: '',
          archive_download_url: '',
          expired: a.expired ?? false,
          created_at: iso(now - 3600),
          updated_at: iso(now - 3600),
          expires_at: iso(a.expired ? now - 60 : now + 14 * 86400),
        },
        zip: a.zip,
      });
    }
    this.runArtifacts.set(run.id, ids);
    return new Map(ids.map((id) => [this.artifacts.get(id)!.artifact.name, id]));
  }

  private givenJob(run: GivenRun, j: GivenRun['jobs'][number]): ServedJob {
    const base = `${this.baseUrl}/repos/${this.owner}/${this.repo}`;
    const t = iso(Math.floor(Date.now() / 1000) - 600);
    return {
      id: j.id,
      run_id: run.id,
      run_url: `${base}/actions/runs/${run.id}`,
      node_id: `CR_${j.id}`,
      head_sha: run.headSha,
      url: `${base}/actions/jobs/${j.id}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${run.id}/job/${j.id}`,
      status: j.status ?? 'completed',
      conclusion: j.conclusion,
      created_at: t,
      started_at: t,
      completed_at: t,
      name: j.name,
      steps: [],
      check_run_url: `${base}/check-runs/${j.id}`,
      labels: ['ubuntu-24.04'],
      runner_id: 7,
      runner_name: 'GitHub Actions 7',
      runner_group_id: 1,
      runner_group_name: 'Default',
      run_attempt: run.attempt ?? 1,
      workflow_name: run.workflowName ?? 'kernel-ci',
      head_branch: 'main',
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const path = url.pathname;
    if (path.startsWith('/_blobs/')) return this.blob(Number(path.slice('/_blobs/'.length)), url, res);
    this.requests++;
    this.log.push(`${req.method} ${url.pathname}${url.search}`);
    // The primary rate limit: a window of `limit` requests, reset `windowSeconds` after it starts.
    const msPerSecond = this.options.msPerSecond ?? 1000;
    const now = Date.now();
    if (now >= this.windowEnds) {
      this.windowEnds = now + (this.options.windowSeconds ?? 3600) * msPerSecond;
      this.remaining = this.options.limit ?? 5000;
    }
    // Reported in seconds as GitHub does; the client waits (reset − now) × its ms-per-second.
    const reportReset = (): string =>
      String(Math.floor(now / 1000) + Math.ceil((this.windowEnds - now) / msPerSecond));
    const fault = this.options.fault?.(this.requests, path);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        ...this.rateHeaders(),
        'x-ratelimit-reset': reportReset(),
        ...headers,
      });
      res.end(text);
    };
    if (fault === 'secondary')
      return json(
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
        { 'retry-after': '2' },
      );
    const auth = req.headers.authorization ?? '';
    if (this.options.token !== undefined && auth.replace(/^(token|bearer) /i, '') !== this.options.token)
      return json(401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    if (fault === '429') return json(429, { message: 'Too many requests' }, { 'retry-after': '1' });
    if (fault === '500' || fault === '502') return json(Number(fault), { message: 'Server Error' });
    if (this.remaining <= 0) {
      return json(
        403,
        {
          message: `API rate limit exceeded for installation ID 1.`,
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        },
        { 'x-ratelimit-remaining': '0' },
      );
    }
    const body = this.route(path, url.searchParams);
    if (!body) return json(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    if ('redirect' in body) {
      this.remaining--;
      this.counted++;
      res.writeHead(302, {
        location: body.redirect,
        ...this.rateHeaders(),
        'x-ratelimit-reset': reportReset(),
      });
      res.end();
      return;
    }
    if ('gone' in body) {
      this.remaining--;
      this.counted++;
      return json(410, {
        message: 'Artifact has expired',
        documentation_url: 'https://docs.github.com/rest/actions/artifacts#download-an-artifact',
      });
    }
    const text = JSON.stringify(body.data);
    const etag = `W/"${createHash('sha1').update(text).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      // Conditional requests answered 304 do not count against the rate limit.
      this.notModified++;
      res.writeHead(304, { etag, ...this.rateHeaders(), 'x-ratelimit-reset': reportReset() });
      res.end();
      return;
    }
    this.remaining--;
    this.counted++;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      etag,
      ...this.rateHeaders(),
      'x-ratelimit-reset': reportReset(),
    };
    if (body.link) headers['link'] = body.link;
    if (fault === 'truncate') {
      headers['content-length'] = String(Buffer.byteLength(text));
      res.writeHead(200, headers);
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    res.writeHead(200, headers);
    res.end(text);
  }

  private page<T>(
    items: T[],
    params: URLSearchParams,
    path: string,
    cap: boolean,
  ): { page: T[]; link?: string } {
    const perPage = Math.min(100, Number(params.get('per_page') ?? 30));
    const page = Math.max(1, Number(params.get('page') ?? 1));
    // Filtered list queries answer at most 1,000 results, whatever total_count says.
    const reachable = cap ? Math.min(items.length, this.options.cap ?? 1000) : items.length;
    const slice =
      (page - 1) * perPage < reachable
        ? items.slice((page - 1) * perPage, Math.min(page * perPage, reachable))
        : [];
    const last = Math.max(1, Math.ceil(reachable / perPage));
    const links: string[] = [];
    const at = (p: number): string => {
      const q = new URLSearchParams(params);
      q.set('page', String(p));
      return `<${this.baseUrl}${path}?${q.toString()}>`;
    };
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
    if (page > 1) links.push(`${at(1)}; rel="first"`, `${at(page - 1)}; rel="prev"`);
    return links.length ? { page: slice, link: links.join(', ') } : { page: slice };
  }

  private route(
    path: string,
    params: URLSearchParams,
  ): { data: unknown; link?: string } | { redirect: string } | { gone: true } | undefined {
    const prefix = `/repos/${this.owner}/${this.repo}/actions`;
    if (!path.startsWith(prefix)) return undefined;
    const rest = path.slice(prefix.length);
    let m: RegExpExecArray | null;
    if (rest === '/runs' || /^\/workflows\/[^/]+\/runs$/.test(rest)) {
      let runs = this.runs;
      const created = params.get('created');
      if (created) {
        // GitHub's date-range syntax: A..B, >=A, <=B.
        const [a, b] = created.startsWith('>=')
          ? [Date.parse(created.slice(2)) / 1000, Infinity]
          : created.startsWith('<=')
            ? [-Infinity, Date.parse(created.slice(2)) / 1000]
            : created.split('..').map((s) => Date.parse(s) / 1000);
        runs = runs.filter((r) => r.createdAt >= a! && r.createdAt <= b!);
      }
      const { page, link } = this.page(runs, params, path, true);
      return {
        data: { total_count: runs.length, workflow_runs: page.map((r) => this.servedRun(r)) } satisfies {
          total_count: number;
          workflow_runs: ServedRun[];
        },
        ...(link ? { link } : {}),
      };
    }
    if ((m = /^\/jobs\/(\d+)$/.exec(rest))) {
      const id = Number(m[1]);
      for (const run of this.givenRuns.values()) {
        const job = run.jobs.find((j) => j.id === id);
        if (job) return { data: this.givenJob(run, job) };
      }
      for (const run of this.runs) {
        const job = run.jobs.find((j) => j.id === id);
        if (job) return { data: this.servedJob(run, job) };
      }
      return undefined;
    }
    if ((m = /^\/runs\/(\d+)(?:\/attempts\/\d+)?\/jobs$/.exec(rest)) && this.givenRuns.has(Number(m[1]))) {
      const run = this.givenRuns.get(Number(m[1]))!;
      const { page, link } = this.page(run.jobs, params, path, false);
      return {
        data: { total_count: run.jobs.length, jobs: page.map((j) => this.givenJob(run, j)) },
        ...(link ? { link } : {}),
      };
    }
    if ((m = /^\/runs\/(\d+)\/jobs$/.exec(rest))) {
      const run = this.runs.find((r) => r.id === Number(m![1]));
      if (!run) return undefined;
      const jobs =
        params.get('filter') === 'all' ? run.jobs : run.jobs.filter((j) => j.attempt === run.attempts);
      const { page, link } = this.page(jobs, params, path, false);
      return {
        data: { total_count: jobs.length, jobs: page.map((j) => this.servedJob(run, j)) },
        ...(link ? { link } : {}),
      };
    }
    if ((m = /^\/runs\/(\d+)\/artifacts$/.exec(rest))) {
      const ids = this.runArtifacts.get(Number(m[1]));
      if (!ids) return undefined;
      const list = ids.map((id) => this.artifacts.get(id)!.artifact);
      const { page, link } = this.page(list, params, path, false);
      return {
        data: {
          total_count: list.length,
          artifacts: page.map((a) => ({
            ...a,
            url: `${this.baseUrl}${prefix}/artifacts/${a.id}`,
            archive_download_url: `${this.baseUrl}${prefix}/artifacts/${a.id}/zip`,
          })),
        },
        ...(link ? { link } : {}),
      };
    }
    if ((m = /^\/artifacts\/(\d+)\/zip$/.exec(rest))) {
      const entry = this.artifacts.get(Number(m[1]));
      if (!entry) return undefined;
      if (entry.artifact.expired || this.options.goneAtDownloadFor?.has(entry.artifact.id))
        return { gone: true };
      const id = entry.artifact.id;
      const expires =
        this.options.expiredLinkFor?.has(id) && !this.blobsServed.has(-id)
          ? Date.now() - 1
          : Date.now() + 60_000;
      this.blobsServed.add(-id);
      return { redirect: `${this.baseUrl}/_blobs/${id}?expires=${expires}&sig=x` };
    }
    return undefined;
  }

  private blob(id: number, url: URL, res: ServerResponse): void {
    const entry = this.artifacts.get(id);
    if (!entry || Date.now() > Number(url.searchParams.get('expires'))) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed</Message></Error>',
      );
      return;
    }
    const zip = this.options.notZipFor?.has(id)
      ? new TextEncoder().encode('<html>not a zip</html>')
      : entry.zip();
    if (this.options.truncatedBlobFor?.has(id) && !this.blobsServed.has(id)) {
      this.blobsServed.add(id);
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zip.length) });
      res.write(zip.subarray(0, Math.floor(zip.length / 2)));
      res.socket?.destroy();
      return;
    }
    this.blobsServed.add(id);
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zip.length) });
    res.end(zip);
  }

  private servedRun(r: GenRun): ServedRun {
    const base = `${this.baseUrl}/repos/${this.owner}/${this.repo}`;
    return {
      id: r.id,
      name: 'kernel-ci',
      node_id: `WFR_${r.id}`,
      head_branch: r.headBranch,
      head_sha: r.headSha,
      path: '.github/workflows/kernel-ci.yml',
      display_title: r.onBase ? 'push' : `PR ${r.pr}`,
      run_number: r.runNumber,
      run_attempt: r.attempts,
      event: r.event,
      status: 'completed',
      conclusion: r.conclusion,
      workflow_id: 42,
      url: `${base}/actions/runs/${r.id}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${r.id}`,
      pull_requests:
        r.pr === null
          ? []
          : [
              {
                id: r.pr * 10,
                number: r.pr,
                url: `${base}/pulls/${r.pr}`,
                head: { ref: r.headBranch, sha: r.headSha, repo: { id: 1, url: base, name: this.repo } },
                base: { ref: r.baseRef, sha: r.baseSha, repo: { id: 1, url: base, name: this.repo } },
              },
            ],
      created_at: iso(r.createdAt),
      updated_at: iso(r.updatedAt),
      run_started_at: iso(r.createdAt),
      jobs_url: `${base}/actions/runs/${r.id}/jobs`,
      artifacts_url: `${base}/actions/runs/${r.id}/artifacts`,
    };
  }

  private servedJob(r: GenRun, j: GenJob): ServedJob {
    const base = `${this.baseUrl}/repos/${this.owner}/${this.repo}`;
    return {
      id: j.id,
      run_id: r.id,
      run_url: `${base}/actions/runs/${r.id}`,
      node_id: `CR_${j.id}`,
      head_sha: r.headSha,
      url: `${base}/actions/jobs/${j.id}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/actions/runs/${r.id}/job/${j.id}`,
      status: 'completed',
      conclusion: j.conclusion,
      created_at: iso(j.startedAt - 5),
      started_at: iso(j.startedAt),
      completed_at: iso(j.completedAt),
      name: j.name,
      steps: j.steps.map((s) => ({ ...s, started_at: iso(j.startedAt), completed_at: iso(j.completedAt) })),
      check_run_url: `${base}/check-runs/${j.id}`,
      labels: j.labels,
      runner_id: j.runnerName ? 7 : null,
      runner_name: j.runnerName,
      runner_group_id: j.runnerName ? 1 : null,
      runner_group_name: j.runnerName ? 'Default' : null,
      run_attempt: j.attempt,
      workflow_name: 'kernel-ci',
      head_branch: r.headBranch,
    };
  }
}
