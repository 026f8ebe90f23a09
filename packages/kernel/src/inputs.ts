// One reading of the kernel-build request, for actions/kernel-build (action inputs) and
// `bpf-ci build` (command-line options): validation and defaults live here, not twice.
import { INPUT_LIMITS, confinedPath, readInputFile } from '@bpf-ci/input-file';
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { cacheRoot } from '@bpf-ci/debian';
import type { ConfigFragment } from './config.ts';
import { fetchLinuxSource } from './debian.ts';
import type { KernelJob } from './pipeline.ts';
import { DEFAULT_SELFTEST_TARGETS } from './selftests.ts';
import { UserError, parseArch, parseCoverageDirectory, parseToolchain, toolchainName } from '@bpf-ci/domain';

export interface KernelBuildRequest {
  arch: string;
  toolchain: string;
  /** Empty: Debian's linux-source-6.1, fetched into the cache. */
  sourceDir?: string;
  /** Fragment files, applied after the selftests' own config files. */
  configFragments?: readonly string[];
  /** Selftests targets; undefined: the defaults; empty list: none. */
  selftestsTargets?: readonly string[];
  outputDir: string;
  /** Empty or undefined: <cache>/kernel-build/<arch>-<toolchain>. */
  buildDir?: string;
  /** make target for the base config; default defconfig. */
  baseConfig?: string;
  selftestsConfig?: boolean;
  maxAnnotations?: number;
  /** Directories to build with GCOV (e.g. kernel/bpf); empty or undefined: no coverage. */
  coverage?: readonly string[];
  cwd: string;
}

const SELFTEST_TARGET = /^[A-Za-z0-9_.-]+$/;
const BASE_CONFIG = /^[a-z0-9_.-]*config$/;

export async function kernelJobFromRequest(request: KernelBuildRequest, logger: Logger): Promise<KernelJob> {
  const arch = parseArch(request.arch);
  const toolchain = parseToolchain(request.toolchain || 'gcc');
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(request.cwd, p));
  const targets = request.selftestsTargets ?? DEFAULT_SELFTEST_TARGETS;
  for (const t of targets) {
    if (!SELFTEST_TARGET.test(t))
      throw new UserError(`selftests target "${t}" is not a make target name (letters, digits, _ . -)`);
  }
  const baseTarget = request.baseConfig || 'defconfig';
  if (!BASE_CONFIG.test(baseTarget)) {
    throw new UserError(
      `base config "${baseTarget}" is not a config make target (defconfig, tinyconfig, ...)`,
    );
  }
  const fragments: ConfigFragment[] = [];
  for (const path of request.configFragments ?? []) {
    try {
      // A relative fragment names a file of the checkout: it must stay there, symlinks resolved.
      const file = isAbsolute(path) ? path : confinedPath(path, request.cwd, 'config fragment');
      fragments.push({
        name: path,
        text: await readInputFile(file, { maxBytes: INPUT_LIMITS.config, what: 'config fragment' }),
      });
    } catch (err) {
      throw new UserError(`config fragment ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  let coverage: string[] = [];
  try {
    coverage = (request.coverage ?? []).map(parseCoverageDirectory);
  } catch (err) {
    throw new UserError((err as Error).message, { cause: err });
  }
  const sourceDir = request.sourceDir ? at(request.sourceDir) : await fetchLinuxSource(logger);
  return {
    sourceDir,
    arch,
    toolchain,
    buildDir: request.buildDir
      ? at(request.buildDir)
      : // A GCOV build changes every object of its directories: its own folder (and cache key).
        join(
          cacheRoot(),
          'kernel-build',
          `${arch}-${toolchainName(toolchain)}${coverage.length ? '-gcov' : ''}`,
        ),
    baseTarget,
    ...(request.selftestsConfig === undefined ? {} : { selftestsConfig: request.selftestsConfig }),
    fragments,
    selftestsTargets: targets,
    outputDir: at(request.outputDir),
    ...(request.maxAnnotations === undefined ? {} : { maxAnnotations: request.maxAnnotations }),
    ...(coverage.length ? { coverage: { directories: coverage } } : {}),
  };
}
