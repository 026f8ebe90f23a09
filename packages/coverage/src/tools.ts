// The I/O edge: lcov's own tools (Debian's lcov package) turn the counters the guest copied out of
// /sys/kernel/debug/gcov into a tracefile, merge tracefiles and write the HTML report. The guest
// never sees the build tree: the host pairs each .gcda with the build folder's .gcno.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '@bpf-ci/logger';
import { relativizeTracefile } from './lcov.ts';

const exec = promisify(execFile);
/** Branch counters are off by default in lcov 1.x; every tool gets the same setting. */
const BRANCHES = ['--rc', 'lcov_branch_coverage=1'];

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await exec(command, args, { maxBuffer: 64 << 20, ...(cwd ? { cwd } : {}) });
    return stdout;
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new Error(`${command} is not installed: install Debian's lcov package`);
    throw new Error(`${command} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().slice(-2000)}`);
  }
}

async function gcdaFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.gcda'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/**
 * The object path (relative to the build folder) each copied .gcda belongs to. The guest copies
 * /sys/kernel/debug/gcov as it is, whose tree repeats the build folder's absolute path at build
 * time; the build folder may have moved since (an unpacked artifact), so the path is matched from
 * its end against the .gcno files present.
 */
function objectPath(gcda: string, buildDir: string): string | undefined {
  const segments = gcda.split('/');
  for (let i = 0; i < segments.length; i++) {
    const rel = segments.slice(i).join('/');
    if (existsSync(join(buildDir, rel.replace(/\.gcda$/, '.gcno')))) return rel;
  }
  return undefined;
}

export interface CaptureOptions {
  /** Where the guest's copy of /sys/kernel/debug/gcov is. */
  gcdaDir: string;
  /** The kernel build folder (its .gcno files). */
  buildDir: string;
  /** The kernel source tree: the tracefile's paths are made relative to it. */
  sourceDir: string;
  /** The tracefile to write (coverage.lcov). */
  output: string;
  /**
   * Keep the records of these source-relative directories (and below) only: the notes also
   * describe the headers the profiled files include, whose inline code is not what is measured.
   */
  directories: readonly string[];
  /** Test name recorded in the tracefile (TN:), e.g. the job's name. */
  testName?: string;
}

/** geninfo on the guest's counters with the build's notes; returns the number of .gcda files. */
export async function captureTracefile(options: CaptureOptions, logger: Logger): Promise<number> {
  const gcdas = await gcdaFiles(options.gcdaDir);
  if (gcdas.length === 0) {
    throw new Error(
      `no .gcda files in ${options.gcdaDir}: the kernel was not built with GCOV (CONFIG_GCOV_KERNEL and a profiled directory), or the guest did not copy /sys/kernel/debug/gcov`,
    );
  }
  const work = await mkdtemp(join(tmpdir(), 'bpf-ci-gcov-'));
  try {
    let unmatched = 0;
    for (const gcda of gcdas) {
      const rel = objectPath(gcda, options.buildDir);
      if (!rel) {
        unmatched++;
        continue;
      }
      await mkdir(dirname(join(work, rel)), { recursive: true });
      await copyFile(join(options.gcdaDir, gcda), join(work, rel));
      await symlink(
        join(options.buildDir, rel.replace(/\.gcda$/, '.gcno')),
        join(work, rel.replace(/\.gcda$/, '.gcno')),
      );
    }
    if (unmatched)
      logger.warning(
        `${unmatched} of ${gcdas.length} .gcda files have no .gcno in ${options.buildDir}: left out`,
      );
    if (unmatched === gcdas.length)
      throw new Error(
        `none of the ${gcdas.length} .gcda files matches a .gcno in ${options.buildDir}: is it the build that made this kernel?`,
      );
    const raw = join(work, 'raw.info');
    // The build compiles in the build folder: gcov resolves the sources from there.
    await run('geninfo', [
      ...BRANCHES,
      '--quiet',
      '--base-directory',
      options.buildDir,
      ...(options.testName ? ['--test-name', options.testName.replace(/[^A-Za-z0-9_]/g, '_')] : []),
      '--output-filename',
      raw,
      work,
    ]);
    const kept = join(work, 'kept.info');
    const source = resolve(options.sourceDir);
    await run('lcov', [
      ...BRANCHES,
      '--quiet',
      '--extract',
      raw,
      ...options.directories.map((d) => `${source}/${d.replace(/\/+$/, '')}/*`),
      '--output-file',
      kept,
    ]);
    const text = relativizeTracefile(await readFile(kept, 'utf8'), source);
    await writeFile(options.output, text);
    logger.info(`Coverage: ${gcdas.length - unmatched} .gcda files captured into ${options.output}`);
    return gcdas.length - unmatched;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `lcov -a` of several jobs' tracefiles into one. */
export async function mergeTracefiles(inputs: readonly string[], output: string): Promise<void> {
  if (inputs.length === 0) throw new Error('no tracefiles to merge');
  await run('lcov', [...BRANCHES, '--quiet', ...inputs.flatMap((f) => ['-a', f]), '-o', output]);
}

/** `lcov --summary` as lcov prints it (the report's totals must agree with it). */
export function lcovSummary(tracefile: string): Promise<string> {
  return exec('lcov', [...BRANCHES, '--summary', tracefile]).then(
    ({ stdout, stderr }) => `${stdout}${stderr}`,
  );
}

/** genhtml's HTML report of `tracefile` in `outDir`; its source-relative paths resolve in sourceDir. */
export async function writeHtmlReport(
  tracefile: string,
  outDir: string,
  sourceDir: string,
  logger: Logger,
): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await run(
    'genhtml',
    [
      ...BRANCHES,
      '--quiet',
      '--legend',
      // Pages named like the source: kernel/bpf/verifier.c.gcov.html.
      '--prefix',
      resolve(sourceDir),
      '--title',
      'bpf-ci kernel coverage',
      '--output-directory',
      resolve(outDir),
      resolve(tracefile),
    ],
    sourceDir,
  );
  logger.info(`Coverage HTML report: ${join(outDir, 'index.html')}`);
}

/**
 * `git diff base head` of the profiled directories in the source checkout: the hunks whose added
 * lines patch coverage looks up (the tracefile must come from a kernel built at `head`).
 */
export async function gitDiff(
  sourceDir: string,
  base: string,
  head: string,
  directories: readonly string[],
): Promise<string> {
  for (const rev of [base, head]) {
    // A revision starting with - would be read as an option.
    if (rev.startsWith('-')) throw new Error(`revision ${JSON.stringify(rev)} starts with -`);
  }
  return run('git', [
    '-C',
    sourceDir,
    'diff',
    '--no-color',
    '--no-ext-diff',
    '-U0',
    base,
    head,
    '--',
    ...directories,
  ]);
}

/** The commit a revision names in the source checkout (HEAD^1 → its SHA), for the report. */
export async function resolveCommit(sourceDir: string, rev: string): Promise<string> {
  // A revision starting with - would be read as an option.
  if (rev.startsWith('-')) throw new Error(`revision ${JSON.stringify(rev)} starts with -`);
  return (
    await run('git', ['-C', sourceDir, 'rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])
  ).trim();
}
