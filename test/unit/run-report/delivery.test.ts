// Delivery against local servers on 127.0.0.1: GitHub's issue-comment API (stand-in), a real SMTP
// server (smtp-server, STARTTLS and TLS, with authentication) and Patchwork's checks API (stand-in).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  analyzeRun,
  buildAuthorReport,
  collectJobs,
  commentMarker,
  composeMail,
  decideCheck,
  deliverReport,
  finalChecks,
  githubClient,
  loadResults,
  markerVerdict,
  pendingChecks,
  postChecks,
  renderAuthorMarkdown,
  renderAuthorText,
  veristatFindings,
  verdictChanged,
  type DeliveryRequest,
  type LoadedResults,
  type RunAnalysis,
  type SmtpSettings,
  type Verdict,
} from '@bpf-ci/run-report';
import { PLANNED, RUN_URL, jobUrl, SOCKOPT_FAIL, sample, veristatDiff, writeMatrix } from './matrix.ts';
import { startGitHub, startPatchwork, type GitHubStandIn } from './servers.ts';

interface Received {
  from: string;
  to: string[];
  secure: boolean;
  user: string | undefined;
  raw: Buffer;
}

interface SmtpStandIn {
  port: number;
  messages: Received[];
  close(): Promise<void>;
}

// The local stand-in has no rate limits: no pacing between writes.
const LOCAL = { pacing: false };
const SMTP_USER = 'bpf-ci';
const SMTP_PASSWORD = 'smtp-secret-for-tests';

async function startSmtp(secure: boolean, tls: { key: string; cert: string }): Promise<SmtpStandIn> {
  const messages: Received[] = [];
  const server = new SMTPServer({
    secure,
    key: tls.key,
    cert: tls.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    // Without TLS the client may not authenticate (the default): STARTTLS must happen first.
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  // A client that rejects the certificate closes the socket mid-handshake: the server says so here.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, messages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let tls: { key: string; cert: string };
let loaded: LoadedResults[];
let failure: RunAnalysis;
let flakyOnly: RunAnalysis;
let success: RunAnalysis;
let github: GitHubStandIn;
const target = { owner: 'kernel-patches', repo: 'bpf', issueNumber: 8123 };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-report-delivery-'));
  // A throwaway self-signed certificate for 127.0.0.1: the client trusts it as its CA.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1']
      .concat(['-addext', 'subjectAltName=IP:127.0.0.1'])
      .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
    { stdio: 'ignore' },
  );
  tls = {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
  loaded = await loadResults(await writeMatrix(join(dir, 'results')));
  failure = analyzeRun(
    collectJobs(PLANNED, loaded, { jobUrl, runUrl: RUN_URL }),
    {},
    veristatFindings([{ job: 'veristat on x86_64 with gcc', diff: veristatDiff() }]),
  );
  const only = (runner: string, arch: string): LoadedResults[] =>
    loaded.filter((l) => l.run.context.runner === runner && l.run.context.arch === arch);
  flakyOnly = analyzeRun(
    collectJobs([], [...only('test_progs-no_alu32', 'aarch64'), ...only('test_verifier', 'aarch64')]),
  );
  success = analyzeRun(collectJobs([], only('test_verifier', 'aarch64')));
  github = await startGitHub({ readOnlyTokens: ['fork-read-only-token'] });
});

afterAll(async () => {
  await github?.close();
});

function request(analysis: RunAnalysis, extra: Partial<DeliveryRequest>): DeliveryRequest {
  const author = buildAuthorReport(analysis, { runUrl: RUN_URL });
  return {
    verdict: analysis.verdict,
    markdown: renderAuthorMarkdown(author),
    text: renderAuthorText(author),
    ...extra,
  };
}

describe('PR comment on a GitHub REST stand-in', () => {
  it('creates one comment with the marker, then finds it by the marker and updates it in place', async () => {
    const client = githubClient('write-token', github.url, new MemoryLogger(), LOCAL);
    const pr = { ...target, issueNumber: 1 };
    // Other comments on the PR, more than one page of them, none ours.
    for (let i = 0; i < 3; i++) {
      const c = await client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: pr.owner,
        repo: pr.repo,
        issue_number: 1,
        body: `review ${i}`,
      });
      expect(c.status).toBe(201);
    }
    const paged = await startGitHub({ perPageMax: 2 });
    try {
      const first = await deliverReport(
        request(failure, { comment: { client, target: pr } }),
        new MemoryLogger(),
      );
      expect(first.comment).toMatchObject({ action: 'created' });
      const second = await deliverReport(
        request(success, { comment: { client, target: pr } }),
        new MemoryLogger(),
      );
      expect(second.comment).toMatchObject({ action: 'updated', previousVerdict: 'failure' });
      const comments = github.comments.get('kernel-patches/bpf#1')!;
      expect(comments).toHaveLength(4);
      const ours = comments.filter((c) => c.body?.includes('bpf-ci-run-report'));
      expect(ours).toHaveLength(1);
      expect(markerVerdict(ours[0]!.body)).toBe('success');
      expect(ours[0]!.body!.startsWith(commentMarker('success'))).toBe(true);
      // Found across pages: a server that returns 2 comments per page.
      const pagedClient = githubClient('write-token', paged.url, new MemoryLogger(), LOCAL);
      for (let i = 0; i < 5; i++)
        await pagedClient.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner: 'o',
          repo: 'r',
          issue_number: 2,
          body: `noise ${i}`,
        });
      await deliverReport(
        request(failure, {
          comment: { client: pagedClient, target: { owner: 'o', repo: 'r', issueNumber: 2 } },
        }),
        new MemoryLogger(),
      );
      const again = await deliverReport(
        request(failure, {
          comment: { client: pagedClient, target: { owner: 'o', repo: 'r', issueNumber: 2 } },
        }),
        new MemoryLogger(),
      );
      expect(again.comment).toMatchObject({ action: 'updated', previousVerdict: 'failure' });
      expect(paged.comments.get('o/r#2')).toHaveLength(6);
      expect(paged.requests.filter((r) => r.startsWith('GET')).length).toBeGreaterThan(3);
    } finally {
      await paged.close();
    }
  });

  it('gets 403 with a fork’s read-only token: reported as forbidden, nothing written, nothing thrown', async () => {
    const client = githubClient('fork-read-only-token', github.url, new MemoryLogger(), LOCAL);
    const logger = new MemoryLogger();
    const pr = { ...target, issueNumber: 3 };
    const result = await deliverReport(request(failure, { comment: { client, target: pr } }), logger);
    expect(result.comment).toMatchObject({ action: 'forbidden', status: 403 });
    expect(github.comments.get('kernel-patches/bpf#3') ?? []).toEqual([]);
    expect(logger.messages('warning').join('\n')).toContain('kept as an artifact');
    // The token never appears in what was logged.
    expect(JSON.stringify(logger.entries)).not.toContain('fork-read-only-token');
  });

  it('carries every failure class with its excerpt and repro command', async () => {
    const client = githubClient('write-token', github.url, new MemoryLogger(), LOCAL);
    const pr = { ...target, issueNumber: 4 };
    await deliverReport(request(failure, { comment: { client, target: pr } }), new MemoryLogger());
    const bodyText = github.comments.get('kernel-patches/bpf#4')![0]!.body!;
    for (const heading of [
      '### Kernel splats',
      '### test\\_progs failures',
      '### test\\_maps failures',
      '### test\\_verifier failures',
      '### veristat regressions',
    ])
      expect(bodyText).toContain(heading);
    const assertion = readFileSync(sample(SOCKOPT_FAIL), 'utf8')
      .split('\n')
      .find((l) => l.includes(':FAIL:nr_listen'))!;
    expect(bodyText).toContain(assertion);
    expect(bodyText).toContain('./test_progs -a setget_sockopt');
  });
});

describe('mail to a real SMTP server', () => {
  const headers = {
    from: 'BPF CI <bpf-ci@example.org>',
    to: ['Series Author <author@example.org>'],
    cc: ['bpf@vger.kernel.org'],
    seriesSubject: '[PATCH bpf-next v2 0/3] selftests/bpf: sockopt fixes',
    inReplyTo: '20250312101010.1234-1-author@example.org',
    references: ['<20250301000000.1-1-author@example.org>'],
  };

  it('sends over STARTTLS only when the series’ verdict flips between passing and failing', async () => {
    const smtp = await startSmtp(false, tls);
    const settings: SmtpSettings = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'starttls',
      user: SMTP_USER,
      password: SMTP_PASSWORD,
      ca: tls.cert,
    };
    const client = githubClient('write-token', github.url, new MemoryLogger(), LOCAL);
    const pr = { ...target, issueNumber: 5 };
    const sent: boolean[] = [];
    try {
      // failure (first report) → failure → success → warning (flaky only) → failure
      for (const analysis of [failure, failure, success, flakyOnly, failure]) {
        const logger = new MemoryLogger();
        const result = await deliverReport(
          request(analysis, { comment: { client, target: pr }, mail: { headers, smtp: settings } }),
          logger,
        );
        sent.push(result.mailSent);
        expect(JSON.stringify(logger.entries)).not.toContain(SMTP_PASSWORD);
      }
      expect(sent).toEqual([true, false, true, false, true]);
      expect(smtp.messages).toHaveLength(3);
      const received = smtp.messages[0]!;
      expect(received.secure).toBe(true);
      expect(received.user).toBe(SMTP_USER);
      expect(received.from).toBe('bpf-ci@example.org');
      expect(received.to.sort()).toEqual(['author@example.org', 'bpf@vger.kernel.org']);
      const mail = await simpleParser(received.raw);
      expect(mail.subject).toBe('Re: [PATCH bpf-next v2 0/3] selftests/bpf: sockopt fixes');
      expect(mail.inReplyTo).toBe('<20250312101010.1234-1-author@example.org>');
      expect(mail.references).toEqual([
        '<20250301000000.1-1-author@example.org>',
        '<20250312101010.1234-1-author@example.org>',
      ]);
      expect(mail.html).toBe(false);
      expect(mail.headers.get('content-type')).toMatchObject({ value: 'text/plain' });
      expect(mail.attachments).toEqual([]);
      // Every failure class, its excerpt and its repro command, as the author reads it.
      const text = mail.text ?? '';
      for (const title of [
        'Kernel splats',
        'test_progs failures',
        'test_maps failures',
        'test_verifier failures',
        'veristat regressions',
      ])
        expect(text).toContain(`${title}\n${'-'.repeat(title.length)}`);
      const assertion = readFileSync(sample(SOCKOPT_FAIL), 'utf8')
        .split('\n')
        .find((l) => l.includes(':FAIL:nr_listen'))!;
      expect(text).toContain(`    ${assertion}`);
      expect(text).toContain('    tools/testing/selftests/bpf/vmtest.sh -- ./test_progs -a setget_sockopt');
      // The wire form keeps every line within RFC 5322's 78 characters (quoted-printable soft breaks).
      expect(
        received.raw
          .toString('latin1')
          .split('\r\n')
          .filter((l) => l.length > 78),
      ).toEqual([]);
      const back = await simpleParser(smtp.messages[1]!.raw);
      expect(back.text).toContain('BPF CI verdict: success');
    } finally {
      await smtp.close();
    }
  });

  it('sends over implicit TLS, and fails on a certificate it does not trust', async () => {
    const smtp = await startSmtp(true, tls);
    try {
      const settings: SmtpSettings = {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'tls',
        user: SMTP_USER,
        password: SMTP_PASSWORD,
        ca: tls.cert,
      };
      const result = await deliverReport(
        request(failure, { mail: { headers, smtp: settings } }),
        new MemoryLogger(),
      );
      expect(result.mailSent).toBe(true);
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]!.secure).toBe(true);
      // The mail file is the message that was sent.
      expect(smtp.messages[0]!.raw.toString('utf8').replace(/\r\n$/, '')).toBe(
        result.mail!.toString('utf8').replace(/\r\n$/, ''),
      );
      // An untrusted certificate fails the send instead of falling back.
      const untrusted = { ...settings, ca: undefined } as unknown as SmtpSettings;
      delete (untrusted as { ca?: string }).ca;
      await expect(
        deliverReport(request(failure, { mail: { headers, smtp: untrusted } }), new MemoryLogger()),
      ).rejects.toThrow(/certificate/i);
    } finally {
      await smtp.close();
    }
  });

  it('writes the mail without sending when no SMTP server is configured, or the verdict is unchanged', async () => {
    const none = await deliverReport(request(failure, { mail: { headers } }), new MemoryLogger());
    expect(none.mailSent).toBe(false);
    expect(none.mailReason).toContain('no SMTP server configured');
    expect((await simpleParser(none.mail!)).subject).toMatch(/^Re: /);
    const smtp = await startSmtp(false, tls);
    try {
      const settings: SmtpSettings = {
        host: '127.0.0.1',
        port: smtp.port,
        security: 'starttls',
        user: SMTP_USER,
        password: SMTP_PASSWORD,
        ca: tls.cert,
      };
      const unchanged = await deliverReport(
        request(failure, { mail: { headers, smtp: settings, previousVerdict: 'failure' } }),
        new MemoryLogger(),
      );
      expect(unchanged.mailSent).toBe(false);
      expect(unchanged.mailReason).toBe(
        "mail not sent: the series' verdict did not change (failure → failure)",
      );
      expect(smtp.messages).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('keeps a hostile subject on one header line and refuses a Message-ID that is not one', async () => {
    const raw = await composeMail('body\n', {
      from: 'bpf-ci@example.org',
      to: ['author@example.org'],
      seriesSubject: '[PATCH] x\r\nBcc: victim@example.org',
    });
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Re: [PATCH] x Bcc: victim@example.org');
    expect(mail.bcc).toBeUndefined();
    await expect(
      composeMail('b', {
        from: 'a@b.org',
        to: ['c@d.org'],
        seriesSubject: 's',
        inReplyTo: 'x>\r\nBcc: v@e.org',
      }),
    ).rejects.toThrow(/not a Message-ID/);
  });

  it('treats flaky-only runs as passing and a first report of success as nothing to say', () => {
    const cases: [Verdict | undefined, Verdict, boolean][] = [
      [undefined, 'failure', true],
      [undefined, 'success', false],
      [undefined, 'warning', false],
      ['failure', 'failure', false],
      ['failure', 'warning', true],
      ['warning', 'success', false],
      ['success', 'failure', true],
    ];
    for (const [before, now, expected] of cases)
      expect(verdictChanged(before, now), `${before} → ${now}`).toBe(expected);
  });
});

describe('Patchwork checks on a Patchwork API stand-in', () => {
  it('posts fail for real failures and warning for flaky-only jobs, once per job per patch', async () => {
    const patchwork = await startPatchwork('pw-token', [101, 102]);
    try {
      const api = { url: patchwork.url, token: 'pw-token' };
      const checks = finalChecks(failure, { runUrl: RUN_URL });
      const byJob = new Map(checks.map((c) => [c.context, c]));
      expect(byJob.get('bpf-ci-test_progs_on_aarch64_with_gcc')?.state).toBe('fail');
      expect(byJob.get('bpf-ci-test_progs-no_alu32_on_aarch64_with_gcc')?.state).toBe('warning');
      expect(byJob.get('bpf-ci-test_maps_on_x86_64_with_gcc')?.state).toBe('warning');
      expect(byJob.get('bpf-ci-test_verifier_on_aarch64_with_gcc')?.state).toBe('success');
      expect(byJob.get('bpf-ci-test_maps_on_s390x_with_gcc')).toMatchObject({
        state: 'fail',
        description: 'no results: infrastructure failure',
      });
      expect(byJob.get('bpf-ci-test_progs_on_aarch64_with_gcc')?.target_url).toBe(
        jobUrl('test_progs on aarch64 with gcc'),
      );
      // A flaky-only run: every job warning or success, none fail.
      expect(new Set(finalChecks(flakyOnly, { runUrl: RUN_URL }).map((c) => c.state))).toEqual(
        new Set(['warning', 'success']),
      );

      // pending first, then the final states, then the same again and a late pending.
      const logger = new MemoryLogger();
      await postChecks(
        api,
        [101, 102],
        pendingChecks(
          PLANNED.map((p) => p.name),
          { runUrl: RUN_URL },
        ),
        logger,
      );
      expect(patchwork.posts).toBe(2 * PLANNED.length);
      const final = await postChecks(api, [101, 102], checks, logger);
      expect(final.every((r) => r.decision === 'post')).toBe(true);
      expect(patchwork.posts).toBe(4 * PLANNED.length);
      const again = await postChecks(api, [101, 102], checks, logger);
      expect(again.every((r) => r.decision === 'identical')).toBe(true);
      const late = await postChecks(
        api,
        [101, 102],
        pendingChecks(
          PLANNED.map((p) => p.name),
          { runUrl: RUN_URL },
        ),
        logger,
      );
      expect(late.every((r) => r.decision === 'would-downgrade')).toBe(true);
      expect(patchwork.posts).toBe(4 * PLANNED.length);
      const shown = patchwork.checks
        .get(101)!
        .filter((c) => c.context === 'bpf-ci-test_progs_on_aarch64_with_gcc');
      expect(shown.map((c) => c.state)).toEqual(['pending', 'fail']);
      expect(JSON.stringify(logger.entries)).not.toContain('pw-token');
    } finally {
      await patchwork.close();
    }
  });

  it('says why Patchwork refused a check', async () => {
    const patchwork = await startPatchwork('pw-token', [7]);
    try {
      const checks = finalChecks(success, { runUrl: RUN_URL });
      await expect(
        postChecks({ url: patchwork.url, token: 'wrong' }, [7], checks, new MemoryLogger()),
      ).rejects.toThrow(/HTTP 401 .*Authentication credentials were not provided/);
    } finally {
      await patchwork.close();
    }
  });

  it('never re-posts the newest state of a context, and never downgrades a final one', () => {
    const next = { context: 'c', state: 'fail' as const, description: 'd', target_url: 'u' };
    expect(decideCheck([], next)).toBe('post');
    expect(
      decideCheck([{ context: 'c', state: 'fail', target_url: 'u', date: '2025-01-01T00:00:00' }], next),
    ).toBe('identical');
    expect(
      decideCheck(
        [
          { context: 'c', state: 'fail', target_url: 'u', date: '2025-01-01T00:00:00' },
          { context: 'c', state: 'success', target_url: 'u', date: '2025-01-02T00:00:00' },
        ],
        next,
      ),
    ).toBe('post');
    expect(
      decideCheck([{ context: 'c', state: 'success', target_url: 'u' }], { ...next, state: 'pending' }),
    ).toBe('would-downgrade');
    expect(
      decideCheck([{ context: 'other', state: 'success', target_url: 'u' }], { ...next, state: 'pending' }),
    ).toBe('post');
  });
});
