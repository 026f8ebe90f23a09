// The whole kernel-build job, shared by actions/kernel-build and `bpf-ci build`: kernel from
// source, selftests against it, one artifact.
import { resolve } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { packageArtifact, type ArtifactManifest } from './artifact.ts';
import { buildKernel, type KernelBuild } from './build.ts';
import type { GcovOptions } from './gcov.ts';
import type { ConfigFragment } from './config.ts';
import { capture } from './exec.ts';
import { buildSelftests } from './selftests.ts';
import type { Arch, Toolchain } from '@bpf-ci/domain';

export interface KernelJob {
  sourceDir: string;
  arch: Arch;
  toolchain: Toolchain;
  /** Kept between runs for incremental builds (actions/cache it keyed by arch, toolchain, branch). */
  buildDir: string;
  baseTarget?: string;
  selftestsConfig?: boolean;
  fragments?: readonly ConfigFragment[];
  /** Selftests make targets; empty: no selftests in the artifact. */
  selftestsTargets: readonly string[];
  outputDir: string;
  maxAnnotations?: number;
  /** GCOV of these directories (CONFIG_GCOV_KERNEL + per-directory GCOV_PROFILE). */
  coverage?: GcovOptions;
}

export interface KernelJobResult {
  kernel: KernelBuild;
  selftestsDir?: string;
  artifact: string;
  manifest: ArtifactManifest;
}

export async function runKernelJob(job: KernelJob, logger: Logger): Promise<KernelJobResult> {
  const kernel = await buildKernel(
    {
      sourceDir: job.sourceDir,
      buildDir: job.buildDir,
      arch: job.arch,
      toolchain: job.toolchain,
      ...(job.baseTarget ? { baseTarget: job.baseTarget } : {}),
      ...(job.selftestsConfig === undefined ? {} : { selftestsConfig: job.selftestsConfig }),
      ...(job.fragments ? { fragments: job.fragments } : {}),
      ...(job.maxAnnotations === undefined ? {} : { maxAnnotations: job.maxAnnotations }),
      ...(job.coverage ? { coverage: job.coverage } : {}),
    },
    logger,
  );
  let selftestsDir: string | undefined;
  if (job.selftestsTargets.length) {
    const built = await buildSelftests(
      {
        sourceDir: job.sourceDir,
        vmlinux: kernel.vmlinux,
        kdir: kernel.buildDir,
        targets: job.selftestsTargets,
        outDir: `${job.buildDir}-selftests`,
        makeVars: kernel.toolchain.makeVars,
      },
      logger,
    );
    selftestsDir = built.dir;
  }
  const source = await sourceIdentity(job.sourceDir, kernel.toolchain.makeVars);
  const { path, manifest } = await packageArtifact(
    {
      arch: kernel.arch,
      toolchain: { name: kernel.toolchain.name, version: kernel.toolchain.version },
      release: kernel.release,
      configHash: kernel.configHash,
      image: kernel.image,
      vmlinux: kernel.vmlinux,
      config: kernel.config,
      ...(selftestsDir ? { selftestsDir } : {}),
      source,
      outDir: job.outputDir,
      ...(job.coverage
        ? {
            coverage: {
              directories: job.coverage.directories,
              sourceDir: resolve(job.sourceDir),
              buildDir: resolve(kernel.buildDir),
            },
          }
        : {}),
    },
    logger,
  );
  return { kernel, ...(selftestsDir ? { selftestsDir } : {}), artifact: path, manifest };
}

/** The source's `make kernelversion`, and its git commit when it is a git checkout. */
async function sourceIdentity(
  sourceDir: string,
  vars: Record<string, string>,
): Promise<{ version: string; commit?: string }> {
  const version = (
    await capture('make', [
      '-s',
      '-C',
      sourceDir,
      ...Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      'kernelversion',
    ])
  ).trim();
  try {
    // Only the tree's own repository: a tarball unpacked inside another checkout has no commit.
    const top = (await capture('git', ['-C', sourceDir, 'rev-parse', '--show-toplevel'])).trim();
    if (resolve(top) !== resolve(sourceDir)) return { version };
    const commit = (await capture('git', ['-C', sourceDir, 'rev-parse', 'HEAD'])).trim();
    return { version, commit };
  } catch {
    return { version };
  }
}
