// The pull-request comment: one per PR, found by its hidden marker and updated in place. A token
// that may not write (a fork's pull_request run) gets 403: that is reported, not thrown, so the
// caller keeps the text as an artifact and says so.
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import type { Logger } from '@bpf-ci/logger';
import type { Verdict } from './analyze.ts';
import { commentMarker, hasMarker, markerVerdict } from './marker.ts';

// @octokit/core with its routes written out ('GET /repos/...'): @octokit/rest would add its table of
// every REST endpoint (about 100 KB of the bundle) for the four this file calls.
const GitHub = Octokit.plugin(paginateRest, retry, throttling);
export type GitHubClient = InstanceType<typeof GitHub>;

/** An Octokit for GitHub's REST API at `baseUrl` (GITHUB_API_URL; GitHub Enterprise Server too). */
export function githubClient(
  token: string,
  baseUrl: string,
  logger: Logger,
  /** pacing: false only against a local test server (GitHub asks for >= 1 s between writes). */
  options: { pacing?: boolean } = {},
): GitHubClient {
  return new GitHub({
    auth: token,
    baseUrl,
    userAgent: 'bpf-ci-run-report',
    throttle: {
      enabled: options.pacing ?? true,
      onRateLimit: (after: number, options: { method: string; url: string }, _o: unknown, count: number) => {
        logger.warning(`GitHub rate limit on ${options.method} ${options.url}; retrying in ${after} s`);
        return count < 2;
      },
      onSecondaryRateLimit: (after: number, options: { method: string; url: string }) => {
        logger.warning(
          `GitHub secondary rate limit on ${options.method} ${options.url}; not retrying (${after} s)`,
        );
        return false;
      },
    },
    retry: { doNotRetry: [400, 401, 403, 404, 422] },
    log: {
      debug: () => {},
      info: () => {},
      warn: (m: string) => logger.warning(m),
      error: (m: string) => logger.debug(m),
    },
  });
}

export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

export interface ExistingComment {
  id: number;
  url: string;
  previousVerdict?: Verdict;
}

/** The comment bpf-ci wrote on this PR, if any, with the verdict it reported. */
export async function findReportComment(
  client: GitHubClient,
  target: CommentTarget,
): Promise<ExistingComment | undefined> {
  const iterator = client.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  for await (const page of iterator) {
    const found = page.data.find((c) => hasMarker(c.body));
    if (found) {
      const out: ExistingComment = { id: found.id, url: found.html_url };
      const verdict = markerVerdict(found.body);
      if (verdict) out.previousVerdict = verdict;
      return out;
    }
  }
  return undefined;
}

export type CommentOutcome =
  | { action: 'created' | 'updated'; id: number; url: string; previousVerdict?: Verdict }
  | { action: 'forbidden'; status: number; message: string; previousVerdict?: Verdict };

function httpStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Create or update the PR's report comment; the body gets the marker with this run's verdict. */
export async function upsertReportComment(
  client: GitHubClient,
  target: CommentTarget,
  markdown: string,
  verdict: Verdict,
  logger: Logger,
): Promise<CommentOutcome> {
  const body = `${commentMarker(verdict)}\n${markdown}`;
  let existing: ExistingComment | undefined;
  try {
    existing = await findReportComment(client, target);
    const { owner, repo } = target;
    const { data } = existing
      ? await client.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo,
          comment_id: existing.id,
          body,
        })
      : await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo,
          issue_number: target.issueNumber,
          body,
        });
    logger.info(`${existing ? 'Updated' : 'Created'} the report comment ${data.html_url}`);
    // Comment ids are JSON numbers; the route's type also allows the bigint of an int64 schema.
    const written = {
      action: existing ? 'updated' : 'created',
      id: Number(data.id),
      url: data.html_url,
    } as const;
    return existing ? withPrevious(written, existing.previousVerdict) : written;
  } catch (err) {
    const status = httpStatus(err);
    if (status === 403) {
      const message =
        'the token may not comment on this pull request (a fork pull request gets a read-only token); ' +
        'the report is kept as an artifact instead';
      logger.warning(`PR comment not written: ${message}`);
      return withPrevious({ action: 'forbidden', status, message }, existing?.previousVerdict);
    }
    throw err;
  }
}

function withPrevious<T extends object>(
  outcome: T,
  previous: Verdict | undefined,
): T & { previousVerdict?: Verdict } {
  return previous === undefined ? outcome : { ...outcome, previousVerdict: previous };
}

/** The job pages of a run attempt by job name, for links (needs `actions: read`). */
export async function jobLinks(
  client: GitHubClient,
  target: { owner: string; repo: string; runId: number; attempt: number },
): Promise<Map<string, string>> {
  const jobs = await client.paginate(
    'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs',
    {
      owner: target.owner,
      repo: target.repo,
      run_id: target.runId,
      attempt_number: target.attempt,
      per_page: 100,
    },
  );
  const out = new Map<string, string>();
  for (const job of jobs) if (job.html_url) out.set(job.name, job.html_url);
  return out;
}
