// One coverage job's host side, as the reusable workflow runs it after the tests: every capture
// the guest made (gcov/all, or gcov/<runner> with per-runner attribution) becomes a tracefile with
// the build's .gcno notes (geninfo), the captures are merged (`lcov -a`), and the merge gives the
// report (results.json's coverage field and the job summary's section) and genhtml's HTML report.
// A capture that cannot be read is left out and the report says partial; no capture at all is an
// error that names what is missing.
import { copyFile, mkdir, readdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { UserError } from '@bpf-ci/domain';
import type { CoverageReport } from '@bpf-ci/model';
import { parseRun } from '@bpf-ci/model';
import type { Logger } from '@bpf-ci/logger';
import { ANNOTATIONS_PER_LEVEL_PER_STEP, capAnnotations } from '@bpf-ci/protocol';
import { parseUnifiedDiff, type AddedLines } from './diff.ts';
import { parseLcov, percent } from './lcov.ts';
import { patchPercent, uncoveredAnnotations, type PatchCoverage } from './patch.ts';
import { coverageReport, renderCoverageMarkdown } from './report.ts';
import { captureTracefile, gitDiff, mergeTracefiles, resolveCommit, writeHtmlReport } from './tools.ts';

export interface CoverageStepOptions {
  /** The vmtest-runner's gcov folder: one folder per capture (all, or one per runner). */
  gcovDir: string;
  /** The build's .gcno notes at their build-folder-relative paths (the artifact's gcno folder). */
  gcnoDir: string;
  /** The absolute source folder of the build, which the notes name. */
  buildSourceDir: string;
  /** The profiled directories, source-relative (kernel/bpf). */
  directories: readonly string[];
  /** Where coverage.lcov, one coverage-<capture>.lcov per capture and html/ are written. */
  outputDir: string;
  /** A checkout of the profiled directories at the built commit; without it, no HTML report. */
  sourceDir?: string;
  /** A results.json that gets the report as its coverage field. */
  results?: string;
  /** Recorded in the tracefiles (TN:), e.g. the job's name. */
  testName?: string;
  /**
   * Patch coverage: the lines `git diff base head` adds under the directories, in sourceDir (a
   * git checkout of `head`, the commit the kernel was built from, with `base` fetched too).
   */
  patch?: { base: string; head: string };
}

export interface CoverageStepResult {
  report: CoverageReport;
  /** The job summary's section. */
  markdown: string;
  /** The merged tracefile. */
  tracefile: string;
  /** genhtml's index.html, when the HTML report was written. */
  html?: string;
  /** Percent of the change's added executable lines that ran, when there is patch coverage. */
  patchPercent?: number;
}

/** The capture folders the guest wrote, sorted (gcov/all, or gcov/<runner>). */
async function captures(gcovDir: string): Promise<string[]> {
  const entries = await readdir(gcovDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new UserError(
        `no GCOV counters in ${gcovDir}: the guest did not copy them (a test run cut short, or the vmtest-runner ran without its coverage input)`,
      );
    throw err;
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

export async function runCoverageStep(
  options: CoverageStepOptions,
  logger: Logger,
): Promise<CoverageStepResult> {
  await mkdir(options.outputDir, { recursive: true });
  const names = await captures(options.gcovDir);
  if (names.length === 0) throw new UserError(`no capture folders in ${options.gcovDir}`);
  const tracefiles: string[] = [];
  const failed: string[] = [];
  for (const name of names) {
    const output = join(options.outputDir, `coverage-${name}.lcov`);
    try {
      await captureTracefile(
        {
          gcdaDir: join(options.gcovDir, name),
          buildDir: options.gcnoDir,
          sourceDir: options.buildSourceDir,
          output,
          directories: options.directories,
          ...(options.testName ? { testName: `${options.testName} ${name}` } : {}),
        },
        logger,
      );
      tracefiles.push(output);
    } catch (err) {
      logger.warning(`Coverage capture ${name} left out: ${(err as Error).message}`);
      failed.push(name);
    }
  }
  if (tracefiles.length === 0)
    throw new UserError(
      `none of the ${names.length} GCOV captures in ${options.gcovDir} could be read: see the warnings`,
    );
  const tracefile = join(options.outputDir, 'coverage.lcov');
  if (tracefiles.length === 1) await copyFile(tracefiles[0]!, tracefile);
  else await mergeTracefiles(tracefiles, tracefile);
  logger.info(`Coverage: ${tracefiles.length} capture(s) merged into ${tracefile}`);

  const partial = failed.length
    ? `the counters of ${failed.join(', ')} could not be read (${failed.length} of ${names.length} captures)`
    : undefined;
  const diff = options.patch ? await changeOf(options, options.patch) : undefined;
  const { report, patch } = coverageReport({
    files: parseLcov(await readFile(tracefile, 'utf8')),
    directories: options.directories,
    ...(partial ? { partial } : {}),
    ...(diff ? { diff } : {}),
  });
  if (patch) annotateUncovered(patch, logger);
  if (options.results) await addCoverageToResults(options.results, report);
  let html: string | undefined;
  const escaping = options.sourceDir
    ? await sourcesOutside(
        report.files.map((f) => f.path),
        options.sourceDir,
      )
    : [];
  if (escaping.length)
    logger.warning(
      `No HTML coverage report: ${escaping.map((p) => JSON.stringify(p)).join(', ')} would be read from outside ${options.sourceDir}`,
    );
  else if (options.sourceDir) {
    const htmlDir = join(options.outputDir, 'html');
    try {
      await writeHtmlReport(tracefile, htmlDir, options.sourceDir, logger);
      html = join(htmlDir, 'index.html');
    } catch (err) {
      // The numbers stand without the pages; the summary says why they are missing.
      logger.warning(`No HTML coverage report: ${(err as Error).message}`);
    }
  }
  const percent = patch ? patchPercent(patch) : undefined;
  return {
    report,
    markdown: renderCoverageMarkdown(report, patch),
    tracefile,
    ...(html ? { html } : {}),
    ...(percent === undefined ? {} : { patchPercent: percent }),
  };
}

/** The added lines of base..head under the directories, both named by their commit. */
async function changeOf(
  options: CoverageStepOptions,
  revisions: { base: string; head: string },
): Promise<{ base: string; head: string; added: AddedLines }> {
  if (!options.sourceDir)
    throw new UserError('patch coverage needs the source checkout (sourceDir) to diff base and head in');
  const base = await resolveCommit(options.sourceDir, revisions.base);
  const head = await resolveCommit(options.sourceDir, revisions.head);
  const text = await gitDiff(options.sourceDir, base, head, options.directories);
  return { base, head, added: parseUnifiedDiff(text) };
}

/** The uncovered added lines as warnings on their file and line, ranked by function, capped. */
export function annotateUncovered(patch: PatchCoverage, logger: Logger): void {
  const { kept, dropped } = capAnnotations(uncoveredAnnotations(patch), {
    total: ANNOTATIONS_PER_LEVEL_PER_STEP,
  });
  for (const a of kept) {
    const range = a.endLine ? { endLine: a.endLine } : {};
    logger.warning(a.message, { title: a.title, file: a.file, line: a.line, ...range });
  }
  if (dropped.length) logger.info(`${dropped.length} more uncovered ranges: see the table`);
}

/** The coverage-report action's outputs: the tracefile, the HTML folder, lines and patch percent. */
export function coverageStepOutputs(result: CoverageStepResult): Record<string, string> {
  return {
    tracefile: result.tracefile,
    'html-dir': result.html ? dirname(result.html) : '',
    'lines-percent': percent(result.report.lines)?.toFixed(1) ?? '',
    'patch-percent': result.patchPercent?.toFixed(1) ?? '',
  };
}

/** Adds `report` to a results.json as its coverage field (validated before and after). */
export async function addCoverageToResults(path: string, report: CoverageReport): Promise<void> {
  const run = parseRun(JSON.parse(await readFile(path, 'utf8')), path);
  await writeFile(path, `${JSON.stringify(parseRun({ ...run, coverage: report }, path), null, 2)}\n`);
}

/**
 * The tracefile paths genhtml would read from outside `sourceDir`: a `..` or absolute path (the
 * notes of a pull request's build name them), or a file of the checkout that is a symbolic link
 * out of it. genhtml copies what it reads into the HTML, which is uploaded.
 */
export async function sourcesOutside(paths: readonly string[], sourceDir: string): Promise<string[]> {
  const root = await realpath(sourceDir);
  const out: string[] = [];
  for (const path of paths) {
    if (isAbsolute(path) || path.split('/').includes('..')) {
      out.push(path);
      continue;
    }
    const real = await realpath(join(root, path)).catch(() => undefined);
    // A missing file is genhtml's own error; a present one must resolve inside the checkout.
    if (real !== undefined && !real.startsWith(`${root}/`)) out.push(path);
  }
  return out;
}
