import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import {
  type ConfigFragment,
  type DroppedOption,
  type KernelConfig,
  describeDropped,
  diffConfig,
  droppedOptions,
  mergeFragments,
  parseConfig,
  renderConfig,
} from './config.ts';
import { BuildError } from './build-error.ts';
import { chooseAnnotations, parseDiagnostics, sourceRelativePath } from './diagnostics.ts';
import { CommandError, capture, childCpuSeconds } from './exec.ts';
import { buildSandbox, captureSandboxed, runSandboxed, type Sandbox } from './sandbox.ts';
import { MakeProgress } from './progress.ts';
import { alignSourceTimes, describeSourceTimes, recordSourceBlobs } from './source-times.ts';
import { ARCH_NAMES, hostArch, toolchainName, type Arch, type Toolchain } from '@bpf-ci/domain';
import { toolchainMake } from './toolchain.ts';
import { gcovBuild, type GcovOptions } from './gcov.ts';

export interface KernelBuildOptions {
  sourceDir: string;
  /** Kept between runs: an unchanged config and toolchain build incrementally here. */
  buildDir: string;
  arch: Arch;
  toolchain: Toolchain;
  /** The make target that makes the base config (tinyconfig, defconfig, ...). Default defconfig. */
  baseTarget?: string;
  /** Apply tools/testing/selftests/bpf/config, config.vm and config.<arch> (when present). Default true. */
  selftestsConfig?: boolean;
  /** The caller's fragments, applied last. */
  fragments?: readonly ConfigFragment[];
  jobs?: number;
  /** Cap on compiler-diagnostic annotations. Default 10. */
  maxAnnotations?: number;
  /** make targets; default the image, vmlinux, and modules when CONFIG_MODULES=y. */
  targets?: readonly string[];
  /** GCOV coverage of these directories (CONFIG_GCOV_KERNEL + a per-directory GCOV_PROFILE). */
  coverage?: GcovOptions;
}

export interface ToolchainInfo {
  /** gcc, gcc-12, llvm, llvm-14 */
  name: string;
  /** The compiler's own first `--version` line. */
  version: string;
  makeVars: Record<string, string>;
}

export interface KernelBuild {
  arch: Arch;
  toolchain: ToolchainInfo;
  release: string;
  buildDir: string;
  image: string;
  vmlinux: string;
  config: string;
  /** sha256 of the final config's option lines. */
  configHash: string;
  incremental: boolean;
  /** Why the build was full or incremental, as said in the log. */
  reason: string;
  dropped: DroppedOption[];
  seconds: number;
  /** CPU seconds (user + system) of make and the compilers; independent of machine load. */
  cpuSeconds?: number;
  log: string;
}

/** What this module remembers in the build folder about the build that made it. */
export interface BuildStamp {
  arch: Arch;
  toolchain: string;
  toolchainVersion: string;
  sourceDir: string;
  configHash: string;
  complete: boolean;
  /** The last full build's wall time and CPU time (the benchmark's baseline). */
  fullBuild?: { seconds: number; cpuSeconds?: number };
}
const STAMP = '.bpf-ci-build.json';

export async function buildKernel(options: KernelBuildOptions, logger: Logger): Promise<KernelBuild> {
  const started = Date.now();
  const cpuStart = childCpuSeconds();
  const toolchain = await resolveToolchain(options.toolchain, options.arch);
  logger.info(
    `Toolchain ${toolchain.name}: ${toolchain.version} (${makeArgs(toolchain.makeVars).join(' ')})`,
  );

  const sandbox = buildSandbox(logger);
  const assembled = await assembleKernelConfig(options, logger, toolchain, sandbox);
  const configHash = hashConfig(assembled.final);
  const decision = await decideRebuild(options, toolchain, assembled.final, logger);
  const stamp = await prepareBuildDir(options, toolchain, assembled, configHash, decision, logger);
  await makeKernel(options, toolchain, kernelTargets(options, assembled.final), logger, sandbox);
  const release = await kernelRelease(options, toolchain, sandbox);
  const seconds = (Date.now() - started) / 1000;
  const cpuEnd = childCpuSeconds();
  const cpuSeconds = cpuStart !== undefined && cpuEnd !== undefined ? cpuEnd - cpuStart : undefined;
  const thisBuild = { seconds, ...(cpuSeconds === undefined ? {} : { cpuSeconds }) };
  await completeStamp(options, stamp, decision.incremental ? stamp.fullBuild : thisBuild);
  const cpu = cpuSeconds === undefined ? '' : ` (${cpuSeconds.toFixed(0)} CPU s)`;
  logger.info(
    `Kernel ${release} built in ${seconds.toFixed(0)} s${cpu}, ${decision.incremental ? 'incremental' : 'full'}`,
  );
  return {
    arch: options.arch,
    toolchain,
    release,
    buildDir: options.buildDir,
    image: join(options.buildDir, ARCH_NAMES[options.arch].imagePath),
    vmlinux: join(options.buildDir, 'vmlinux'),
    config: join(options.buildDir, '.config'),
    configHash,
    incremental: decision.incremental,
    reason: decision.reason,
    dropped: assembled.dropped,
    seconds,
    ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
    log: join(options.buildDir, 'build.log'),
  };
}

/**
 * The build folder as the decision wants it: emptied and given the new .config for a full build,
 * kept for an incremental one; either way stamped as not complete until the build ends. Returns
 * that stamp (with the last full build's times when the build is incremental).
 */
async function prepareBuildDir(
  options: KernelBuildOptions,
  toolchain: ToolchainInfo,
  assembled: { text: string },
  configHash: string,
  decision: { incremental: boolean; reason: string },
  logger: Logger,
): Promise<BuildStamp> {
  const previousFull = decision.incremental
    ? await readStamp(options.buildDir).then((s) => s?.fullBuild)
    : undefined;
  logger.info(decision.reason);
  if (!decision.incremental) {
    await rm(options.buildDir, { recursive: true, force: true });
  }
  await mkdir(options.buildDir, { recursive: true });
  if (!decision.incremental) await writeFile(join(options.buildDir, '.config'), assembled.text);
  const stamp: BuildStamp = {
    arch: options.arch,
    toolchain: toolchain.name,
    toolchainVersion: toolchain.version,
    sourceDir: options.sourceDir,
    configHash,
    complete: false,
    ...(previousFull ? { fullBuild: previousFull } : {}),
  };
  await writeFile(join(options.buildDir, STAMP), JSON.stringify(stamp, null, 2));
  if (decision.incremental) {
    const times = describeSourceTimes(await alignSourceTimes(options.sourceDir, options.buildDir));
    if (times) logger.info(times);
  }
  return stamp;
}

/** The make targets: the caller's, or the arch's boot image and vmlinux (+ modules when enabled). */
function kernelTargets(options: KernelBuildOptions, config: KernelConfig): string[] {
  if (options.targets) return [...options.targets];
  const targets = [ARCH_NAMES[options.arch].imageTarget, 'vmlinux'];
  if (config.get('CONFIG_MODULES') === 'y') targets.push('modules');
  return targets;
}

/** `make kernelrelease` of the built tree (the modules' folder name, uname -r in the guest). */
async function kernelRelease(
  options: KernelBuildOptions,
  toolchain: ToolchainInfo,
  sandbox: ReturnType<typeof buildSandbox>,
): Promise<string> {
  const args = ['-s', '-C', options.sourceDir, `O=${options.buildDir}`, ...makeArgs(toolchain.makeVars)];
  return (await captureSandboxed(sandbox, 'make', [...args, 'kernelrelease'])).trim();
}

/** Marks the build complete, remembering the source files' contents for the next incremental build. */
async function completeStamp(
  options: KernelBuildOptions,
  stamp: BuildStamp,
  fullBuild: BuildStamp['fullBuild'],
): Promise<void> {
  await recordSourceBlobs(options.sourceDir, options.buildDir);
  await writeFile(
    join(options.buildDir, STAMP),
    JSON.stringify({ ...stamp, complete: true, ...(fullBuild ? { fullBuild } : {}) }, null, 2),
  );
}

async function resolveToolchain(toolchain: Toolchain, arch: Arch): Promise<ToolchainInfo> {
  const { vars, compiler } = toolchainMake(toolchain, arch, hostArch());
  let version: string;
  try {
    version = (await capture(compiler, ['--version'])).split('\n')[0]?.trim() ?? '';
  } catch {
    const hint =
      toolchain.family === 'gcc' && vars['CROSS_COMPILE']
        ? `install Debian's gcc-${vars['CROSS_COMPILE'].replace(/-$/, '')}`
        : `install ${compiler} (Debian: ${toolchain.family === 'gcc' ? 'gcc' : 'clang llvm lld'}${toolchain.version ? `-${toolchain.version}` : ''})`;
    throw new Error(
      `toolchain ${toolchainName(toolchain)} for ${arch} needs ${compiler}, which is not installed: ${hint}`,
    );
  }
  return { name: toolchainName(toolchain), version, makeVars: vars };
}

function makeArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).map(([k, v]) => `${k}=${v}`);
}

/** The fragments tools/testing/selftests/bpf ships for `arch`, those present in this tree. */
export async function selftestsFragments(
  sourceDir: string,
  arch: Arch,
  logger: Logger,
): Promise<ConfigFragment[]> {
  const dir = join(sourceDir, 'tools', 'testing', 'selftests', 'bpf');
  const out: ConfigFragment[] = [];
  for (const name of ['config', 'config.vm', `config.${arch}`]) {
    const path = join(dir, name);
    if (!existsSync(path)) {
      logger.info(`tools/testing/selftests/bpf/${name} is not in this tree: skipped`);
      continue;
    }
    out.push({ name: `tools/testing/selftests/bpf/${name}`, text: await readFile(path, 'utf8') });
  }
  return out;
}

export interface AssembledConfig {
  final: KernelConfig;
  /** The .config olddefconfig wrote. */
  text: string;
  dropped: DroppedOption[];
}

/**
 * Base config (make <baseTarget>) + fragments in order, then olddefconfig, in a scratch folder so
 * the kept build folder is only touched once we know whether the config changed.
 */
export async function assembleKernelConfig(
  options: KernelBuildOptions,
  logger: Logger,
  toolchain?: ToolchainInfo,
  sandbox: Sandbox = buildSandbox(logger),
): Promise<AssembledConfig> {
  toolchain ??= await resolveToolchain(options.toolchain, options.arch);
  await mkdir(dirname(options.buildDir), { recursive: true });
  const scratch = await mkdtemp(join(dirname(options.buildDir), `.config-${basename(options.buildDir)}-`));
  try {
    const make = (target: string): Promise<unknown> =>
      runSandboxed(sandbox, 'make', [
        '-s',
        '-C',
        options.sourceDir,
        `O=${scratch}`,
        ...makeArgs(toolchain.makeVars),
        target,
      ]);
    const baseTarget = options.baseTarget ?? 'defconfig';
    await make(baseTarget);
    const base = parseConfig(await readFile(join(scratch, '.config'), 'utf8'));
    const fragments = [
      ...(options.selftestsConfig === false
        ? []
        : await selftestsFragments(options.sourceDir, options.arch, logger)),
      ...(options.fragments ?? []),
      ...(options.coverage ? [gcovBuild(options.coverage, options.toolchain.family).fragment] : []),
    ];
    const merged = mergeFragments(base, fragments);
    for (const r of merged.redefinitions) {
      logger.info(
        `${r.option} redefined by ${r.fragment}: ${r.previous ?? 'is not set'} -> ${r.value ?? 'is not set'}`,
      );
    }
    await writeFile(join(scratch, '.config'), renderConfig(merged.config));
    await make('olddefconfig');
    const text = await readFile(join(scratch, '.config'), 'utf8');
    const final = parseConfig(text);
    const dropped = droppedOptions(merged, final);
    logger.info(
      `Config: ${baseTarget} + ${fragments.map((f) => f.name).join(', ') || 'no fragments'}: ` +
        `${merged.requested.size} options requested, ${dropped.length} not set as asked`,
    );
    for (const d of dropped) {
      // Point at the fragment line when the fragment is a file of the kernel tree.
      const inTree = d.fragment.startsWith('tools/') && d.line > 0;
      logger.warning(
        describeDropped(d),
        inTree
          ? { title: 'Kernel config option dropped', file: d.fragment, line: d.line }
          : { title: 'Kernel config option dropped' },
      );
    }
    return { final, text, dropped };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** What the last build in `buildDir` recorded, or undefined when there is no readable record. */
export async function readStamp(buildDir: string): Promise<BuildStamp | undefined> {
  try {
    return JSON.parse(await readFile(join(buildDir, STAMP), 'utf8')) as BuildStamp;
  } catch {
    return undefined;
  }
}

export function hashConfig(config: KernelConfig): string {
  return createHash('sha256')
    .update(renderConfig(new Map([...config].sort(([a], [b]) => a.localeCompare(b)))))
    .digest('hex');
}

async function decideRebuild(
  options: KernelBuildOptions,
  toolchain: ToolchainInfo,
  final: KernelConfig,
  logger: Logger,
): Promise<{ incremental: boolean; reason: string }> {
  const configPath = join(options.buildDir, '.config');
  if (!existsSync(configPath))
    return { incremental: false, reason: `No previous build in ${options.buildDir}: full build` };
  const previous = parseConfig(await readFile(configPath, 'utf8'));
  const diff = diffConfig(previous, final);
  await logger.group(`Config diff against the previous build (${diff.length} changes)`, () => {
    logger.untrusted(diff.length ? diff.join('\n') : '(no changes)');
    return Promise.resolve();
  });
  const stamp = await readStamp(options.buildDir);
  if (!stamp || !existsSync(join(options.buildDir, 'Makefile'))) {
    return {
      incremental: false,
      reason: `The build folder ${options.buildDir} is unusable (no build record): full rebuild`,
    };
  }
  if (
    stamp.arch !== options.arch ||
    stamp.toolchain !== toolchain.name ||
    stamp.toolchainVersion !== toolchain.version
  ) {
    return {
      incremental: false,
      reason: `Toolchain changed (${stamp.arch} ${stamp.toolchain} "${stamp.toolchainVersion}" -> ${options.arch} ${toolchain.name} "${toolchain.version}"): full rebuild`,
    };
  }
  if (stamp.sourceDir !== options.sourceDir) {
    return {
      incremental: false,
      reason: `Source tree changed (${stamp.sourceDir} -> ${options.sourceDir}): full rebuild`,
    };
  }
  if (diff.length)
    return { incremental: false, reason: `Config changed (${diff.length} options): full rebuild` };
  return {
    incremental: true,
    reason: `Config and toolchain unchanged: incremental build in ${options.buildDir}${stamp.complete ? '' : ' (the previous build did not finish; make resumes it)'}`,
  };
}

async function makeKernel(
  options: KernelBuildOptions,
  toolchain: ToolchainInfo,
  targets: string[],
  logger: Logger,
  sandbox: Sandbox,
): Promise<void> {
  const jobs = options.jobs ?? availableParallelism();
  const gcov = options.coverage ? gcovBuild(options.coverage, options.toolchain.family) : undefined;
  if (gcov) logger.info(gcov.description);
  const logPath = join(options.buildDir, 'build.log');
  const logFile = createWriteStream(logPath);
  const lines: string[] = [];
  const started = Date.now();
  const progress = new MakeProgress(started);
  logger.info(`make -j${jobs} ${targets.join(' ')} (progress below; the full log is folded at the end)`);
  let failure: CommandError | undefined;
  try {
    await runSandboxed(
      sandbox,
      'make',
      [
        '-C',
        options.sourceDir,
        `O=${options.buildDir}`,
        `-j${jobs}`,
        ...makeArgs(toolchain.makeVars),
        ...(gcov?.makeArgs ?? []),
        ...targets,
      ],
      {
        onLine: (line) => {
          lines.push(line);
          logFile.write(`${line}\n`);
          const message = progress.feed(line, Date.now());
          if (message) logger.info(`[kernel ${Math.round((Date.now() - started) / 1000)}s] ${message}`);
        },
      },
    );
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    failure = err;
  } finally {
    await new Promise<void>((r) => logFile.end(r));
  }
  const text = lines.join('\n');
  annotateDiagnostics(text, options, logger);
  await logger.group(`Kernel build log (${lines.length} lines, ${progress.summary() || 'no steps'})`, () => {
    logger.untrusted(text);
    return Promise.resolve();
  });
  if (failure) throw new BuildError('kernel', text, failure, logPath);
}

/** Compiler errors and warnings become annotations on the kernel source file and line. */
export function annotateDiagnostics(
  log: string,
  options: { sourceDir: string; buildDir: string; maxAnnotations?: number },
  logger: Logger,
): void {
  const diagnostics = parseDiagnostics(log);
  const { shown, omitted } = chooseAnnotations(diagnostics, options.maxAnnotations ?? 10);
  for (const d of shown) {
    const file = sourceRelativePath(d.file, options) ?? d.file;
    const message = [d.message, ...d.context].join('\n');
    const properties = {
      title: `Compiler ${d.severity}`,
      file,
      line: d.line,
      ...(d.column ? { col: d.column } : {}),
    };
    if (d.severity === 'error') logger.error(message, properties);
    else logger.warning(message, properties);
  }
  if (omitted > 0) logger.warning(`${omitted} more compiler diagnostics not annotated: see the build log`);
}
