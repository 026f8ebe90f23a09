// The run summary: one GitHub-flavoured Markdown page for the maintainer: the grid of every job's
// verdict and counts, then every finding once across the matrix. Pure: analysis in, Markdown out.
// Every text from results (test names, splat titles, arch and toolchain names) is escaped.
import { escapeMarkdown } from '@bpf-ci/protocol';
import { countsLine, plural } from '@bpf-ci/report';
import {
  findingHeadline,
  type Finding,
  type FindingClass,
  type JobSummary,
  type RunAnalysis,
} from './analyze.ts';
import type { JobReport } from './jobs.ts';
import { LABEL_TEXT, VERDICT_TEXT } from './words.ts';

export interface SummaryOptions {
  /** Rows shown per section; the rest are counted (default 100). */
  maxRows?: number;
  /** A line added under the heading (e.g. where the PR comment went). */
  notes?: string[];
}

const VERDICT_ICON = { success: '✅', warning: '⚠️', failure: '❌', infra: '💥' } as const;
const THRESHOLD_ICON = { met: '✅', below: '❌', 'not-applicable': '➖' } as const;

const SECTION: Record<FindingClass, string> = {
  splat: '🔥 Kernel splats',
  failure: '❌ Failures',
  flaky: '🔁 Flaky (passed on retry)',
  quarantined: '🧊 Quarantined (failed, not counted)',
};

/**
 * A link for Markdown: the text escaped; the URL must be http(s), with the characters that could
 * end a link destination percent-encoded. Anything else renders as plain text.
 */
export function markdownLink(text: string, url: string | undefined): string {
  const label = escapeMarkdown(text);
  if (url === undefined) return label;
  let href: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return label;
    href = parsed.href.replace(
      /[()<>\s"'`\\]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
  } catch {
    return label;
  }
  return `[${label}](${href})`;
}

/** "test_progs · aarch64/gcc": how a job is named inside a table row. */
export function variantName(job: JobReport): string {
  return `${job.runner} · ${job.arch}/${job.toolchain}`;
}

function cell(summary: JobSummary | undefined): string {
  if (!summary) return '—';
  const icon = VERDICT_ICON[summary.verdict];
  const text =
    summary.verdict === 'infra'
      ? `${icon} no results (infrastructure)`
      : `${icon} ${countsLine(summary.counts ?? { passed: 0, skipped: 0, failed: 0 })}${summary.partial ? ' (partial)' : ''}`;
  return markdownLink(text, summary.job.url);
}

function grid(analysis: RunAnalysis): string {
  const runners: string[] = [];
  const columns: string[] = [];
  const colKey = (j: JobReport): string => `${j.arch} ${j.toolchain}`;
  for (const { job } of analysis.jobs) {
    if (!runners.includes(job.runner)) runners.push(job.runner);
    if (!columns.includes(colKey(job))) columns.push(colKey(job));
  }
  const lines = [
    `| Runner | ${columns.map(escapeMarkdown).join(' | ')} |`,
    `| :-- | ${columns.map(() => ':--').join(' | ')} |`,
  ];
  for (const runner of runners) {
    const cells = columns.map((c) =>
      cell(analysis.jobs.find((s) => s.job.runner === runner && colKey(s.job) === c)),
    );
    lines.push(`| ${escapeMarkdown(runner)} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function variants(finding: Finding): string {
  const seen = new Set<JobReport>();
  const links: string[] = [];
  for (const o of finding.occurrences) {
    if (seen.has(o.job)) continue;
    seen.add(o.job);
    const attempt = o.failedAttempt !== undefined ? ` (attempt ${o.failedAttempt})` : '';
    links.push(markdownLink(variantName(o.job) + attempt, o.job.url));
  }
  return `${links.join('<br>')}`;
}

function findingRow(finding: Finding): string {
  const first = finding.occurrences[0];
  const where =
    finding.class === 'splat'
      ? escapeMarkdown(
          [...new Set(finding.occurrences.map((o) => o.event?.test).filter((t) => t !== undefined))].join(
            ', ',
          ) || '—',
        )
      : escapeMarkdown(first?.binary ?? '');
  const headline = finding.class === 'splat' ? '' : escapeMarkdown(findingHeadline(finding));
  const jobs = new Set(finding.occurrences.map((o) => o.job)).size;
  return `| ${escapeMarkdown(finding.key)} | ${where} | ${jobs} | ${variants(finding)} | ${headline} | ${LABEL_TEXT[finding.label]} |`;
}

function findingsSection(cls: FindingClass, findings: readonly Finding[], maxRows: number): string {
  if (findings.length === 0) return '';
  const head =
    cls === 'splat'
      ? '| Splat | Running test | Jobs | Where | | Known |'
      : '| Test | Binary | Jobs | Where | First failure | Known |';
  const rows = findings.slice(0, maxRows).map(findingRow);
  const more = findings.length > maxRows ? `\n_${findings.length - maxRows} more not shown._\n` : '';
  return `### ${SECTION[cls]} (${findings.length})\n\n${head}\n| :-- | :-- | --: | :-- | :-- | :-- |\n${rows.join('\n')}\n${more}`;
}

export function renderRunSummary(analysis: RunAnalysis, options: SummaryOptions = {}): string {
  const maxRows = options.maxRows ?? 100;
  const out: string[] = [];
  const { jobs } = analysis;
  const count = (v: JobSummary['verdict']): number => jobs.filter((j) => j.verdict === v).length;
  out.push(`## ${VERDICT_ICON[analysis.verdict]} BPF CI run: ${VERDICT_TEXT[analysis.verdict]}\n`);
  const parts = [
    `${count('success')} passed`,
    `${count('failure')} failed`,
    ...(count('warning') > 0 ? [`${count('warning')} with flaky or quarantined tests only`] : []),
    ...(count('infra') > 0 ? [`${plural(count('infra'), 'infrastructure failure')} (no results)`] : []),
  ];
  out.push(`**${plural(jobs.length, 'job')}:** ${parts.join(', ')}.\n`);
  for (const note of options.notes ?? []) out.push(`> ${escapeMarkdown(note)}\n`);
  if (jobs.length > 0) out.push(grid(analysis));
  for (const cls of ['splat', 'failure', 'flaky', 'quarantined'] as const)
    out.push(
      findingsSection(
        cls,
        analysis.findings.filter((f) => f.class === cls),
        maxRows,
      ),
    );
  if (analysis.veristat.length > 0) {
    const rows = analysis.veristat
      .slice(0, maxRows)
      .map(
        (v) =>
          `| ${escapeMarkdown(v.program)} | ${markdownLink(v.job, v.url)} | ${v.changes.map(escapeMarkdown).join('<br>')} | ${v.level} |`,
      );
    out.push(
      `### 📈 veristat regressions (${analysis.veristat.length})\n\n| Program | Job | Change | Level |\n| :-- | :-- | :-- | :-- |\n${rows.join('\n')}\n`,
    );
  }
  const covered = jobs.filter((j) => j.coverage !== undefined);
  if (covered.length > 0) {
    const rows = covered.map((j) => {
      const c = j.coverage!;
      return `| ${markdownLink(j.job.name, j.job.url)} | ${((100 * c.linesCovered) / c.linesTotal).toFixed(1)} % | ${c.linesCovered}/${c.linesTotal} |`;
    });
    out.push(`### 📊 Coverage\n\n| Job | Lines | Covered/total |\n| :-- | --: | --: |\n${rows.join('\n')}\n`);
  }
  const judged = jobs.filter((j) => j.patchThreshold !== undefined);
  if (judged.length > 0) {
    const lines = judged.map(
      (j) =>
        `- ${THRESHOLD_ICON[j.patchThreshold!.status]} ${markdownLink(j.job.name, j.job.url)}: ${escapeMarkdown(j.patchThreshold!.message)}`,
    );
    out.push(`### 🎯 Patch coverage threshold\n\n${lines.join('\n')}\n`);
  }
  if (analysis.infra.length > 0) {
    out.push(
      `### 💥 Infrastructure failures (${analysis.infra.length})\n\n` +
        analysis.infra
          .map(
            (j) =>
              `- ${markdownLink(j.name, j.url)}: no results.json (the job failed or was cancelled before it reported, or its artifact is missing)`,
          )
          .join('\n') +
        '\n',
    );
  }
  const partial = jobs.filter((j) => j.partial !== undefined);
  if (partial.length > 0) {
    out.push(
      `### ⚠️ Partial results (${partial.length})\n\n` +
        partial
          .map((j) => `- ${markdownLink(j.job.name, j.job.url)}: ${escapeMarkdown(j.partial ?? '')}`)
          .join('\n') +
        '\n',
    );
  }
  return `${out.filter((p) => p !== '').join('\n')}`;
}
