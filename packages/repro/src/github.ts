// Fetching a CI job's artifacts through GitHub's REST API: stats' Octokit (throttling + retry) for the
// JSON, the artifact zips streamed from the short-lived storage URL GitHub redirects to, with
// progress, a fresh link when the first one expired, and a clear message for every refusal.
import { execFileSync } from 'node:child_process';
import type { Logger } from '@bpf-ci/logger';
import { GitHubApi, type GitHubClient } from '@bpf-ci/stats';

/** A refusal the user can act on: the CLI prints the message alone, without a stack. */
export class ReproError extends Error {
  override name = 'ReproError';
}

/** GITHUB_TOKEN, else the GitHub CLI's token (`gh auth token`), else none. */
export function findToken(
  env: NodeJS.ProcessEnv,
  ghToken: () => string | undefined = ghCliToken,
): { token: string; from: string } | undefined {
  if (env['GITHUB_TOKEN']) return { token: env['GITHUB_TOKEN'], from: 'GITHUB_TOKEN' };
  const gh = ghToken();
  return gh ? { token: gh, from: 'gh auth token' } : undefined;
}

function ghCliToken(): string | undefined {
  try {
    const out = execFileSync('gh', ['auth', 'token'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}

export const NO_TOKEN_MESSAGE =
  "no GitHub token: downloading a job's artifacts needs one (even for a public repository). " +
  "Set GITHUB_TOKEN to a token with read access to the repository's Actions, or log in with " +
  '`gh auth login`; or download the artifacts yourself and give their folder instead of the URL';

export interface ServedJob {
  id: number;
  run_id: number;
  name: string;
  conclusion: string | null;
  status: string;
  html_url: string | null;
  head_sha: string;
  run_attempt?: number;
  workflow_name?: string | null;
}

export interface ServedArtifact {
  id: number;
  name: string;
  size_in_bytes: number;
  expired: boolean;
  expires_at: string | null;
}

export class ActionsApi {
  private readonly octokit: GitHubClient;
  private readonly token: { token: string; from: string };
  private readonly baseUrl: string;
  private readonly logger: Logger;

  constructor(env: NodeJS.ProcessEnv, token: { token: string; from: string }, logger: Logger) {
    this.token = token;
    this.logger = logger;
    this.baseUrl = (env['GITHUB_API_URL'] || 'https://api.github.com').replace(/\/+$/, '');
    // The collector's client (throttling, retries, GITHUB_API_URL), with the token found here.
    this.octokit = new GitHubApi({ env: { ...env, GITHUB_TOKEN: token.token }, logger }).octokit;
  }

  /** Turns GitHub's refusals into what to do about them. */
  private explain(err: unknown, what: string): never {
    const status = (err as { status?: number }).status;
    if (status === 401)
      throw new ReproError(
        `GitHub refused the token from ${this.token.from} (401 Bad credentials) while reading ${what}: ` +
          'it is wrong, revoked or expired. Make a new one (`gh auth login`, or a token with read access to Actions) and set GITHUB_TOKEN',
      );
    if (status === 403)
      throw new ReproError(
        `GitHub answered 403 for ${what}: the token from ${this.token.from} may not read this repository's Actions ` +
          '(a fine-grained token needs "Actions: read"), or the rate limit is spent',
      );
    if (status === 404)
      throw new ReproError(
        `GitHub has no ${what} (404): check the URL; a private repository also answers 404 to a token ` +
          `(from ${this.token.from}) that cannot read it`,
      );
    throw new ReproError(
      `reading ${what} from ${this.baseUrl} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  async job(owner: string, repo: string, jobId: number): Promise<ServedJob> {
    try {
      const { data } = await this.octokit.rest.actions.getJobForWorkflowRun({ owner, repo, job_id: jobId });
      return data;
    } catch (err) {
      return this.explain(err, `job ${jobId} in ${owner}/${repo}`);
    }
  }

  async runJobs(owner: string, repo: string, runId: number, attempt?: number): Promise<ServedJob[]> {
    try {
      const jobs = attempt
        ? await this.octokit.paginate(this.octokit.rest.actions.listJobsForWorkflowRunAttempt, {
            owner,
            repo,
            run_id: runId,
            attempt_number: attempt,
            per_page: 100,
          })
        : await this.octokit.paginate(this.octokit.rest.actions.listJobsForWorkflowRun, {
            owner,
            repo,
            run_id: runId,
            filter: 'latest',
            per_page: 100,
          });
      return jobs;
    } catch (err) {
      return this.explain(err, `the jobs of run ${runId} in ${owner}/${repo}`);
    }
  }

  async runArtifacts(owner: string, repo: string, runId: number): Promise<ServedArtifact[]> {
    try {
      const artifacts = await this.octokit.paginate(this.octokit.rest.actions.listWorkflowRunArtifacts, {
        owner,
        repo,
        run_id: runId,
        per_page: 100,
      });
      return artifacts;
    } catch (err) {
      return this.explain(err, `the artifacts of run ${runId} in ${owner}/${repo}`);
    }
  }

  /**
   * An artifact's zip. GitHub answers the download request with a redirect to a storage URL that
   * is valid for a minute; it is fetched here, streamed with progress, and asked for again once
   * when the storage refuses an expired link.
   */
  async downloadArtifact(owner: string, repo: string, artifact: ServedArtifact): Promise<Uint8Array> {
    const api = `${this.baseUrl}/repos/${owner}/${repo}/actions/artifacts/${artifact.id}/zip`;
    for (let attempt = 1; ; attempt++) {
      const answer = await fetch(api, {
        redirect: 'manual',
        headers: {
          authorization: `Bearer ${this.token.token}`,
          accept: 'application/vnd.github+json',
          'user-agent': 'bpf-ci-repro',
        },
      });
      if (answer.status === 410)
        throw new ReproError(`artifact ${artifact.name} has expired (GitHub answered 410 Gone)`);
      const location = answer.headers.get('location');
      if (answer.status < 300 || answer.status >= 400 || !location) {
        await answer.body?.cancel();
        this.explain(
          { status: answer.status, message: answer.statusText },
          `the download of artifact ${artifact.name}`,
        );
      }
      // The storage URL is signed: no token goes there.
      const blob = await fetch(location);
      if (blob.status === 403 && attempt === 1) {
        await blob.body?.cancel();
        this.logger.info(
          `The download link of ${artifact.name} expired before it was used: asking for a new one`,
        );
        continue;
      }
      if (!blob.ok || !blob.body)
        throw new ReproError(`downloading ${artifact.name} failed: the storage answered ${blob.status}`);
      return this.readWithProgress(blob, artifact);
    }
  }

  private async readWithProgress(blob: Response, artifact: ServedArtifact): Promise<Uint8Array> {
    const total = Number(blob.headers.get('content-length')) || artifact.size_in_bytes;
    const chunks: Uint8Array[] = [];
    let received = 0;
    let said = Date.now();
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    for await (const chunk of blob.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      received += chunk.length;
      if (Date.now() - said > 2000) {
        said = Date.now();
        this.logger.info(`Downloading ${artifact.name}: ${mib(received)}/${mib(total)} MiB`);
      }
    }
    if (total && received < total)
      throw new ReproError(
        `the download of ${artifact.name} stopped at ${mib(received)} of ${mib(total)} MiB: run the command again`,
      );
    this.logger.info(`Downloaded ${artifact.name}: ${mib(received)} MiB`);
    return Buffer.concat(chunks);
  }
}
