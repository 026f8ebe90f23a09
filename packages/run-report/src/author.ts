// The report for the series author: the verdict, the failed jobs, and for each failure class a
// short excerpt (the failed assertion and the lines around it) with the command that reproduces
// it locally. Built once as data, rendered as plain text (mail) and as Markdown (PR comment).
// Excerpts are capped per failure and in total, so one broken run never sends a megabyte of log.
import type { ConsoleEvent, TestCase } from '@bpf-ci/model';
import { shellQuote } from '@bpf-ci/domain';
import { assertionText, countsLine } from '@bpf-ci/report';
import type { Family, Finding, JobSummary, Label, RunAnalysis, Verdict } from './analyze.ts';
import type { VeristatFinding } from './veristat.ts';

export type AuthorClass = 'splat' | Family | 'veristat';

export const AUTHOR_CLASS_TITLE: Record<AuthorClass, string> = {
  splat: 'Kernel splats',
  test_progs: 'test_progs failures',
  test_maps: 'test_maps failures',
  test_verifier: 'test_verifier failures',
  other: 'Other failures',
  veristat: 'veristat regressions',
};
const CLASS_ORDER: readonly AuthorClass[] = [
  'splat',
  'test_progs',
  'test_maps',
  'test_verifier',
  'other',
  'veristat',
];

export interface AuthorJob {
  name: string;
  url?: string;
  /** "Success: 355/3013, Skipped: 13, Failed: 1", or why there are no counts. */
  detail: string;
}

export interface AuthorItem {
  title: string;
  label?: Label;
  jobs: AuthorJob[];
  /** The failed assertion and the lines around it, capped; empty when the total cap was reached. */
  excerpt: string[];
  /** Set when the excerpt was left out to keep the report under its total cap. */
  excerptOmitted?: boolean;
  repro?: string;
}

export interface AuthorSection {
  cls: AuthorClass;
  items: AuthorItem[];
}

export interface AuthorReport {
  verdict: Verdict;
  runUrl?: string;
  failedJobs: AuthorJob[];
  /** Jobs that left no results at all. */
  infraJobs: AuthorJob[];
  sections: AuthorSection[];
  /** Flaky and quarantined tests: named, with no excerpt (they did not fail the run). */
  notCounted: { title: string; label: Label; jobs: AuthorJob[]; quarantined: boolean }[];
}

export interface AuthorOptions {
  runUrl?: string;
  /** Lines of excerpt per failure (default 12). */
  maxExcerptLines?: number;
  /** Characters per excerpt line; longer lines are cut (default 160, well under mail's 998). */
  maxLineLength?: number;
  /** Bytes of excerpts in all; later failures are listed without one (default 16 KiB). */
  maxExcerptBytes?: number;
  /**
   * The repro command template. `{binary}` `{test}` `{arch}` `{toolchain}` are replaced (the test
   * shell-quoted). Default: the kernel tree's tools/testing/selftests/bpf/vmtest.sh.
   */
  repro?: string;
}

const ELLIPSIS = '…';

function clipLine(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max - 1)}${ELLIPSIS}`;
}

const isNoise = (l: string): boolean => /:PASS:.* -?\d+ nsec$/.test(l) || l.trim() === '';

/**
 * The failed assertion and the lines around it: up to 3 lines before it and 2 after (PASS lines
 * and blank lines skipped). Without a log, the assertions as printed; without either, the reason.
 */
export function testExcerpt(test: TestCase, maxLines: number): string[] {
  const log = test.log.length > 0 ? test.log : (test.attempts.at(-1)?.log ?? []);
  const first = test.assertions[0];
  const marker = first
    ? first.func !== undefined
      ? `${first.func}:FAIL:${first.tag}`
      : first.tag
    : undefined;
  let at = marker !== undefined ? log.findIndex((l) => l.includes(marker)) : -1;
  if (at < 0) at = log.findIndex((l) => /:FAIL:|FAIL\b|failed|error/i.test(l));
  let lines: string[];
  if (at >= 0) {
    const before: string[] = [];
    for (let i = at - 1; i >= 0 && before.length < 3; i--)
      if (!isNoise(log[i] ?? '')) before.unshift(log[i] ?? '');
    const after: string[] = [];
    for (let i = at + 1; i < log.length && after.length < 2; i++)
      if (!isNoise(log[i] ?? '')) after.push(log[i] ?? '');
    lines = [...before, log[at] ?? '', ...after];
  } else if (test.assertions.length > 0) {
    lines = test.assertions.flatMap((a) => assertionText(a).split('\n'));
  } else if (log.length > 0) {
    lines = log.filter((l) => !isNoise(l)).slice(-maxLines);
  } else {
    lines = test.reason ? [test.reason] : [];
  }
  return lines.slice(0, maxLines);
}

/** A splat as printed, from its title down into the call trace, blank lines left out. */
export function splatExcerpt(event: ConsoleEvent, maxLines: number): string[] {
  const lines = event.lines.filter((l) => l.trim() !== '');
  return (lines.length > 0 ? lines : [event.title, ...event.callTrace]).slice(0, maxLines);
}

const DEFAULT_REPRO = 'tools/testing/selftests/bpf/vmtest.sh -- {command}';

function platformEnv(arch: string, toolchain: string): string {
  const env: string[] = [];
  if (arch !== 'x86_64' && arch !== '')
    env.push(`PLATFORM=${shellQuote(arch)}`, `CROSS_COMPILE=${shellQuote(`${arch}-linux-gnu-`)}`);
  if (toolchain.startsWith('llvm')) env.push('LLVM=1');
  return env.length > 0 ? `${env.join(' ')} ` : '';
}

/** The selftest command that runs just this test, as the kernel's selftests take it. */
export function selftestCommand(binary: string, test: string, family: Family, number?: number): string {
  if (family === 'test_progs') return `./${shellQuote(binary)} -a ${shellQuote(test)}`;
  if (family === 'test_verifier' && number !== undefined) return `./test_verifier ${number} ${number}`;
  return `./${shellQuote(binary)}`;
}

function reproFor(
  template: string | undefined,
  occurrence: { binary: string; arch: string; toolchain: string },
  test: string,
  family: Family,
  number?: number,
): string {
  if (template !== undefined) {
    return template
      .replaceAll('{binary}', shellQuote(occurrence.binary))
      .replaceAll('{test}', shellQuote(test))
      .replaceAll('{arch}', shellQuote(occurrence.arch))
      .replaceAll('{toolchain}', shellQuote(occurrence.toolchain));
  }
  return (
    platformEnv(occurrence.arch, occurrence.toolchain) +
    DEFAULT_REPRO.replace('{command}', selftestCommand(occurrence.binary, test, family, number))
  );
}

function jobOf(summary: JobSummary): AuthorJob {
  const job: AuthorJob = {
    name: summary.job.name,
    detail:
      summary.verdict === 'infra'
        ? 'no results: the job failed or was cancelled before it reported'
        : `${countsLine(summary.counts ?? { passed: 0, skipped: 0, failed: 0 })}${summary.partial ? ` (partial: ${summary.partial})` : ''}`,
  };
  if (summary.patchThreshold?.status === 'below') job.detail += `; ${summary.patchThreshold.message}`;
  if (summary.job.url !== undefined) job.url = summary.job.url;
  return job;
}

function findingJobs(finding: Finding, analysis: RunAnalysis): AuthorJob[] {
  const out: AuthorJob[] = [];
  for (const o of finding.occurrences) {
    const summary = analysis.jobs.find((s) => s.job === o.job);
    if (!summary || out.some((j) => j.name === o.job.name)) continue;
    const job = jobOf(summary);
    if (o.failedAttempt !== undefined) job.detail = `failed in attempt ${o.failedAttempt}, passed later`;
    out.push(job);
  }
  return out;
}

function veristatItem(v: VeristatFinding, opts: AuthorOptions): AuthorItem {
  const job: AuthorJob = {
    name: v.job,
    detail: v.level === 'fail' ? 'regression (fails the run)' : 'regression (warning)',
  };
  if (v.url !== undefined) job.url = v.url;
  const [file = '', prog = ''] = splitProgram(v.program);
  const item: AuthorItem = {
    title: v.program,
    jobs: [job],
    excerpt: v.changes.map((c) => clipLine(c, opts.maxLineLength ?? 160)),
  };
  if (file !== '')
    item.repro = `./veristat -e file,prog,verdict,insns,states -f ${shellQuote(`${file}/${prog}`)} ${shellQuote(file)}`;
  return item;
}

function splitProgram(program: string): [string, string] {
  const at = program.lastIndexOf('/');
  return at < 0 ? ['', program] : [program.slice(0, at), program.slice(at + 1)];
}

export function buildAuthorReport(analysis: RunAnalysis, options: AuthorOptions = {}): AuthorReport {
  const maxLines = options.maxExcerptLines ?? 12;
  const maxLen = options.maxLineLength ?? 160;
  let budget = options.maxExcerptBytes ?? 16 * 1024;
  const report: AuthorReport = {
    verdict: analysis.verdict,
    failedJobs: analysis.jobs.filter((j) => j.verdict === 'failure').map(jobOf),
    infraJobs: analysis.jobs.filter((j) => j.verdict === 'infra').map(jobOf),
    sections: [],
    notCounted: [],
  };
  if (options.runUrl !== undefined) report.runUrl = options.runUrl;
  const sections = new Map<AuthorClass, AuthorItem[]>();
  const addItem = (cls: AuthorClass, item: AuthorItem): void => {
    const size = Buffer.byteLength(item.excerpt.join('\n'), 'utf8');
    if (size > budget) {
      item.excerpt = [];
      item.excerptOmitted = true;
    } else budget -= size;
    sections.set(cls, [...(sections.get(cls) ?? []), item]);
  };
  for (const finding of analysis.findings) {
    const first = finding.occurrences[0];
    if (!first) continue;
    const jobs = findingJobs(finding, analysis);
    if (finding.class === 'flaky' || finding.class === 'quarantined') {
      report.notCounted.push({
        title: finding.key,
        label: finding.label,
        jobs,
        quarantined: finding.class === 'quarantined',
      });
      continue;
    }
    const where = { binary: first.binary, arch: first.job.arch, toolchain: first.job.toolchain };
    if (finding.class === 'splat' && first.event) {
      const event = first.event;
      const item: AuthorItem = {
        title: event.test ? `${finding.key} (while ${event.test} ran)` : finding.key,
        label: finding.label,
        jobs,
        excerpt: splatExcerpt(event, maxLines).map((l) => clipLine(l, maxLen)),
      };
      if (event.test) item.repro = reproFor(options.repro, where, event.test, finding.family);
      addItem('splat', item);
      continue;
    }
    const test = first.test;
    addItem(finding.family, {
      title: finding.key,
      label: finding.label,
      jobs,
      excerpt: test ? testExcerpt(test, maxLines).map((l) => clipLine(l, maxLen)) : [],
      repro: reproFor(
        options.repro,
        where,
        finding.key,
        finding.family,
        first.parent?.number ?? test?.number,
      ),
    });
  }
  for (const v of analysis.veristat) addItem('veristat', veristatItem(v, options));
  for (const cls of CLASS_ORDER) {
    const items = sections.get(cls);
    if (items) report.sections.push({ cls, items });
  }
  return report;
}
