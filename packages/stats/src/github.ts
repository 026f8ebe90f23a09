// GitHub REST access for the collector: Octokit with its throttling and retry plugins, the token
// and API URL taken exactly as GitHub's own tools take them (GITHUB_TOKEN, GITHUB_API_URL), one
// request at a time, conditional requests with ETags, and the primary rate limit waited out and said.
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from '@bpf-ci/logger';

const ThrottledOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof ThrottledOctokit>;

export interface ApiOptions {
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Milliseconds per second of a wait GitHub asks for: 1000 in life, small in tests. */
  msPerSecond?: number;
  /** Requests to keep in reserve before waiting for the rate limit's reset. */
  reserve?: number;
  /** The progress line to say while waiting ("runs 1,200/4,000, jobs 31,000, artifacts 900"). */
  progress?: () => string;
  /** Called before each request (tests interrupt a sync here). */
  beforeRequest?: (count: number) => void;
}

export interface CachedBody {
  etag: string;
  body: string;
}

export interface EtagCache {
  get(url: string): Promise<CachedBody | undefined>;
  put(url: string, etag: string, body: string): Promise<void>;
}

export class GitHubApi {
  readonly octokit: GitHubClient;
  /** Requests sent (304s included; GitHub does not count them against the limit). */
  requests = 0;
  notModified = 0;
  remaining: number | undefined;
  private reset: number | undefined;
  private readonly msPerSecond: number;
  private readonly reserve: number;

  private readonly options: ApiOptions;

  constructor(options: ApiOptions) {
    this.options = options;
    this.msPerSecond = options.msPerSecond ?? 1000;
    this.reserve = options.reserve ?? 0;
    const env = options.env;
    const logger = options.logger;
    const say = (what: string, seconds: number): void =>
      logger.info(`${this.progressLine()}, ${what}, waiting ${seconds} s`);
    this.octokit = new ThrottledOctokit({
      ...(env['GITHUB_TOKEN'] ? { auth: env['GITHUB_TOKEN'] } : {}),
      baseUrl: (env['GITHUB_API_URL'] || 'https://api.github.com').replace(/\/+$/, ''),
      userAgent: 'bpf-ci-stats',
      log: {
        debug: () => {},
        info: () => {},
        warn: (m: string) => logger.debug(m),
        error: (m: string) => logger.debug(m),
      },
      throttle: {
        retryAfterBaseValue: this.msPerSecond,
        onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => {
          say('rate limit reached', retryAfter);
          return retryCount < 5;
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          _options: unknown,
          _octokit: unknown,
          retryCount: number,
        ) => {
          say('secondary rate limit', retryAfter);
          return retryCount < 5;
        },
      },
      retry: { retryAfterBaseValue: this.msPerSecond },
    });
  }

  progressLine(): string {
    const left =
      this.remaining === undefined
        ? 'requests left unknown'
        : `${this.remaining.toLocaleString('en-US')} requests left`;
    const progress = this.options.progress?.();
    return progress ? `${progress}, ${left}` : left;
  }

  private note(headers: Record<string, string | number | undefined>): void {
    const remaining = Number(headers['x-ratelimit-remaining']);
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(remaining)) this.remaining = remaining;
    if (Number.isFinite(reset)) this.reset = reset;
  }

  /** Before a request: when the budget is spent, wait for the reset instead of being refused. */
  private async pace(): Promise<void> {
    this.options.beforeRequest?.(this.requests);
    if (this.remaining === undefined || this.reset === undefined || this.remaining > this.reserve) return;
    const seconds = Math.max(0, Math.ceil(this.reset - Date.now() / 1000) + 1);
    this.options.logger.info(`${this.progressLine()}, waiting ${seconds} s for the rate limit to reset`);
    await new Promise((r) => setTimeout(r, seconds * this.msPerSecond));
    this.remaining = undefined;
  }

  /**
   * Count a request against the budget before sending it: an artifact download's redirect is
   * followed by fetch, so its rate-limit headers are never seen; a later response corrects this.
   */
  private spend(): void {
    this.requests++;
    if (this.remaining !== undefined) this.remaining = Math.max(0, this.remaining - 1);
  }

  /** GET a JSON resource; with a cache, conditionally (If-None-Match), using the cached body on 304. */
  async getJson<T>(url: string, cache?: EtagCache): Promise<{ data: T; link: string | undefined }> {
    await this.pace();
    const cached = cache ? await cache.get(url) : undefined;
    this.spend();
    try {
      const response: {
        data: unknown;
        headers: Record<string, string | number | undefined> & { etag?: string; link?: string };
      } = await this.withNetworkRetry(() =>
        this.octokit.request(`GET ${url}`, cached ? { headers: { 'if-none-match': cached.etag } } : {}),
      );
      this.note(response.headers);
      const etag = response.headers.etag;
      if (cache && etag)
        await cache.put(
          url,
          etag,
          JSON.stringify({ data: response.data, link: response.headers.link ?? null }),
        );
      return { data: response.data as T, link: response.headers.link };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 304 && cached) {
        this.notModified++;
        const headers = (err as { response?: { headers?: Record<string, string> } }).response?.headers;
        if (headers) this.note(headers);
        const body = JSON.parse(cached.body) as { data: T; link: string | null };
        return { data: body.data, link: body.link ?? undefined };
      }
      throw err;
    }
  }

  /** Download an artifact's zip (GitHub answers with a redirect to a short-lived storage URL). */
  async downloadArtifact(owner: string, repo: string, artifactId: number): Promise<Uint8Array> {
    await this.pace();
    this.spend();
    const response = await this.withNetworkRetry(() =>
      this.octokit.rest.actions.downloadArtifact({
        owner,
        repo,
        artifact_id: artifactId,
        archive_format: 'zip',
      }),
    );
    this.note(response.headers);
    return new Uint8Array(response.data as ArrayBuffer);
  }

  /** A connection cut mid-body is not an HTTP status the retry plugin sees: try it again here. */
  private async withNetworkRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const status = (err as { status?: number }).status;
        const network = status === undefined || (status === 500 && !(err as { response?: unknown }).response);
        if (!network || attempt >= 3) throw err;
        this.options.logger.debug(
          `network error, retrying: ${err instanceof Error ? err.message : String(err)}`,
        );
        await new Promise((r) => setTimeout(r, (attempt + 1) * this.msPerSecond));
      }
    }
  }
}

/** The URL of Link's rel="next", relative to the API root. */
export function nextLink(link: string | undefined, baseUrl: string): string | undefined {
  const m = link
    ?.split(',')
    .map((p) => /<([^>]+)>;\s*rel="next"/.exec(p))
    .find((x) => x);
  if (!m) return undefined;
  const url = m[1]!;
  return url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
}
