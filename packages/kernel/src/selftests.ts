import { BPF_RUNNERS, CPUV4_RUNNER } from '@bpf-ci/domain';
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { Logger } from '@bpf-ci/logger';
import { cacheRoot, ensureDir, sayInterrupted } from '@bpf-ci/debian';
import { fetchDebianKernel, fetchLinuxSource, kernelBtf } from './debian.ts';
import { BuildError } from './build-error.ts';
import { CommandError, capture, run } from './exec.ts';
import { buildSandbox, runSandboxed } from './sandbox.ts';
import { MakeProgress } from './progress.ts';

/**
 * The selftests binaries CI runs; named so make skips the default target's docs. test_progs-cpuv4
 * needs LLVM 18 (CPUV4_MIN_LLVM), newer than Debian 12's default clang 14.
 */
export const DEFAULT_SELFTEST_TARGETS: readonly string[] = [
  ...BPF_RUNNERS.filter((r) => r !== CPUV4_RUNNER),
  'veristat',
];

export interface SelftestsBuildOptions {
  /** The kernel source tree (holding tools/testing/selftests/bpf). */
  sourceDir: string;
  /** VMLINUX_BTF: the kernel the tests will run on (its BTF makes vmlinux.h). */
  vmlinux: string;
  targets?: readonly string[];
  /** A kernel build folder for bpf_testmod.ko (KDIR); without it make uses the source tree. */
  kdir?: string;
  /**
   * Build here (kept, incremental) instead of a cache entry keyed by source, kernel and targets.
   * The tree is hard-linked into outDir/linux and built in place: 6.1's selftests Makefile cannot
   * build urandom_read with OUTPUT outside the source folder.
   */
  outDir?: string;
  /** Extra make variables, e.g. { CROSS_COMPILE: 'aarch64-linux-gnu-' }. */
  makeVars?: Record<string, string>;
}

export interface SelftestsBuild {
  /** The folder holding the binaries, *.bpf.o (and no_alu32/*.bpf.o), bpf_testmod.ko. */
  dir: string;
  /** Seconds spent building now; 0 when taken from the cache. */
  seconds: number;
  cached: boolean;
}

export async function buildSelftests(
  options: SelftestsBuildOptions,
  logger: Logger,
): Promise<SelftestsBuild> {
  const targets = options.targets ?? DEFAULT_SELFTEST_TARGETS;
  if (options.outDir) {
    await mkdir(options.outDir, { recursive: true });
    const seconds = await makeSelftests(options.outDir, { ...options, targets }, logger);
    return { dir: selftestsDir(options.outDir), seconds, cached: false };
  }
  const clang = (await capture('clang', ['--version'])).split('\n')[0] ?? '';
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        basename(options.sourceDir),
        options.sourceDir,
        options.vmlinux,
        options.kdir ?? '',
        [...targets],
        clang,
        options.makeVars ?? {},
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot(), 'selftests', key);
  let seconds = 0;
  const made = await ensureDir(
    dir,
    async (tmp) => {
      seconds = await makeSelftests(tmp, { ...options, targets }, logger);
    },
    (holder) => logger.info(`Waiting for process ${holder}, which is building the same selftests`),
    sayInterrupted(logger, `the selftests (${targets.join(', ')})`),
  );
  if (!made) logger.info(`Using cached selftests (${targets.join(', ')}) from ${dir}`);
  return { dir: selftestsDir(dir), seconds, cached: !made };
}

function selftestsDir(workDir: string): string {
  return join(workDir, 'linux', 'tools', 'testing', 'selftests', 'bpf');
}

async function makeSelftests(
  workDir: string,
  options: SelftestsBuildOptions & { targets: readonly string[] },
  logger: Logger,
): Promise<number> {
  const jobs = availableParallelism();
  const tree = join(workDir, 'linux');
  if (!existsSync(tree)) {
    // Hard links: a private tree to build in for the price of its directory entries.
    await run('cp', ['-al', options.sourceDir, tree]);
  }
  const vars: Record<string, string> = {
    VMLINUX_BTF: options.vmlinux,
    CLANG: 'clang',
    ...(options.kdir ? { KDIR: options.kdir } : {}),
    ...options.makeVars,
  };
  const args = [
    '-C',
    selftestsDir(workDir),
    `-j${jobs}`,
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
    ...options.targets,
  ];
  const sandbox = buildSandbox(logger);
  const started = Date.now();
  const progress = new MakeProgress(started);
  const log: string[] = [];
  logger.info(
    `Building selftests ${options.targets.join(', ')} with ${jobs} jobs (VMLINUX_BTF=${options.vmlinux})`,
  );
  try {
    await logger.group('make selftests', () =>
      runSandboxed(sandbox, 'make', args, {
        keepLines: 400,
        onLine: (line) => {
          log.push(line);
          const message = progress.feed(line, Date.now());
          if (message) logger.info(`[selftests ${elapsed(started)}] ${message}`);
        },
      }),
    );
  } catch (err) {
    if (err instanceof CommandError) throw new BuildError('selftests', log.join('\n'), err);
    throw err;
  }
  const seconds = (Date.now() - started) / 1000;
  logger.info(`Selftests built in ${seconds.toFixed(0)} s (${progress.summary()})`);
  return seconds;
}

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * The selftests CI runs by default, built against the Debian 12 x86_64 kernel (whose BTF and
 * headers they need) from Debian's linux-source-6.1, cached.
 */
export async function ensureDefaultSelftests(
  logger: Logger,
): Promise<SelftestsBuild & { kernel: Awaited<ReturnType<typeof fetchDebianKernel>>; sourceDir: string }> {
  const sourceDir = await fetchLinuxSource(logger);
  const kernel = await fetchDebianKernel({ arch: 'x86_64' }, logger);
  const build = await buildSelftests(
    { sourceDir, vmlinux: kernelBtf(kernel), kdir: kernel.headersDir, targets: DEFAULT_SELFTEST_TARGETS },
    logger,
  );
  return { ...build, kernel, sourceDir };
}
