// Local stand-ins on 127.0.0.1 for the two APIs the run report talks to: GitHub's REST API for
// issue comments (the shapes typed against @octokit/openapi-types) and Patchwork's checks API.
// Mail goes to a real SMTP server (smtp-server) instead; see delivery.test.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { components } from '@octokit/openapi-types';

type IssueComment = components['schemas']['issue-comment'];
type SimpleUser = components['schemas']['simple-user'];
type BasicError = components['schemas']['basic-error'];
type Job = components['schemas']['job'];

async function body(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

function send(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(value));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const BOT: SimpleUser = {
  login: 'github-actions[bot]',
  id: 41898282,
  node_id: 'MDM6Qm90NDE4OTgyODI=',
  avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
  gravatar_id: '',
  url: 'https://api.github.com/users/github-actions%5Bbot%5D',
  html_url: 'https://github.com/apps/github-actions',
  followers_url: 'https://api.github.com/users/github-actions%5Bbot%5D/followers',
  following_url: 'https://api.github.com/users/github-actions%5Bbot%5D/following{/other_user}',
  gists_url: 'https://api.github.com/users/github-actions%5Bbot%5D/gists{/gist_id}',
  starred_url: 'https://api.github.com/users/github-actions%5Bbot%5D/starred{/owner}{/repo}',
  subscriptions_url: 'https://api.github.com/users/github-actions%5Bbot%5D/subscriptions',
  organizations_url: 'https://api.github.com/users/github-actions%5Bbot%5D/orgs',
  repos_url: 'https://api.github.com/users/github-actions%5Bbot%5D/repos',
  events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/events{/privacy}',
  received_events_url: 'https://api.github.com/users/github-actions%5Bbot%5D/received_events',
  type: 'Bot',
  site_admin: false,
};

export interface GitHubStandIn {
  url: string;
  /** Job names of each run attempt ("runId/attempt"), listed by the jobs endpoint. */
  jobs: Map<string, string[]>;
  /** Comments per "owner/repo#number", in creation order. */
  comments: Map<string, IssueComment[]>;
  /** Every request as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

/**
 * GitHub's issue-comment endpoints: list (paginated with a Link header, as GitHub does), create,
 * update. A token named in `readOnlyTokens` reads but gets GitHub's 403 on writes, as a fork
 * pull request's GITHUB_TOKEN does.
 */
export async function startGitHub(
  options: { readOnlyTokens?: string[]; perPageMax?: number } = {},
): Promise<GitHubStandIn> {
  const comments = new Map<string, IssueComment[]>();
  const jobs = new Map<string, string[]>();
  const requests: string[] = [];
  let nextId = 1000;
  let base = '';
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      requests.push(`${req.method} ${url.pathname}`);
      const token = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token)
        return send(res, 401, {
          message: 'Requires authentication',
          documentation_url: 'https://docs.github.com/rest',
        } satisfies BasicError);
      const readOnly = options.readOnlyTokens?.includes(token) ?? false;
      const forbidden: BasicError = {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
        status: '403',
      };
      let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
      if (m) {
        const key = `${m[1]}/${m[2]}#${m[3]}`;
        const list = comments.get(key) ?? [];
        if (req.method === 'GET') {
          const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 30), options.perPageMax ?? 100);
          const page = Number(url.searchParams.get('page') ?? 1);
          const slice = list.slice((page - 1) * perPage, page * perPage);
          const headers: Record<string, string> = {};
          if (page * perPage < list.length) {
            const next = new URL(url);
            next.searchParams.set('page', String(page + 1));
            headers['link'] = `<${next.href}>; rel="next"`;
          }
          return send(res, 200, slice satisfies IssueComment[], headers);
        }
        if (req.method === 'POST') {
          if (readOnly) return send(res, 403, forbidden);
          const { body: text } = (await body(req)) as { body: string };
          const id = nextId++;
          const now = new Date().toISOString();
          const comment: IssueComment = {
            id,
            node_id: `IC_${id}`,
            url: `${base}/repos/${m[1]}/${m[2]}/issues/comments/${id}`,
            html_url: `https://github.com/${m[1]}/${m[2]}/pull/${m[3]}#issuecomment-${id}`,
            issue_url: `${base}/repos/${m[1]}/${m[2]}/issues/${m[3]}`,
            body: text,
            user: BOT,
            created_at: now,
            updated_at: now,
            author_association: 'NONE',
          };
          comments.set(key, [...list, comment]);
          return send(res, 201, comment);
        }
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs$/.exec(url.pathname);
      if (m && req.method === 'GET') {
        const names = jobs.get(`${m[3]}/${m[4]}`) ?? [];
        const now = new Date().toISOString();
        const list: Job[] = names.map((name, i) => ({
          id: 9000 + i,
          run_id: Number(m![3]),
          run_url: `${base}/repos/${m![1]}/${m![2]}/actions/runs/${m![3]}`,
          run_attempt: Number(m![4]),
          node_id: `CR_${9000 + i}`,
          head_sha: 'a'.repeat(40),
          url: `${base}/repos/${m![1]}/${m![2]}/actions/jobs/${9000 + i}`,
          html_url: `https://github.com/${m![1]}/${m![2]}/actions/runs/${m![3]}/job/${9000 + i}`,
          status: 'completed',
          conclusion: 'success',
          created_at: now,
          started_at: now,
          completed_at: now,
          name,
          check_run_url: `${base}/repos/${m![1]}/${m![2]}/check-runs/${9000 + i}`,
          labels: ['ubuntu-24.04'],
          runner_id: 1,
          runner_name: 'GitHub Actions 1',
          runner_group_id: 2,
          runner_group_name: 'GitHub Actions',
          workflow_name: 'kernel-ci',
          head_branch: 'series/1',
        }));
        return send(res, 200, { total_count: list.length, jobs: list });
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (m && req.method === 'PATCH') {
        if (readOnly) return send(res, 403, forbidden);
        const id = Number(m[3]);
        const comment = [...comments.values()].flat().find((c) => c.id === id);
        if (!comment)
          return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
        comment.body = ((await body(req)) as { body: string }).body;
        comment.updated_at = new Date().toISOString();
        return send(res, 200, comment);
      }
      send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    })().catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  base = await listen(server);
  return {
    url: base,
    comments,
    jobs,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A check as Patchwork's REST API returns it (api/1.x: /patches/{id}/checks/). */
export interface PatchworkCheckRecord {
  id: number;
  url: string;
  user: { id: number; url: string; username: string };
  date: string;
  state: 'pending' | 'success' | 'warning' | 'fail';
  target_url: string | null;
  context: string;
  description: string | null;
}

export interface PatchworkStandIn {
  /** The API root, as a caller configures it: .../api/1.3 */
  url: string;
  checks: Map<number, PatchworkCheckRecord[]>;
  posts: number;
  close(): Promise<void>;
}

const STATES = new Set(['pending', 'success', 'warning', 'fail']);

/** Patchwork's checks endpoints: list (anyone), create (Token auth; 400 on a bad state or context). */
export async function startPatchwork(token: string, patches: number[]): Promise<PatchworkStandIn> {
  const checks = new Map<number, PatchworkCheckRecord[]>(patches.map((p) => [p, []]));
  let nextId = 1;
  let base = '';
  const stand: PatchworkStandIn = { url: '', checks, posts: 0, close: async () => {} };
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      const m = /^\/api\/1\.3\/patches\/(\d+)\/checks\/$/.exec(url.pathname);
      const list = m ? checks.get(Number(m[1])) : undefined;
      if (!m || !list) return send(res, 404, { detail: 'Not found.' });
      if (req.method === 'GET') return send(res, 200, list);
      if (req.method !== 'POST') return send(res, 405, { detail: `Method "${req.method}" not allowed.` });
      if (req.headers.authorization !== `Token ${token}`)
        return send(res, 401, { detail: 'Authentication credentials were not provided.' });
      const input = (await body(req)) as Partial<PatchworkCheckRecord>;
      if (!input.state || !STATES.has(input.state))
        return send(res, 400, { state: [`"${input.state}" is not a valid choice.`] });
      if (!input.context || !/^[-a-zA-Z0-9_.]+$/.test(input.context))
        return send(res, 400, {
          context: ['Enter a valid "slug" consisting of letters, numbers, underscores or hyphens.'],
        });
      const id = nextId++;
      const record: PatchworkCheckRecord = {
        id,
        url: `${base}/api/1.3/patches/${m[1]}/checks/${id}/`,
        user: { id: 7, url: `${base}/api/1.3/users/7/`, username: 'bpf-ci' },
        date: new Date(Date.now() + id).toISOString(),
        state: input.state,
        target_url: input.target_url ?? null,
        context: input.context,
        description: input.description ?? null,
      };
      list.push(record);
      stand.posts++;
      send(res, 201, record);
    })().catch((err: unknown) => send(res, 500, { detail: String(err) }));
  });
  base = await listen(server);
  stand.url = `${base}/api/1.3`;
  stand.close = () => new Promise((resolve) => server.close(() => resolve()));
  return stand;
}
