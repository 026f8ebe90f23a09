// Everything the run report produces, from its inputs, in one call the action and the CLI share;
// and the files it writes (always written, whatever is delivered).
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { analyzeRun, type KnownIssues, type RunAnalysis } from './analyze.ts';
import { buildAuthorReport, type AuthorOptions, type AuthorReport } from './author.ts';
import { renderAuthorMarkdown, renderAuthorText } from './author-render.ts';
import { collectJobs, type CollectOptions, type PlannedJob } from './jobs.ts';
import { knownIssuesFromLists } from './known.ts';
import { loadResults, loadVeristatDiff } from './load.ts';
import { finalChecks, type CheckPayload } from './patchwork.ts';
import { renderRunSummary } from './summary.ts';
import { veristatFindings, type VeristatInput } from './veristat.ts';

export interface RunReportInput {
  /** results.json files, or folders searched for them (downloaded artifacts). */
  results: string[];
  planned?: PlannedJob[];
  /** veristat-diff --json outputs, each with the job it belongs to. */
  veristat?: { job: string; file: string }[];
  /** DENYLIST-style lists of known issues (file paths). */
  quarantineFile?: string;
  knownFlakyFile?: string;
  failingOnBaseFile?: string;
  /** Known issues from elsewhere (a ci-stats database); combined with the lists. */
  known?: KnownIssues;
  links?: CollectOptions;
  author?: AuthorOptions;
  /** Patchwork check context prefix (default bpf-ci). */
  checkPrefix?: string;
}

export interface RunReport {
  analysis: RunAnalysis;
  author: AuthorReport;
  summary: string;
  authorText: string;
  authorMarkdown: string;
  checks: CheckPayload[];
  resultsFiles: string[];
}

/** results.json files named, or found under folders (sorted, so the report does not depend on readdir order). */
export async function findResultsFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && entry.name === 'results.json') out.push(path);
    }
  };
  for (const p of paths) {
    const full = resolve(p);
    const info = await stat(full).catch((err: unknown) => {
      throw new Error(`${p}: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (info.isDirectory()) await walk(full);
    else if (info.isFile()) out.push(full);
    else throw new Error(`${p}: not a regular file or a folder`);
  }
  return [...new Set(out)];
}

function combine(a: KnownIssues, b: KnownIssues | undefined): KnownIssues {
  if (!b) return a;
  const either =
    (f?: (t: string, r: string) => boolean, g?: (t: string, r: string) => boolean) =>
    (t: string, r: string): boolean =>
      (f?.(t, r) ?? false) || (g?.(t, r) ?? false);
  return {
    isQuarantined: either(a.isQuarantined, b.isQuarantined),
    isKnownFlaky: either(a.isKnownFlaky, b.isKnownFlaky),
    failsOnBase: either(a.failsOnBase, b.failsOnBase),
  };
}

const readOptional = async (path: string | undefined): Promise<string | undefined> =>
  path === undefined ? undefined : readFile(path, 'utf8');

export async function buildRunReport(input: RunReportInput): Promise<RunReport> {
  const resultsFiles = await findResultsFiles(input.results);
  const loaded = await loadResults(resultsFiles);
  const jobs = collectJobs(input.planned ?? [], loaded, input.links ?? {});
  const lists: { quarantine?: string; knownFlaky?: string; failingOnBase?: string } = {};
  const quarantine = await readOptional(input.quarantineFile);
  const knownFlaky = await readOptional(input.knownFlakyFile);
  const failingOnBase = await readOptional(input.failingOnBaseFile);
  if (quarantine !== undefined) lists.quarantine = quarantine;
  if (knownFlaky !== undefined) lists.knownFlaky = knownFlaky;
  if (failingOnBase !== undefined) lists.failingOnBase = failingOnBase;
  const veristat: VeristatInput[] = [];
  for (const v of input.veristat ?? []) {
    const job = jobs.find((j) => j.name === v.job);
    const entry: VeristatInput = { job: v.job, diff: await loadVeristatDiff(v.file) };
    const url = job?.url ?? input.links?.runUrl;
    if (url !== undefined) entry.url = url;
    veristat.push(entry);
  }
  const analysis = analyzeRun(
    jobs,
    combine(knownIssuesFromLists(lists), input.known),
    veristatFindings(veristat),
  );
  const authorOptions: AuthorOptions = { ...input.author };
  if (authorOptions.runUrl === undefined && input.links?.runUrl !== undefined)
    authorOptions.runUrl = input.links.runUrl;
  const author = buildAuthorReport(analysis, authorOptions);
  return {
    analysis,
    author,
    summary: renderRunSummary(analysis),
    authorText: renderAuthorText(author),
    authorMarkdown: renderAuthorMarkdown(author),
    checks: finalChecks(analysis, {
      runUrl: input.links?.runUrl ?? '',
      ...(input.checkPrefix !== undefined ? { prefix: input.checkPrefix } : {}),
    }),
    resultsFiles,
  };
}

/** The report's files, by name: what the action uploads and the CLI writes. */
export function reportFiles(report: RunReport): Record<string, string> {
  return {
    'run-summary.md': report.summary,
    'author-report.txt': report.authorText,
    'author-report.md': report.authorMarkdown,
    'patchwork-checks.json': `${JSON.stringify(report.checks, null, 2)}\n`,
    'verdict.json': `${JSON.stringify(
      {
        verdict: report.analysis.verdict,
        jobs: report.analysis.jobs.map((j) => ({
          name: j.job.name,
          verdict: j.verdict,
          counts: j.counts ?? null,
        })),
        infrastructureFailures: report.analysis.infra.map((j) => j.name),
      },
      null,
      2,
    )}\n`,
  };
}

export async function writeReportFiles(
  dir: string,
  files: Record<string, string | Buffer>,
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, content);
    paths[name] = path;
  }
  return paths;
}
