// `bpf-ci repro`: from a CI job (its URL, or its artifacts on disk) to the same tests in the same VM
// on this machine: the job's kernel, command line, lists, runner flags, timeouts and QEMU settings.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { confinedPath } from '@bpf-ci/input-file';
import type { Logger } from '@bpf-ci/logger';
import { parseJobManifest, parseRun, runConclusion, type JobManifest, type Run } from '@bpf-ci/model';
import {
  ARCH_PROFILES,
  RunPlan,
  describeUserland,
  kernelCmdline,
  runVmTests,
  type AcceleratorRequest,
  type VmTestOptions,
  type VmTestOutcome,
} from '@bpf-ci/vm';
import { parseArch, type Arch } from '@bpf-ci/domain';
import { findJobFiles, unpackBuildTarballs, unzipInto } from './artifacts.ts';
import { compareRuns, renderComparison, type ComparisonRow } from './compare.ts';
import {
  ActionsApi,
  NO_TOKEN_MESSAGE,
  ReproError,
  findToken,
  type ServedArtifact,
  type ServedJob,
} from './github.ts';
import { isUrl, parseActionsUrl, runPageUrl, testJobArtifacts } from './github-url.ts';
import { buildReproPlan, type Selection } from './select.ts';

export interface ReproOptions {
  /** A job URL, a run URL (with `job`), or a folder holding a job's artifacts. */
  source: string;
  job?: string;
  /** The unpacked build to boot instead of the job's build artifact (e.g. one rebuilt after it expired). */
  build?: string;
  /** Where downloads and the local run's outputs go. */
  workDir: string;
  selection: Selection;
  attempts: number;
  accelerator?: AcceleratorRequest;
  shell?: VmTestOptions['shell'];
  env: NodeJS.ProcessEnv;
  /** Called with the job's arch before the boot (the CLI checks the host's QEMU for it). */
  beforeBoot?: (arch: Arch) => Promise<void>;
  /** The GitHub CLI's token (tests replace it). */
  ghToken?: () => string | undefined;
}

export interface ReproOutcome {
  manifest: JobManifest;
  jobRun: Run;
  outcome: VmTestOutcome;
  rows: ComparisonRow[];
  table: string;
}

/** A job's page on GitHub: where to rebuild from, said in every "build unavailable" message. */
function rebuildHint(m: JobManifest, artifact: string): string {
  const commit = m.commit ? ` at commit ${m.commit}` : '';
  return (
    `rebuild it from the job's commit: check out the kernel${commit} and run ` +
    `\`bpf-ci build --arch ${m.arch}${m.toolchain ? ` --toolchain ${m.toolchain}` : ''} --source-dir LINUX --output-dir DIR\`, ` +
    `then give that folder (it holds what ${artifact} held) with --build DIR`
  );
}

function sameJobName(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

interface Fetched {
  folder: string;
  build?: string;
  job: ServedJob;
}

async function fetchJob(o: ReproOptions, logger: Logger): Promise<Fetched> {
  const url = parseActionsUrl(o.source);
  if (url.jobId === undefined && !o.job)
    throw new ReproError(
      `${o.source} is a run, not a job: add --job NAME (e.g. --job 'test_progs on x86_64 with gcc'), or give the failed job's URL`,
    );
  const token = findToken(o.env, o.ghToken);
  if (!token) throw new ReproError(NO_TOKEN_MESSAGE);
  const api = new ActionsApi(o.env, token, logger);
  const { owner, repo } = url;
  let job: ServedJob;
  if (url.jobId !== undefined) {
    logger.info(`Reading job ${url.jobId} of ${owner}/${repo}`);
    job = await api.job(owner, repo, url.jobId);
    if (job.run_id !== url.runId)
      throw new ReproError(
        `job ${url.jobId} belongs to run ${job.run_id}, not to run ${url.runId}: check the URL`,
      );
  } else {
    logger.info(`Reading the jobs of run ${url.runId} of ${owner}/${repo}`);
    const jobs = await api.runJobs(owner, repo, url.runId, url.attempt);
    const found = jobs.find((j) => sameJobName(j.name, o.job!));
    if (!found)
      throw new ReproError(
        `run ${url.runId} has no job named '${o.job}'; its jobs: ${jobs.map((j) => `'${j.name}'`).join(', ') || 'none'}`,
      );
    job = found;
  }
  const attempt = job.run_attempt ?? url.attempt ?? 1;
  const names = testJobArtifacts(job.name, attempt);
  if (!names)
    throw new ReproError(
      `job '${job.name}'${job.workflow_name ? ` of workflow '${job.workflow_name}'` : ''} is not a bpf-ci test job: ` +
        "bpf-ci repro reproduces kernel-ci's test jobs, named 'TEST on ARCH with TOOLCHAIN'; give the URL of one of those",
    );
  if (job.status !== 'completed')
    throw new ReproError(
      `job '${job.name}' is still ${job.status}: wait until it finished, then run this again`,
    );
  if (job.conclusion === 'success' && o.selection.kind === 'failed')
    throw new ReproError(
      `job '${job.name}' passed: it has no failure to reproduce. Rerun its tests with --all, one test with -t NAME, or get a shell in its VM with --shell --all`,
    );
  logger.info(`Listing the artifacts of run ${job.run_id}`);
  const artifacts = await api.runArtifacts(owner, repo, job.run_id);
  const server = (o.env['GITHUB_SERVER_URL'] || new URL(o.source).origin).replace(/\/+$/, '');
  const runPage = runPageUrl(server, { owner, repo, runId: job.run_id, attempt });
  const results = artifacts.find((a) => a.name === names.resultsArtifact);
  if (!results)
    throw new ReproError(
      `run ${job.run_id} has no artifact ${names.resultsArtifact}: the job uploaded no logs (it stopped before its upload step, or ` +
        `comes from a workflow that does not upload them); see ${runPage}`,
    );
  if (results.expired)
    throw new ReproError(
      `the job's results artifact ${results.name} expired on ${results.expires_at ?? 'an earlier day'} (GitHub keeps them 14 days): ` +
        `without its manifest and results nothing says what the job ran; re-run the job (${runPage}) and reproduce the new one`,
    );
  const folder = join(o.workDir, 'artifacts');
  await download(api, owner, repo, results, folder, logger);
  const manifest = readManifest(findJobFiles(folder).manifest);
  if (o.build) return { folder, job };
  const buildName = manifest.build.artifact ?? names.buildArtifact;
  const build = artifacts.find((a) => a.name === buildName);
  if (!build || build.expired)
    throw new ReproError(
      `the job's build artifact ${buildName} ${build ? `expired on ${build.expires_at ?? 'an earlier day'}` : 'is not in the run'} ` +
        `(build artifacts are kept 5 days): ${rebuildHint(manifest, buildName)}`,
    );
  const buildDir = join(o.workDir, 'build');
  await download(api, owner, repo, build, buildDir, logger);
  unpackBuildTarballs(buildDir, (line) => logger.info(line));
  return { folder, build: buildDir, job };
}

async function download(
  api: ActionsApi,
  owner: string,
  repo: string,
  artifact: ServedArtifact,
  dir: string,
  logger: Logger,
): Promise<void> {
  logger.info(`Downloading ${artifact.name} (${(artifact.size_in_bytes / 2 ** 20).toFixed(1)} MiB)`);
  const zip = await api.downloadArtifact(owner, repo, artifact);
  mkdirSync(dir, { recursive: true });
  const files = unzipInto(zip, dir, artifact.name);
  logger.info(`Unpacked ${artifact.name}: ${files.length} files in ${dir}`);
}

function readManifest(path: string): JobManifest {
  return parseJobManifest(JSON.parse(readFileSync(path, 'utf8')), path);
}

/** The build folder to boot: --build, else the downloaded one, the folder's build/, or where the job's build lay. */
function locateBuild(
  manifest: JobManifest,
  explicit: string | undefined,
  fallbacks: (string | undefined)[],
  logger: Logger,
): string {
  const needed = [manifest.build.kernelImage, manifest.build.selftests];
  const holds = (dir: string): boolean => needed.every((p) => existsSync(join(dir, p)));
  // `bpf-ci build` leaves its build packed, as CI uploads it.
  if (explicit && existsSync(explicit) && !holds(explicit))
    unpackBuildTarballs(explicit, (line) => logger.info(line));
  const found = (explicit ? [explicit] : fallbacks).find((dir) => dir !== undefined && holds(dir));
  if (found) return resolve(found);
  const artifact = manifest.build.artifact ?? 'the build artifact';
  throw new ReproError(
    `${explicit ? `${explicit} does not hold` : 'no folder holds'} the job's build (${needed.join(', ')}): download ${artifact} of ` +
      `${manifest.runUrl ?? "the job's run"} and unpack it (tar --zstd -xf) into a folder given with --build DIR, or ${rebuildHint(manifest, artifact)}`,
  );
}

/** What differs between the job's command line and the one this bpf-ci would give its arch. */
function extraCmdline(manifest: JobManifest, logger: Logger): string[] {
  const standard = kernelCmdline(ARCH_PROFILES[parseArch(manifest.arch)]);
  if (manifest.cmdline === standard) return [];
  if (manifest.cmdline.startsWith(`${standard} `))
    return manifest.cmdline.slice(standard.length + 1).split(/\s+/);
  logger.warning(
    `The job's kernel command line (${manifest.cmdline}) is not one this bpf-ci version builds; booting with ${standard}`,
  );
  return [];
}

export async function reproduce(o: ReproOptions, logger: Logger): Promise<ReproOutcome> {
  if (!Number.isInteger(o.attempts) || o.attempts < 1 || o.attempts > 100)
    throw new ReproError(`--attempts ${o.attempts}: give a whole number from 1 to 100`);
  mkdirSync(o.workDir, { recursive: true });
  const fetched = isUrl(o.source) ? await fetchJob(o, logger) : undefined;
  const folder = fetched?.folder ?? o.source;
  const files = findJobFiles(folder);
  const manifest = readManifest(files.manifest);
  const jobRun = parseRun(JSON.parse(readFileSync(files.results, 'utf8')), files.results);
  if (!fetched && runConclusion(jobRun) === 'success' && o.selection.kind === 'failed')
    throw new ReproError(
      `the job in ${folder} passed: it has no failure to reproduce. Rerun its tests with --all, one test with -t NAME, or get a shell with --shell --all`,
    );
  const build = locateBuild(
    manifest,
    o.build,
    [fetched?.build, join(folder, 'build'), manifest.build.root],
    logger,
  );
  // The build is untrusted (a pull request's artifact): a symlink in it must not hand the guest a
  // file or folder of this machine (the user's home) outside the build.
  const at = (p: string | undefined): string | undefined => {
    if (!p || !existsSync(join(build, p))) return undefined;
    try {
      return confinedPath(p, build, 'build');
    } catch (err) {
      throw new ReproError(`the job's build is refused: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  logger.info(`Build: ${build}`);
  const userland = describeUserland();
  if (userland.distribution !== manifest.userland.distribution || userland.libc !== manifest.userland.libc)
    logger.warning(
      `The job's selftests ran on ${manifest.userland.distribution} (${manifest.userland.libc}); this machine's userland, ` +
        `which the guest shares, is ${userland.distribution} (${userland.libc}): a failure that depends on it may differ`,
    );
  const arch = parseArch(manifest.arch);
  const jobPlan = RunPlan.parse(manifest.plan);
  const selftests = at(manifest.build.selftests)!;
  const { plan, reruns } = buildReproPlan(jobPlan, jobRun, o.selection, o.attempts, resolve(selftests));
  for (const r of reruns)
    logger.info(
      `Rerunning ${r.runner}${r.keys.length ? `: ${r.keys.join(', ')}` : ' whole'}${o.attempts > 1 ? ` (${o.attempts} times)` : ''}`,
    );
  const modules = at(manifest.build.modules);
  const config = at(manifest.build.kernelConfig);
  const extra = extraCmdline(manifest, logger);
  await o.beforeBoot?.(arch);
  const outcome = await runVmTests(
    {
      arch,
      kernelImage: at(manifest.build.kernelImage)!,
      ...(modules ? { modulesDir: modules } : {}),
      ...(config ? { kernelConfig: config } : {}),
      plan,
      outputDir: join(o.workDir, 'local'),
      accelerator: o.accelerator ?? 'auto',
      memoryMiB: manifest.qemu.memoryMiB,
      cpus: manifest.qemu.cpus,
      silenceTimeoutSec: manifest.qemu.silenceTimeoutSec,
      ...(extra.length ? { extraCmdline: extra } : {}),
      ...(o.shell ? { shell: o.shell } : {}),
    },
    logger,
  );
  const rows = compareRuns(jobRun, outcome.run, reruns);
  return { manifest, jobRun, outcome, rows, table: renderComparison(rows) };
}
