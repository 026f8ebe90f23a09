// The run-report action run as the runner runs it: its entry point in a child process with INPUT_*
// variables (action.yml's defaults for the rest), GITHUB_* files, and the local GitHub, SMTP and
// Patchwork servers. What it prints goes through the runner simulation.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Inputs } from '../../../actions/run-report/src/inputs.ts';
import { elements, parseHtml, renderGfm, text } from '../report/gfm.ts';
import { runnerCommands } from '../report/runner-sim.ts';
import { PLANNED, writeMatrix } from './matrix.ts';
import { startGitHub, startPatchwork, type GitHubStandIn, type PatchworkStandIn } from './servers.ts';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const entry = join(root, 'actions', 'run-report', 'src', 'index.ts');
const actionYml = parseYaml(readFileSync(join(root, 'actions', 'run-report', 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, unknown>;
};

let dir: string;
let github: GitHubStandIn;
let patchwork: PatchworkStandIn;
let smtp: SMTPServer;
let smtpPort: number;
const received: Buffer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'run-report-action-'));
  await writeMatrix(join(dir, 'downloaded'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  smtp = new SMTPServer({
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    authMethods: ['PLAIN'],
    logger: false,
    onAuth: (auth, _s, cb) =>
      auth.password === 'smtp-pw' ? cb(null, { user: auth.username }) : cb(new Error('bad password')),
    onData(stream, _s, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks));
        cb();
      });
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as { port: number }).port;
  github = await startGitHub({ readOnlyTokens: ['fork-token'] });
  github.jobs.set('4242/2', ['matrix', ...PLANNED.map((p) => p.name)]);
  patchwork = await startPatchwork('pw-token', [55]);
});

afterAll(async () => {
  await github?.close();
  await patchwork?.close();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

function readOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!m || m[1] === undefined) continue;
    const end = lines.indexOf(m[2] ?? '', i + 1);
    out[m[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return out;
}

async function runAction(inputs: Record<string, string>, env: Record<string, string>) {
  const work = mkdtempSync(join(dir, 'step-'));
  const summary = join(work, 'summary.md');
  const output = join(work, 'output.txt');
  const event = join(work, 'event.json');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  writeFileSync(event, JSON.stringify({ pull_request: { number: 77 } }));
  const all: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'kernel-patches/bpf',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '2',
    ...env,
  };
  for (const [name, spec] of Object.entries(actionYml.inputs))
    all[`INPUT_${name.toUpperCase()}`] = spec.default ?? '';
  for (const [name, value] of Object.entries(inputs)) all[`INPUT_${name.toUpperCase()}`] = value;
  let code = 0;
  let stdout = '';
  try {
    ({ stdout } = await exec(process.execPath, [entry], {
      cwd: work,
      env: all,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    const e = err as { stdout: string; code: number };
    stdout = e.stdout;
    code = e.code;
  }
  return { code, stdout, summary: readFileSync(summary, 'utf8'), outputs: readOutputs(output), work };
}

describe('run-report action', () => {
  it('declares in action.yml exactly the inputs it validates', () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual(Object.keys(Inputs.shape).sort());
  });

  it('writes the summary with job links, comments on the PR, mails the author and posts Patchwork checks', async () => {
    const { code, stdout, summary, outputs, work } = await runAction(
      {
        results: join(dir, 'downloaded'),
        'test-matrix': JSON.stringify({ include: PLANNED }),
        'pr-comment': 'true',
        mail: 'true',
        'mail-from': 'bpf-ci@example.org',
        'mail-to': 'author@example.org',
        'series-subject': '[PATCH bpf-next 0/2] sockopt',
        'in-reply-to': '<cover.1@example.org>',
        'smtp-host': '127.0.0.1',
        'smtp-port': String(smtpPort),
        'smtp-user': 'bpf-ci',
        'patchwork-url': patchwork.url,
        'patchwork-patches': '55',
      },
      {
        GITHUB_TOKEN: 'write-token',
        SMTP_PASSWORD: 'smtp-pw',
        SMTP_CA_FILE: join(dir, 'cert.pem'),
        PATCHWORK_TOKEN: 'pw-token',
      },
    );
    expect(code, stdout).toBe(0);
    expect(outputs).toMatchObject({
      verdict: 'failure',
      comment: 'created',
      'mail-sent': 'true',
      'infrastructure-failures': '1',
    });
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(actionYml.outputs).sort());
    // Every job links to its own page, as GitHub's jobs API lists it.
    expect(summary).toContain('](https://github.com/kernel-patches/bpf/actions/runs/4242/job/9001)');
    expect(summary).toContain('PR comment created');
    expect(github.comments.get('kernel-patches/bpf#77')).toHaveLength(1);
    expect(received).toHaveLength(1);
    const mail = await simpleParser(received[0]!);
    expect(mail.subject).toBe('Re: [PATCH bpf-next 0/2] sockopt');
    expect(mail.text).toBe(readFileSync(outputs['author-text-path']!, 'utf8'));
    expect(readFileSync(join(work, 'bpf-ci-run-report', 'author-report.eml')).length).toBeGreaterThan(0);
    expect(patchwork.posts).toBe(PLANNED.length);
    // Nothing the step printed became a workflow command other than the ones the action means.
    expect(runnerCommands(stdout).map((c) => c.name)).toEqual([]);
    for (const secret of ['write-token', 'smtp-pw', 'pw-token']) expect(stdout).not.toContain(secret);

    // The same run again: comment updated in place, no mail (verdict unchanged), no new checks.
    const again = await runAction(
      {
        results: join(dir, 'downloaded'),
        'test-matrix': JSON.stringify({ include: PLANNED }),
        'pr-comment': 'true',
        mail: 'true',
        'mail-from': 'bpf-ci@example.org',
        'mail-to': 'author@example.org',
        'series-subject': '[PATCH bpf-next 0/2] sockopt',
        'smtp-host': '127.0.0.1',
        'smtp-port': String(smtpPort),
        'smtp-user': 'bpf-ci',
        'patchwork-url': patchwork.url,
        'patchwork-patches': '55',
      },
      {
        GITHUB_TOKEN: 'write-token',
        SMTP_PASSWORD: 'smtp-pw',
        SMTP_CA_FILE: join(dir, 'cert.pem'),
        PATCHWORK_TOKEN: 'pw-token',
      },
    );
    expect(again.code, again.stdout).toBe(0);
    expect(again.outputs).toMatchObject({ comment: 'updated', 'mail-sent': 'false' });
    expect(again.summary).toContain('did not change');
    expect(received).toHaveLength(1);
    expect(github.comments.get('kernel-patches/bpf#77')).toHaveLength(1);
    expect(patchwork.posts).toBe(PLANNED.length);
  });

  it('keeps the text as a file and says so when a fork’s token may not comment', async () => {
    const { code, summary, outputs } = await runAction(
      { results: join(dir, 'downloaded'), 'pr-comment': 'true', 'pr-number': '78' },
      { GITHUB_TOKEN: 'fork-token' },
    );
    expect(code).toBe(0);
    expect(outputs['comment']).toBe('forbidden');
    const note = elements(parseHtml(renderGfm(summary)), 'blockquote')
      .map(text)
      .join('\n');
    expect(note).toMatch(
      /PR comment not written: .*fork pull request gets a read-only token.*\(author-report\.md in /,
    );
    expect(readFileSync(outputs['author-markdown-path']!, 'utf8')).toContain('BPF CI: failure');
    expect(github.comments.get('kernel-patches/bpf#78') ?? []).toEqual([]);
  });

  it('fails with the input named when an input is invalid, and asks for a secret through env', async () => {
    const bad = await runAction({ results: join(dir, 'downloaded'), 'smtp-security': 'ssl' }, {});
    expect(bad.code).toBe(1);
    expect(
      runnerCommands(bad.stdout)
        .map((c) => `${c.name}: ${c.data}`)
        .join('\n'),
    ).toMatch(/^error: input 'smtp-security': /);
    const noToken = await runAction(
      { results: join(dir, 'downloaded'), 'patchwork-url': patchwork.url, 'patchwork-patches': '55' },
      {},
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stdout).toContain('PATCHWORK_TOKEN environment variable');
  });
});
