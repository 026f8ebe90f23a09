// The author report as plain text (for mail: the kernel lists take text/plain only) and as
// Markdown (for the pull-request comment). Prose is wrapped at 72 columns; log excerpts and
// commands are kept verbatim (already capped in length) so they can be searched and pasted.
import { codeFence, escapeMarkdown } from '@bpf-ci/protocol';
import { AUTHOR_CLASS_TITLE, type AuthorItem, type AuthorJob, type AuthorReport } from './author.ts';
import { markdownLink } from './summary.ts';
import { LABEL_TEXT, VERDICT_TEXT } from './words.ts';

export const WRAP_COLUMNS = 72;

/** Word-wrap one line at `width`, continuation lines indented like the first line plus `hang`. */
export function wrapLine(line: string, width = WRAP_COLUMNS, hang = ''): string[] {
  if (line.length <= width) return [line];
  const indent = /^\s*/.exec(line)?.[0] ?? '';
  const words = line.slice(indent.length).split(/ +/);
  const out: string[] = [];
  let current = indent;
  for (const word of words) {
    if (current.trim() === '') current = indent + word;
    else if (current.length + 1 + word.length <= width) current += ` ${word}`;
    else {
      out.push(current);
      current = indent + hang + word;
    }
  }
  out.push(current);
  return out;
}

function headline(report: AuthorReport): string {
  const failures = report.sections.reduce((n, s) => n + s.items.length, 0);
  if (report.verdict === 'success') return 'All tests passed.';
  if (report.verdict === 'warning')
    return 'No real failures: only tests that are flaky or quarantined failed; they do not fail the run.';
  return `${failures} failure${failures === 1 ? '' : 's'} in ${report.failedJobs.length} job${report.failedJobs.length === 1 ? '' : 's'}${report.infraJobs.length > 0 ? `, and ${report.infraJobs.length} job(s) without results` : ''}.`;
}

function jobText(job: AuthorJob): string[] {
  return [
    ...wrapLine(`  ${job.name}: ${job.detail}`, WRAP_COLUMNS, '  '),
    ...(job.url ? [`    ${job.url}`] : []),
  ];
}

function itemText(item: AuthorItem): string[] {
  const out: string[] = [];
  out.push(
    ...wrapLine(`* ${item.title}${item.label ? ` [${LABEL_TEXT[item.label]}]` : ''}`, WRAP_COLUMNS, '  '),
  );
  out.push(...wrapLine(`  Failed on: ${item.jobs.map((j) => j.name).join('; ')}`, WRAP_COLUMNS, '  '));
  if (item.excerpt.length > 0) out.push('', ...item.excerpt.map((l) => `    ${l}`.trimEnd()), '');
  else if (item.excerptOmitted)
    out.push('  (excerpt left out: the report is at its size limit; see the run)');
  if (item.repro) out.push('  Reproduce locally:', `    ${item.repro}`);
  out.push('');
  return out;
}

/** The plain-text report (the body of the mail). */
export function renderAuthorText(report: AuthorReport, intro?: string): string {
  const out: string[] = [];
  if (intro) out.push(...intro.split('\n').flatMap((l) => wrapLine(l)), '');
  out.push(`BPF CI verdict: ${VERDICT_TEXT[report.verdict]}`, ...wrapLine(headline(report)));
  if (report.runUrl) out.push(`Run: ${report.runUrl}`);
  out.push('');
  if (report.failedJobs.length > 0) out.push('Failed jobs:', ...report.failedJobs.flatMap(jobText), '');
  if (report.infraJobs.length > 0)
    out.push('Jobs without results (infrastructure failures):', ...report.infraJobs.flatMap(jobText), '');
  for (const section of report.sections) {
    const title = AUTHOR_CLASS_TITLE[section.cls];
    out.push(title, '-'.repeat(title.length), '', ...section.items.flatMap(itemText));
  }
  if (report.notCounted.length > 0) {
    out.push('Flaky or quarantined (not counted)', '-'.repeat(34), '');
    for (const n of report.notCounted) {
      const what = n.quarantined ? 'quarantined, failed' : 'flaky, passed on retry';
      out.push(
        ...wrapLine(
          `* ${n.title} [${what}; ${LABEL_TEXT[n.label]}]: ${n.jobs.map((j) => j.name).join('; ')}`,
          WRAP_COLUMNS,
          '  ',
        ),
      );
    }
    out.push('');
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function jobMarkdown(job: AuthorJob): string {
  return `- ${markdownLink(job.name, job.url)}: ${escapeMarkdown(job.detail)}`;
}

/** The Markdown report (the pull-request comment's body, without its marker). */
export function renderAuthorMarkdown(report: AuthorReport): string {
  const icon = { success: '✅', warning: '⚠️', failure: '❌' }[report.verdict];
  const out: string[] = [`## ${icon} BPF CI: ${escapeMarkdown(VERDICT_TEXT[report.verdict])}\n`];
  out.push(
    `${escapeMarkdown(headline(report))}${report.runUrl ? ` ${markdownLink('Run', report.runUrl)}.` : ''}\n`,
  );
  if (report.failedJobs.length > 0)
    out.push(`**Failed jobs**\n\n${report.failedJobs.map(jobMarkdown).join('\n')}\n`);
  if (report.infraJobs.length > 0)
    out.push(
      `**Jobs without results (infrastructure failures)**\n\n${report.infraJobs.map(jobMarkdown).join('\n')}\n`,
    );
  for (const section of report.sections) {
    out.push(`### ${escapeMarkdown(AUTHOR_CLASS_TITLE[section.cls])}\n`);
    for (const item of section.items) {
      const label = item.label ? ` _(${escapeMarkdown(LABEL_TEXT[item.label])})_` : '';
      out.push(`#### ${escapeMarkdown(item.title)}${label}\n`);
      out.push(`Failed on: ${item.jobs.map((j) => markdownLink(j.name, j.url)).join(', ')}\n`);
      if (item.excerpt.length > 0) out.push(codeFence(item.excerpt.join('\n')));
      else if (item.excerptOmitted)
        out.push('_Excerpt left out: the report is at its size limit; see the run._\n');
      if (item.repro) out.push(`Reproduce locally:\n\n${codeFence(item.repro, 'sh')}`);
    }
  }
  if (report.notCounted.length > 0) {
    out.push('### Flaky or quarantined (not counted)\n');
    out.push(
      report.notCounted
        .map(
          (n) =>
            `- ${escapeMarkdown(n.title)} (${n.quarantined ? 'quarantined, failed' : 'flaky, passed on retry'}; ${escapeMarkdown(LABEL_TEXT[n.label])}): ${n.jobs.map((j) => markdownLink(j.name, j.url)).join(', ')}`,
        )
        .join('\n') + '\n',
    );
  }
  return out.join('\n');
}
