// The run-report action's step: its inputs (as the action's schema parses them) to the texts, the
// deliveries, the step summary and the outputs. Here rather than in the action so the action stays
// a thin adapter; the GitHub runner's files come in through StepIo. Secrets (GITHUB_TOKEN,
// SMTP_PASSWORD, PATCHWORK_TOKEN) come only from the environment, never from inputs, so a
// workflow passes them through `env:`.
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { UserError } from '@bpf-ci/domain';
import type { Logger } from '@bpf-ci/logger';
import { totalCounts } from '@bpf-ci/model';
import { escapeMarkdown } from '@bpf-ci/protocol';
import { deliverReport, type DeliveryRequest, type DeliveryResult } from './deliver.ts';
import { parsePlannedJobs } from './jobs.ts';
import { githubClient, jobLinks, type GitHubClient } from './pr-comment.ts';
import {
  buildRunReport,
  reportFiles,
  writeReportFiles,
  type RunReport,
  type RunReportInput,
} from './render.ts';

/** The action's inputs, parsed (empty optional inputs are undefined, lists are arrays). */
export interface StepInputs {
  results: string[];
  'test-matrix'?: string | undefined;
  veristat: string[];
  quarantine?: string | undefined;
  'known-flaky'?: string | undefined;
  'failing-on-base'?: string | undefined;
  'output-dir': string;
  'job-links': boolean;
  'pr-comment': boolean;
  'pr-number'?: number | undefined;
  mail: boolean;
  'mail-from'?: string | undefined;
  'mail-to': string[];
  'mail-cc': string[];
  'series-subject'?: string | undefined;
  'in-reply-to'?: string | undefined;
  references: string[];
  'smtp-host'?: string | undefined;
  'smtp-port'?: number | undefined;
  'smtp-security': 'starttls' | 'tls';
  'smtp-user'?: string | undefined;
  'patchwork-url'?: string | undefined;
  'patchwork-patches': number[];
  'check-context-prefix': string;
}

export interface StepIo {
  logger: Logger;
  env: NodeJS.ProcessEnv;
  appendSummary(markdown: string): Promise<void>;
  setOutputs(outputs: Record<string, string | number | boolean>): void;
}

interface RunContext {
  apiUrl: string;
  runUrl?: string;
  repository?: { owner: string; repo: string };
  runId?: number;
  attempt: number;
}

function runContext(env: NodeJS.ProcessEnv): RunContext {
  const [owner, repo] = (env['GITHUB_REPOSITORY'] ?? '').split('/');
  const runId = Number(env['GITHUB_RUN_ID'] ?? '');
  const attempt = Number(env['GITHUB_RUN_ATTEMPT'] ?? '1') || 1;
  const ctx: RunContext = { apiUrl: env['GITHUB_API_URL'] || 'https://api.github.com', attempt };
  if (owner && repo) ctx.repository = { owner, repo };
  if (Number.isInteger(runId) && runId > 0) {
    ctx.runId = runId;
    if (owner && repo)
      ctx.runUrl = `${env['GITHUB_SERVER_URL'] || 'https://github.com'}/${owner}/${repo}/actions/runs/${runId}/attempts/${attempt}`;
  }
  return ctx;
}

async function prNumber(inputs: StepInputs, env: NodeJS.ProcessEnv): Promise<number | undefined> {
  if (inputs['pr-number'] !== undefined) return inputs['pr-number'];
  const path = env['GITHUB_EVENT_PATH'];
  if (!path) return undefined;
  const event = JSON.parse(await readFile(path, 'utf8')) as { pull_request?: { number?: number } };
  return event.pull_request?.number;
}

function secret(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const value = env[name];
  if (!value)
    throw new UserError(
      `${why} needs the ${name} environment variable (pass the secret through the step's env:)`,
    );
  return value;
}

export async function runReportStep(inputs: StepInputs, io: StepIo): Promise<void> {
  const { logger, env } = io;
  const ctx = runContext(env);
  const token = env['GITHUB_TOKEN'];
  const client =
    token && (inputs['job-links'] || inputs['pr-comment'])
      ? githubClient(token, ctx.apiUrl, logger)
      : undefined;
  const links = inputs['job-links'] && client ? await fetchJobLinks(client, ctx, logger) : undefined;
  const report = await buildRunReport(reportInput(inputs, ctx, links));
  logger.info(
    `${report.resultsFiles.length} results.json file(s), ${report.analysis.jobs.length} job(s): ${report.analysis.verdict}`,
  );
  const outputDir = resolve(inputs['output-dir']);
  const { request, notes } = await deliveryRequest(inputs, report, { ctx, env, client });
  const { paths, delivery } = await writeAndDeliver(outputDir, reportFiles(report), request, logger);
  notes.push(...deliveryNotes(delivery, paths, outputDir));
  await io.appendSummary(
    notes.length > 0
      ? `${report.summary}\n${notes.map((n) => `> ${escapeMarkdown(n)}`).join('\n>\n')}\n`
      : report.summary,
  );
  io.setOutputs(stepOutputs(report, outputDir, paths, delivery));
}

/** Each job's page, or undefined when the run's jobs cannot be listed (every job links to the run). */
async function fetchJobLinks(
  client: GitHubClient,
  ctx: RunContext,
  logger: Logger,
): Promise<Map<string, string> | undefined> {
  if (!ctx.repository || ctx.runId === undefined) return undefined;
  try {
    const links = await jobLinks(client, { ...ctx.repository, runId: ctx.runId, attempt: ctx.attempt });
    logger.info(`Links to ${links.size} job page(s) of run ${ctx.runId}, attempt ${ctx.attempt}`);
    return links;
  } catch (err) {
    // Links are a convenience: without `actions: read` (kernel-ci.yml's report job is read-only)
    // every job links to the run instead. Not a warning: it is the expected case there.
    logger.info(
      `Job links not available (${err instanceof Error ? err.message : String(err)}); linking the run instead`,
    );
    return undefined;
  }
}

/** What the report is made from: the files the inputs name, resolved, and the links to use. */
function reportInput(
  inputs: StepInputs,
  ctx: RunContext,
  links: Map<string, string> | undefined,
): RunReportInput {
  const input: RunReportInput = {
    results: inputs.results.map((p) => resolve(p)),
    veristat: inputs.veristat.map((line) => {
      const at = line.lastIndexOf('=');
      if (at <= 0)
        throw new UserError(`veristat: expected "JOB NAME=FILE" lines, got ${JSON.stringify(line)}`);
      return { job: line.slice(0, at).trim(), file: resolve(line.slice(at + 1).trim()) };
    }),
    links: {
      ...(links ? { jobUrl: (name: string) => links.get(name) } : {}),
      ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
    },
    checkPrefix: inputs['check-context-prefix'],
  };
  if (inputs['test-matrix']) input.planned = parsePlannedJobs(inputs['test-matrix'], 'test-matrix input');
  if (inputs.quarantine) input.quarantineFile = resolve(inputs.quarantine);
  if (inputs['known-flaky']) input.knownFlakyFile = resolve(inputs['known-flaky']);
  if (inputs['failing-on-base']) input.failingOnBaseFile = resolve(inputs['failing-on-base']);
  return input;
}

/**
 * The deliveries the inputs ask for (PR comment, mail, Patchwork checks), checked before anything
 * is written, and a note for each one that cannot happen here.
 */
async function deliveryRequest(
  inputs: StepInputs,
  report: RunReport,
  where: { ctx: RunContext; env: NodeJS.ProcessEnv; client: GitHubClient | undefined },
): Promise<{ request: DeliveryRequest; notes: string[] }> {
  const { ctx, env, client } = where;
  const request: DeliveryRequest = {
    verdict: report.analysis.verdict,
    markdown: report.authorMarkdown,
    text: report.authorText,
  };
  const notes: string[] = [];
  if (inputs['pr-comment']) {
    const number = await prNumber(inputs, env);
    if (!client || !ctx.repository)
      notes.push('PR comment not written: GITHUB_TOKEN or GITHUB_REPOSITORY is not set.');
    else if (number === undefined) notes.push('PR comment not written: this run is not for a pull request.');
    else request.comment = { client, target: { ...ctx.repository, issueNumber: number } };
  }
  if (inputs.mail) request.mail = await mailRequest(inputs, env);
  if (inputs['patchwork-url'] && inputs['patchwork-patches'].length > 0) {
    request.patchwork = {
      api: { url: inputs['patchwork-url'], token: secret(env, 'PATCHWORK_TOKEN', 'patchwork-url') },
      patches: inputs['patchwork-patches'],
      checks: report.checks,
    };
  }
  return { request, notes };
}

/** The author mail's headers, and the SMTP relay to send it through when one is named. */
async function mailRequest(
  inputs: StepInputs,
  env: NodeJS.ProcessEnv,
): Promise<NonNullable<DeliveryRequest['mail']>> {
  if (!inputs['mail-from'] || inputs['mail-to'].length === 0 || !inputs['series-subject'])
    throw new UserError('mail needs mail-from, mail-to and series-subject');
  const mail: NonNullable<DeliveryRequest['mail']> = {
    headers: {
      from: inputs['mail-from'],
      to: inputs['mail-to'],
      cc: inputs['mail-cc'],
      seriesSubject: inputs['series-subject'],
      references: inputs.references,
      ...(inputs['in-reply-to'] ? { inReplyTo: inputs['in-reply-to'] } : {}),
    },
  };
  if (inputs['smtp-host']) {
    const password = env['SMTP_PASSWORD'];
    mail.smtp = {
      host: inputs['smtp-host'],
      port: inputs['smtp-port'] ?? (inputs['smtp-security'] === 'tls' ? 465 : 587),
      security: inputs['smtp-security'],
      ...(inputs['smtp-user'] ? { user: inputs['smtp-user'], password: password ?? '' } : {}),
      ...(env['SMTP_CA_FILE'] ? { ca: await readFile(env['SMTP_CA_FILE'], 'utf8') } : {}),
    };
    if (inputs['smtp-user'] && !password) secret(env, 'SMTP_PASSWORD', 'smtp-user');
  }
  return mail;
}

/** Writes the texts, then delivers; the composed mail is kept even when its delivery fails. */
async function writeAndDeliver(
  outputDir: string,
  files: Record<string, string | Buffer>,
  request: DeliveryRequest,
  logger: Logger,
): Promise<{ paths: Record<string, string>; delivery: DeliveryResult }> {
  // The texts are written before any delivery, so a failed delivery never loses them.
  let paths = await writeReportFiles(outputDir, files);
  let delivery: DeliveryResult = { mailSent: false };
  try {
    delivery = await deliverReport(request, logger);
  } finally {
    if (delivery.mail)
      paths = { ...paths, ...(await writeReportFiles(outputDir, { 'author-report.eml': delivery.mail })) };
  }
  return { paths, delivery };
}

/** One line per delivery that happened or was refused, for the step summary. */
function deliveryNotes(delivery: DeliveryResult, paths: Record<string, string>, outputDir: string): string[] {
  const notes: string[] = [];
  if (delivery.comment?.action === 'forbidden')
    notes.push(
      `PR comment not written: ${delivery.comment.message} (${basename(paths['author-report.md'] ?? 'author-report.md')} in ${outputDir}).`,
    );
  else if (delivery.comment) notes.push(`PR comment ${delivery.comment.action}: ${delivery.comment.url}`);
  if (delivery.mailReason) notes.push(delivery.mailReason);
  const posted = delivery.checks?.filter((c) => c.decision === 'post').length;
  if (posted !== undefined)
    notes.push(`Patchwork: ${posted} check(s) posted, ${(delivery.checks?.length ?? 0) - posted} unchanged.`);
  return notes;
}

/** The action's outputs (action.yml lists them). */
function stepOutputs(
  report: RunReport,
  outputDir: string,
  paths: Record<string, string>,
  delivery: DeliveryResult,
): Record<string, string | number | boolean> {
  const counts = totalCounts(report.analysis.jobs.flatMap((j) => j.job.results?.run.binaries ?? []));
  return {
    verdict: report.analysis.verdict,
    passed: counts.passed,
    failed: counts.failed,
    skipped: counts.skipped,
    jobs: report.analysis.jobs.length,
    'failed-jobs': report.analysis.jobs.filter((j) => j.verdict === 'failure').length,
    'infrastructure-failures': report.analysis.infra.length,
    'output-dir': outputDir,
    'summary-path': paths['run-summary.md'] ?? '',
    'author-text-path': paths['author-report.txt'] ?? '',
    'author-markdown-path': paths['author-report.md'] ?? '',
    'checks-path': paths['patchwork-checks.json'] ?? '',
    'mail-path': paths['author-report.eml'] ?? '',
    comment: delivery.comment?.action ?? 'none',
    'mail-sent': delivery.mailSent,
  };
}
