// The job manifest (@bpf-ci/model JobManifest) the VM runner writes next to results.json: what a
// local `bpf-ci repro` needs to boot the same kernel with the same plan, lists and QEMU settings.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { JOB_MANIFEST_FILE, JobManifest } from '@bpf-ci/model';
import { writeOutputFile } from '@bpf-ci/input-file';
import { join } from 'node:path';
import type { Arch } from '@bpf-ci/domain';
import { ARCH_PROFILES, type Accelerator } from './arch.ts';
import type { RunPlan } from './plan.ts';
import { kernelCmdline } from './qemu.ts';

/** Who ran the job, as the workflow knows it (all optional: a local run has none of it). */
export interface JobIdentity {
  toolchain?: string;
  commit?: string;
  repository?: string;
  workflow?: string;
  job?: string;
  runUrl?: string;
  jobUrl?: string;
  runAttempt?: number;
  /** The artifact the build was downloaded from. */
  buildArtifact?: string;
}

/** The distribution (os-release's PRETTY_NAME) and C library of this machine. */
export function describeUserland(osRelease = '/etc/os-release'): JobManifest['userland'] {
  let distribution = 'unknown';
  if (existsSync(osRelease)) {
    const text = readFileSync(osRelease, 'utf8');
    const field = (name: string): string | undefined =>
      new RegExp(`^${name}=("?)(.*)\\1$`, 'm').exec(text)?.[2];
    distribution = field('PRETTY_NAME') ?? [field('ID'), field('VERSION_ID')].filter(Boolean).join(' ');
  }
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
  const libc = header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'not glibc';
  return { distribution: distribution || 'unknown', libc };
}

/** The deepest folder holding every path. */
export function commonFolder(paths: readonly string[]): string {
  const split = paths.map((p) => resolve(p).split(sep));
  const first = split[0] ?? [''];
  let n = 0;
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++;
  return first.slice(0, n).join(sep) || sep;
}

export interface ManifestInput {
  arch: Arch;
  accelerator: Accelerator;
  kernelImage: string;
  kernelConfig?: string;
  modulesDir?: string;
  kernelRelease?: string;
  plan: RunPlan;
  memoryMiB: number;
  cpus: number;
  silenceTimeoutSec: number;
  extraCmdline?: readonly string[];
  identity?: JobIdentity;
}

export function buildJobManifest(input: ManifestInput): JobManifest {
  const profile = ARCH_PROFILES[input.arch];
  const files = {
    kernelImage: resolve(input.kernelImage),
    selftests: input.plan.cwd,
    ...(input.kernelConfig ? { kernelConfig: resolve(input.kernelConfig) } : {}),
    ...(input.modulesDir ? { modules: resolve(input.modulesDir) } : {}),
  };
  // A file's folder, not the file, for the common root: one file alone must not be the root.
  const root = commonFolder(
    Object.entries(files).map(([k, p]) => (k === 'selftests' || k === 'modules' ? p : dirname(p))),
  );
  const rel = (p: string): string => relative(root, p) || '.';
  const selections = input.plan.runners.flatMap((r) => r.selection ?? []);
  const unique = (list: 'allow' | 'deny'): { entry: string; source: string }[] => [
    ...new Map(
      selections.filter((s) => s.list === list).map((s) => [s.entry, { entry: s.entry, source: s.source }]),
    ).values(),
  ];
  const id = input.identity ?? {};
  return JobManifest.parse({
    schemaVersion: 1,
    arch: input.arch,
    ...(id.toolchain ? { toolchain: id.toolchain } : {}),
    ...(input.kernelRelease ? { kernelRelease: input.kernelRelease } : {}),
    build: {
      root,
      ...(id.buildArtifact ? { artifact: id.buildArtifact } : {}),
      kernelImage: rel(files.kernelImage),
      selftests: rel(files.selftests),
      ...(files.kernelConfig ? { kernelConfig: rel(files.kernelConfig) } : {}),
      ...(files.modules ? { modules: rel(files.modules) } : {}),
    },
    lists: { allow: unique('allow'), deny: unique('deny') },
    plan: input.plan,
    cmdline: kernelCmdline(profile, input.extraCmdline),
    qemu: {
      binary: profile.qemuBinary,
      machine: profile.machine,
      cpu: profile.cpu[input.accelerator],
      accelerator: input.accelerator,
      memoryMiB: input.memoryMiB,
      cpus: input.cpus,
      silenceTimeoutSec: input.silenceTimeoutSec,
    },
    userland: describeUserland(),
    ...Object.fromEntries(
      (['commit', 'repository', 'workflow', 'job', 'runUrl', 'jobUrl', 'runAttempt'] as const).flatMap((k) =>
        id[k] !== undefined && id[k] !== '' ? [[k, id[k]]] : [],
      ),
    ),
  });
}

export function writeJobManifest(outputDir: string, manifest: JobManifest): string {
  const path = join(outputDir, JOB_MANIFEST_FILE);
  writeOutputFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/** The job's identity from the variables GitHub sets in every job (absent ones are left out). */
export function jobIdentity(env: NodeJS.ProcessEnv, toolchain?: string, buildArtifact?: string): JobIdentity {
  const server = (env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '');
  const repository = env['GITHUB_REPOSITORY'];
  const runId = env['GITHUB_RUN_ID'];
  const attempt = Number(env['GITHUB_RUN_ATTEMPT']);
  return {
    ...(toolchain ? { toolchain } : {}),
    ...(buildArtifact ? { buildArtifact } : {}),
    ...(env['GITHUB_SHA'] ? { commit: env['GITHUB_SHA'] } : {}),
    ...(repository ? { repository } : {}),
    ...(env['GITHUB_WORKFLOW'] ? { workflow: env['GITHUB_WORKFLOW'] } : {}),
    ...(repository && runId ? { runUrl: `${server}/${repository}/actions/runs/${runId}` } : {}),
    ...(Number.isInteger(attempt) && attempt > 0 ? { runAttempt: attempt } : {}),
  };
}
