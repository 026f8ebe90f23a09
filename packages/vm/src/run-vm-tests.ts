// Boot the kernel under test in QEMU, run the plan in it, and turn what happened into the model:
// the console streamed live (as untrusted text), a bounded-rate progress line, a silence watchdog,
// QEMU's own failures with its stderr, and results.json + raw logs in the output folder whatever
// way the VM ended.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { applyQuarantine, jobConclusion, type QuarantineFile } from '@bpf-ci/flaky';
import type { Logger } from '@bpf-ci/logger';
import {
  binaryConclusion,
  JOB_MANIFEST_FILE,
  parseRun,
  totalCounts,
  type Conclusion,
  type Run,
  type RunContext,
} from '@bpf-ci/model';
import { parseConsole } from '@bpf-ci/parsers';
import {
  bootUntilMarker,
  chooseAccelerator,
  type AcceleratorChoice,
  type AcceleratorRequest,
} from './accel.ts';
import { hostArch, type Arch } from '@bpf-ci/domain';
import { ARCH_PROFILES } from './arch.ts';
import { busyboxFor } from './busybox.ts';
import { ConsoleWatcher, formatDuration, progressLine, type MarkerEvent } from './console.ts';
import { guestInit, probeInit } from './guest-init.ts';
import {
  checkSelftestsShare,
  copyPublicEtc,
  foreignSystemEntries,
  systemEntries,
  type GuestRootEntry,
} from './guest-view.ts';
import { describeGuestRoot, GUEST_ROOT_FILE } from './guest-root.ts';
import { buildInitramfs, initramfsModuleNames } from './initramfs.ts';
import { bootModules } from './modules.ts';
import { RunPlan, runnerFiles } from './plan.ts';
import { qemuArgs, standardShares, type QemuOptions } from './qemu.ts';
import { collectRun, type VmFault } from './results.ts';
import { writeOutputFile } from '@bpf-ci/input-file';
import { collectDenylistPass, faultInDenylistPass } from './denylist-pass.ts';
import { RetryCoordinator } from './retry.ts';
import { buildJobManifest, writeJobManifest, type JobIdentity } from './job-manifest.ts';

/** The VM's size when the request does not say. */
const DEFAULT_MEMORY_MIB = 2048;
const DEFAULT_CPUS = 2;

export interface VmTestOptions {
  arch: Arch;
  /** The kernel image QEMU boots (bzImage, arm64 Image[.gz]). */
  kernelImage: string;
  /** The kernel's modules: lib/modules/RELEASE itself or a root holding it. Absent: all built in. */
  modulesDir?: string;
  plan: RunPlan;
  outputDir: string;
  accelerator?: AcceleratorRequest;
  memoryMiB?: number;
  cpus?: number;
  /** Kill the VM when the console has been silent this long (default 300 s). */
  silenceTimeoutSec?: number;
  /** Kill the VM after this long in all (default: the runners' timeouts plus 5 minutes). */
  timeoutSec?: number;
  /** At most one progress line per this many seconds (default 15). */
  progressIntervalSec?: number;
  context?: RunContext;
  extraCmdline?: readonly string[];
  /** The kernel's .config (default: boot/config-RELEASE next to a Debian-style modules root). */
  kernelConfig?: string;
  /** Called with QEMU's process id once it started (for callers that supervise it). */
  onQemuStarted?: (pid: number) => void;
  /** A parsed quarantine file: failures it covers become warnings (see @bpf-ci/flaky). */
  quarantine?: { file: QuarantineFile; name: string; today?: string } | undefined;
  /**
   * How long QEMU may stay up after the guest said its plan is done (default 30 s). A kernel that
   * cannot power the machine off (no ACPI) halts instead; the runner then stops QEMU itself.
   */
  powerOffGraceSec?: number;
  /** Who ran the job, recorded in the job manifest (job-manifest.json) a local repro reads. */
  identity?: JobIdentity;
  /**
   * An interactive shell in the guest after the plan, in the selftests folder: the console is
   * connected to `input` and written raw to `write` from the moment the shell starts; the VM ends
   * when the shell exits. No silence or total timeout applies to the shell.
   */
  shell?: { input: NodeJS.ReadableStream; write: (text: string) => void };
}

export interface VmTestOutcome {
  run: Run;
  conclusion: Conclusion;
  /** Absolute paths of what was written. */
  outputDir: string;
  resultsJson: string;
  consoleLog: string;
  /** Set when the VM did not finish the plan. */
  fault?: VmFault;
  accelerator: AcceleratorChoice;
  /** Milliseconds from QEMU start to the guest's `ready` marker and to its first runner. */
  timings: { readyMs?: number; firstRunnerMs?: number; totalMs: number };
}

/** lib/modules/RELEASE from either that folder or a root that holds it. */
export function resolveModulesDir(dir: string): { dir: string; release: string } {
  const abs = resolve(dir);
  if (existsSync(join(abs, 'modules.order')) || existsSync(join(abs, 'kernel'))) {
    return { dir: abs, release: basename(abs) };
  }
  for (const candidate of [join(abs, 'lib', 'modules'), join(abs, 'usr', 'lib', 'modules'), abs]) {
    if (!existsSync(candidate)) continue;
    const releases = readdirSync(candidate).filter((r) => existsSync(join(candidate, r, 'modules.order')));
    if (releases.length === 1 && releases[0])
      return { dir: join(candidate, releases[0]), release: releases[0] };
    if (releases.length > 1) {
      throw new Error(
        `${candidate} holds several kernels (${releases.join(', ')}): pass lib/modules/RELEASE`,
      );
    }
  }
  throw new Error(`no kernel modules in ${dir}: pass lib/modules/RELEASE or the root holding it`);
}

/** Files of a previous run in the same folder would read as this run's: remove them first. */
function clearOutputs(outputDir: string, plan: RunPlan): void {
  const names = [
    'results.json',
    'console.log',
    'dmesg.txt',
    'qemu-stderr.log',
    'summary.md',
    GUEST_ROOT_FILE,
    JOB_MANIFEST_FILE,
  ];
  const runners = [...plan.runners, ...(plan.denylistPass ? [plan.denylistPass.runner] : [])];
  for (const r of runners) names.push(...Object.values(runnerFiles(r.name)));
  // An old retry plan would be run by the new guest.
  const attempts = readdirSync(outputDir).filter((f) =>
    runners.some((r) => f.startsWith(`${r.name}.attempt-`)),
  );
  for (const n of [...names, ...attempts]) rmSync(join(outputDir, n), { force: true });
}

/** Everything needed to start the guest: the exact QEMU command, ready to run. */
export interface PreparedVm {
  plan: RunPlan;
  outputDir: string;
  nonce: string;
  accelerator: AcceleratorChoice;
  qemuBinary: string;
  args: string[];
  /** Removes the scratch folder holding the initramfs. */
  cleanup: () => void;
  /** From the modules folder's name, when modules were given. */
  kernelRelease?: string;
  /** A folder of the host's own (not shared with the guest) for files the guest must not touch. */
  privateDir: string;
  /** The kernel .config given to the guest, if any. */
  kernelConfig?: string;
}

/** The request checked before anything is written; then the output folder cleared of an older run's files and given plan.json. */
function startOutputFolder(options: VmTestOptions): {
  plan: RunPlan;
  outputDir: string;
  selftestsDir: string;
} {
  const plan = RunPlan.parse(options.plan);
  const outputDir = resolve(options.outputDir);
  if (!existsSync(options.kernelImage)) throw new Error(`kernel image ${options.kernelImage} does not exist`);
  // Checked before anything is written: exporting it must not export the host's private folders.
  const selftestsDir = checkSelftestsShare(plan.cwd);
  mkdirSync(outputDir, { recursive: true });
  clearOutputs(outputDir, plan);
  writeOutputFile(join(outputDir, 'plan.json'), `${JSON.stringify(plan, null, 2)}\n`);
  return { plan, outputDir, selftestsDir };
}

/** What goes into the guest's initramfs and shares, gathered in the scratch folder `work`. */
interface GuestParts {
  work: string;
  /** Marks the guest's own console lines; unknown to anything the guest runs. */
  nonce: string;
  busybox: string;
  modules?: { dir: string; release: string };
  /** The modules the initramfs loads to reach the shares. */
  modulePaths: string[];
  systemView: GuestRootEntry[];
  kernelConfig?: string;
}

/**
 * The guest's system folders, recorded in guest-root.json: a guest of the host's arch runs the
 * host's own binaries, any other gets a root of its own. /etc is a copy of its public files.
 */
async function prepareSystemView(
  arch: Arch,
  work: string,
  busybox: string,
  outputDir: string,
  logger: Logger,
): Promise<GuestRootEntry[]> {
  const etc = copyPublicEtc('/etc', join(work, 'etc'));
  logger.debug(`Guest /etc: ${etc.files} public files; withheld: ${etc.withheld.join(' ') || 'none'}`);
  const foreign = arch !== hostArch();
  const systemView = foreign ? foreignSystemEntries(join(work, 'etc')) : systemEntries(join(work, 'etc'));
  const guestRoot = await describeGuestRoot(arch, foreign, busybox);
  writeOutputFile(join(outputDir, GUEST_ROOT_FILE), `${JSON.stringify(guestRoot, null, 2)}\n`);
  logger.info(
    foreign
      ? `Guest root (${arch}): its own static busybox ${guestRoot.busybox.path} (sha256 ${guestRoot.busybox.sha256.slice(0, 16)}), no host binaries`
      : `Guest root (${arch}): the host's system folders, read-only`,
  );
  return systemView;
}

/** The kernel .config the guest gets: the one given, else boot/config-RELEASE of a Debian-style modules root. */
function kernelConfigFor(
  given: string | undefined,
  modules: { dir: string; release: string } | undefined,
): string | undefined {
  if (given !== undefined) return given;
  if (!modules) return undefined;
  const debianConfig = join(modules.dir, '..', '..', '..', 'boot', `config-${modules.release}`);
  return existsSync(debianConfig) ? debianConfig : undefined;
}

async function gatherGuestParts(
  options: VmTestOptions,
  work: string,
  outputDir: string,
  logger: Logger,
): Promise<GuestParts> {
  const modules = options.modulesDir ? resolveModulesDir(options.modulesDir) : undefined;
  const modulePaths = modules ? bootModules(modules.dir, ARCH_PROFILES[options.arch].virtioBus) : [];
  const busybox = await busyboxFor(options.arch, logger);
  const nonce = `bpfci-${randomBytes(6).toString('hex')}`;
  const systemView = await prepareSystemView(options.arch, work, busybox, outputDir, logger);
  const kernelConfig = kernelConfigFor(options.kernelConfig, modules);
  return {
    work,
    nonce,
    busybox,
    ...(modules ? { modules } : {}),
    modulePaths,
    systemView,
    ...(kernelConfig ? { kernelConfig } : {}),
  };
}

/** The initramfs: busybox, the boot modules, the init script that runs the plan and the kernel .config. */
function writeInitramfs(parts: GuestParts, plan: RunPlan, shell: boolean, logger: Logger): string {
  const { modules, modulePaths, kernelConfig } = parts;
  const init = guestInit({
    systemView: parts.systemView,
    plan,
    nonce: parts.nonce,
    modules: initramfsModuleNames(modulePaths),
    ...(modules ? { kernelRelease: modules.release } : {}),
    ...(shell ? { shell: true } : {}),
  });
  const initramfs = join(parts.work, 'initramfs.cpio');
  writeFileSync(
    initramfs,
    buildInitramfs({
      busybox: parts.busybox,
      modules: modulePaths,
      init,
      ...(kernelConfig ? { kernelConfig } : {}),
    }),
  );
  logger.info(
    `Initramfs: busybox + ${modulePaths.length} modules (${initramfsModuleNames(modulePaths).join(' ') || 'none: all built in'})`,
  );
  return initramfs;
}

/** KVM or TCG; KVM only after a probe guest of the same kernel, that only says it is up, booted with it. */
function pickAccelerator(
  request: AcceleratorRequest,
  parts: GuestParts,
  baseArgs: Omit<QemuOptions, 'accel'>,
  logger: Logger,
): Promise<AcceleratorChoice> {
  const { profile } = baseArgs;
  return chooseAccelerator(
    profile,
    request,
    () => {
      const probeImage = join(parts.work, 'probe.cpio');
      writeFileSync(
        probeImage,
        buildInitramfs({ busybox: parts.busybox, modules: [], init: probeInit(parts.nonce) }),
      );
      return bootUntilMarker(
        profile.qemuBinary,
        qemuArgs({ ...baseArgs, accel: 'kvm', initramfs: probeImage, shares: [] }),
        `${parts.nonce} boot`,
        60_000,
      );
    },
    logger,
  );
}

/**
 * Validate the request, write plan.json, build the initramfs and pick the accelerator. Split from
 * the boot so the benchmark can run the very same guest with a bare QEMU.
 */
export async function prepareVm(options: VmTestOptions, logger: Logger): Promise<PreparedVm> {
  const { plan, outputDir, selftestsDir } = startOutputFolder(options);
  const work = mkdtempSync(join(tmpdir(), 'bpf-ci-vm-'));
  const cleanup = (): void => rmSync(work, { recursive: true, force: true });
  try {
    const parts = await gatherGuestParts(options, work, outputDir, logger);
    const { modules, kernelConfig } = parts;
    const baseArgs = {
      profile: ARCH_PROFILES[options.arch],
      kernel: options.kernelImage,
      initramfs: writeInitramfs(parts, plan, options.shell !== undefined, logger),
      memoryMiB: options.memoryMiB ?? DEFAULT_MEMORY_MIB,
      cpus: options.cpus ?? DEFAULT_CPUS,
      shares: standardShares({
        systemView: parts.systemView,
        selftestsDir,
        outputDir,
        ...(modules ? { modulesDir: modules.dir } : {}),
      }),
      ...(options.extraCmdline ? { extraCmdline: options.extraCmdline } : {}),
    };
    const accelerator = await pickAccelerator(options.accelerator ?? 'auto', parts, baseArgs, logger);
    return {
      plan,
      outputDir,
      nonce: parts.nonce,
      accelerator,
      qemuBinary: baseArgs.profile.qemuBinary,
      args: qemuArgs({ ...baseArgs, accel: accelerator.accel }),
      cleanup,
      ...(modules ? { kernelRelease: modules.release } : {}),
      privateDir: work,
      ...(kernelConfig ? { kernelConfig } : {}),
    };
  } catch (err) {
    cleanup();
    throw err;
  }
}

export async function runVmTests(options: VmTestOptions, logger: Logger): Promise<VmTestOutcome> {
  const vm = await prepareVm(options, logger);
  try {
    writeJobManifest(
      vm.outputDir,
      buildJobManifest({
        arch: options.arch,
        accelerator: vm.accelerator.accel,
        kernelImage: options.kernelImage,
        ...(vm.kernelConfig ? { kernelConfig: vm.kernelConfig } : {}),
        ...(options.modulesDir ? { modulesDir: resolveModulesDir(options.modulesDir).dir } : {}),
        ...(vm.kernelRelease ? { kernelRelease: vm.kernelRelease } : {}),
        plan: vm.plan,
        memoryMiB: options.memoryMiB ?? DEFAULT_MEMORY_MIB,
        cpus: options.cpus ?? DEFAULT_CPUS,
        silenceTimeoutSec: options.silenceTimeoutSec ?? 300,
        ...(options.extraCmdline ? { extraCmdline: options.extraCmdline } : {}),
        ...(options.identity ? { identity: options.identity } : {}),
      }),
    );
    return await bootAndWatch({ options, ...vm }, logger);
  } finally {
    vm.cleanup();
  }
}

interface WatchInput extends PreparedVm {
  options: VmTestOptions;
}

/** Console text is echoed in batches so each untrusted() block holds many lines, not one. */
class UntrustedBatcher {
  private buffer = '';
  private readonly logger: Logger;
  constructor(logger: Logger) {
    this.logger = logger;
  }
  add(text: string): void {
    this.buffer += text;
    if (this.buffer.length > 16_384) this.flush(false);
  }
  flush(all: boolean): void {
    const cut = all ? this.buffer.length : this.buffer.lastIndexOf('\n') + 1;
    if (cut <= 0) return;
    this.logger.untrusted(this.buffer.slice(0, cut).replace(/\n$/, ''));
    this.buffer = this.buffer.slice(cut);
  }
}

async function bootAndWatch(input: WatchInput, logger: Logger): Promise<VmTestOutcome> {
  const { options, plan, outputDir, nonce } = input;
  const profile = ARCH_PROFILES[options.arch];
  const silenceMs = (options.silenceTimeoutSec ?? 300) * 1000;
  const waits = (plan.retry?.waitSec ?? 0) * (plan.retry?.attempts ?? 0) * plan.runners.length;
  const passSec = plan.denylistPass ? plan.denylistPass.runner.timeoutSec + 60 : 0;
  const totalMs =
    (options.timeoutSec ?? plan.runners.reduce((s, r) => s + r.timeoutSec + 60, 300 + waits + passSec)) *
    1000;
  const retries = new RetryCoordinator(plan, outputDir, logger);
  const progressMs = (options.progressIntervalSec ?? 15) * 1000;
  // The console is recorded outside the guest's writable share and copied in at the end: the guest
  // can replace any name in its share (with a FIFO, a symlink, a forged log) while it runs.
  const consoleLog = join(outputDir, 'console.log');
  const consoleRecord = join(input.privateDir, 'console.log');
  const consoleFile = createWriteStream(consoleRecord);
  const watcher = new ConsoleWatcher(
    nonce,
    Date.now(),
    // Markers naming any other runner are forged: the planned runners and the DENYLIST pass only.
    [...plan.runners, ...(plan.denylistPass ? [plan.denylistPass.runner] : [])].map((r) => r.name),
  );
  const echo = new UntrustedBatcher(logger);
  const started = Date.now();
  const timings: VmTestOutcome['timings'] = { totalMs: 0 };
  let stderr = '';
  let killedBy: VmFault | undefined;
  let stoppedAfterDone = false;
  let doneAt: number | undefined;
  const powerOffGraceMs = (options.powerOffGraceSec ?? 30) * 1000;
  let lastProgressAt = 0;

  logger.info(
    `Booting ${basename(options.kernelImage)} (${options.arch}, ${input.accelerator.accel.toUpperCase()})`,
  );
  logger.debug(`${profile.qemuBinary} ${input.args.join(' ')}`);
  const child = spawn(profile.qemuBinary, input.args, {
    stdio: [options.shell ? 'pipe' : 'ignore', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) options.onQemuStarted?.(child.pid);
  const shell = options.shell;
  let inShell = false;

  const onMarker = (m: MarkerEvent): void => {
    const now = Date.now();
    switch (m.kind) {
      case 'ready':
        timings.readyMs = now - started;
        logger.info(`Guest ready after ${formatDuration(now - started)}`);
        break;
      case 'begin':
        timings.firstRunnerMs ??= now - started;
        logger.info(`Running ${m.runner}`);
        break;
      case 'end': {
        const p = watcher.runners.findLast((r) => r.runner === m.runner);
        if (p) logger.info(`${progressLine(p, now)} (exit ${m.exitCode})`);
        break;
      }
      case 'fatal':
        logger.error(`Guest init failed: ${m.message}`);
        break;
      default:
        break;
    }
  };

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ code, signal }));
    child.on('error', (err) => {
      stderr += `${err.message}\n`;
      resolveExit({ code: null, signal: null });
    });
  });
  const stdoutDone = new Promise<void>((r) => child.stdout.on('end', r));
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    consoleFile.write(text);
    if (inShell) shell?.write(text);
    else echo.add(text);
    retries.feedConsole(text);
    for (const m of watcher.feed(text, Date.now())) {
      onMarker(m);
      retries.onMarker(m, watcher.runners);
    }
    if (shell && watcher.shell && !inShell) {
      // From the shell marker on, the console is the user's terminal: raw, both ways.
      inShell = true;
      echo.flush(true);
      const marker = text.indexOf(`${nonce} shell`);
      const after = marker >= 0 ? text.indexOf('\n', marker) : -1;
      if (after >= 0) shell.write(text.slice(after + 1));
      logger.info('Shell in the guest, in the selftests folder: type exit to stop the VM');
      if (child.stdin) shell.input.pipe(child.stdin);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-65_536);
  });

  const kill = (fault: VmFault): void => {
    if (killedBy) return;
    killedBy = fault;
    logger.error(fault.detail);
    child.kill('SIGKILL');
  };
  const ticker = setInterval(() => {
    const now = Date.now();
    echo.flush(false);
    if (watcher.done) doneAt ??= now;
    if (doneAt !== undefined && now - doneAt > powerOffGraceMs && !stoppedAfterDone && !killedBy) {
      // The output share is mounted cache=none: what the guest wrote is on the host already.
      stoppedAfterDone = true;
      logger.info(
        `The guest finished its plan but QEMU is still up ${Math.round(powerOffGraceMs / 1000)} s later ` +
          '(a kernel that cannot power off, e.g. without ACPI, only halts): stopping QEMU',
      );
      child.kill('SIGKILL');
    } else if (stoppedAfterDone || (inShell && !watcher.done)) {
      // Already stopping a finished guest, or a person at the guest's shell: not a hang.
    } else if (now - watcher.lastOutputAt > silenceMs) {
      kill({
        reason: 'timeout',
        detail: `no console output for ${Math.round(silenceMs / 1000)} s: the guest hangs; VM killed`,
      });
    } else if (now - started > totalMs) {
      kill({
        reason: 'timeout',
        detail: `the VM ran past its ${Math.round(totalMs / 1000)} s limit; VM killed`,
      });
    }
    const current = watcher.current;
    if (current && now - lastProgressAt >= progressMs && now - current.startedAt >= progressMs) {
      lastProgressAt = now;
      logger.info(progressLine(current, now));
    }
  }, 500);

  const { code, signal } = await exited;
  if (shell && child.stdin) shell.input.unpipe(child.stdin);
  await Promise.race([stdoutDone, new Promise((r) => setTimeout(r, 2000))]);
  clearInterval(ticker);
  for (const m of watcher.flush(Date.now())) onMarker(m);
  echo.flush(true);
  await new Promise<void>((r) => consoleFile.end(r));
  timings.totalMs = Date.now() - started;
  if (stderr.trim()) writeOutputFile(join(outputDir, 'qemu-stderr.log'), stderr);

  const consoleText = await readFile(consoleRecord, 'utf8');
  writeOutputFile(consoleLog, consoleText);
  const events = parseConsole(consoleText);
  const vmFault =
    killedBy ??
    (stoppedAfterDone ? undefined : classifyExit({ code, signal, stderr, watcher, events, consoleText }));
  // A fault in the informational DENYLIST pass (it runs tests known to hang or panic) is reported
  // there and never makes the job an error.
  const passFault = vmFault && faultInDenylistPass(plan, watcher.runners) ? vmFault : undefined;
  const fault = passFault ? undefined : vmFault;
  if (fault && !killedBy) logger.error(fault.detail);
  if (passFault)
    logger.warning(`DENYLIST pass: ${passFault.detail} (informational: the verdict is unchanged)`);
  if (!existsSync(join(outputDir, 'dmesg.txt'))) {
    // The guest writes dmesg at the end; when it never got there the console holds the kernel log.
    writeOutputFile(join(outputDir, 'dmesg.txt'), consoleText);
  }

  let run = await collectRun({
    plan,
    outputDir,
    progress: watcher.runners,
    events,
    context: {
      arch: options.arch,
      accelerator: input.accelerator.accel,
      ...(input.kernelRelease ? { kernelRelease: input.kernelRelease } : {}),
      ...options.context,
    },
    ...(fault ? { fault } : {}),
  });
  run = await retries.finish(run);
  run = await collectDenylistPass(run, plan, outputDir, watcher.runners, passFault);
  if (options.quarantine) {
    const { file, name, today } = options.quarantine;
    run = applyQuarantine(run, file, today ?? new Date().toISOString().slice(0, 10), name).run;
  }
  run.vm = {
    accelerator: input.accelerator.accel,
    ...(fault ? { fault } : {}),
    plan: plan.runners.map((r) => ({
      runner: r.name,
      command: r.guestShell ?? r.argv.join(' '),
      timeoutSec: r.timeoutSec,
    })),
    durationMs: timings.totalMs,
    ...(timings.readyMs !== undefined ? { bootMs: timings.readyMs } : {}),
  };
  for (const b of run.binaries) {
    for (const u of b.unmatchedEntries ?? [])
      logger.warning(
        `${b.variant ?? b.binary}: ${u.list}list entry '${u.entry}' (${u.source}) matched no test: it tests nothing`,
      );
    const missed = b.tests.filter((t) => t.status === 'miss');
    if (missed.length > 0)
      logger.warning(
        `${b.variant ?? b.binary}: ${missed.length} selected test(s) never reported: ${missed
          .slice(0, 10)
          .map((t) => `${t.name} (${t.reason ?? 'no reason known'})`)
          .join('; ')}${missed.length > 10 ? '; ...' : ''}`,
      );
  }
  const resultsJson = join(outputDir, 'results.json');
  // Validated through the model's schema: the one record of this job that every reader trusts.
  writeOutputFile(resultsJson, `${JSON.stringify(parseRun(run, resultsJson), null, 2)}\n`);
  for (const b of run.binaries) logger.info(resultRow(b));
  const conclusion = jobConclusion(run, { failOnFlaky: plan.retry?.failOnFlaky ?? false });
  logger.info(`Results: ${resultsJson} (raw logs, console.log and dmesg.txt in ${outputDir})`);
  return {
    run,
    conclusion,
    outputDir,
    resultsJson,
    consoleLog,
    accelerator: input.accelerator,
    timings,
    ...(fault ? { fault } : {}),
  };
}

function classifyExit(x: {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  watcher: ConsoleWatcher;
  events: ReturnType<typeof parseConsole>;
  consoleText: string;
}): VmFault | undefined {
  const lastStderr = x.stderr.trim().split('\n').slice(-5).join(' | ');
  const panic = x.events.find((e) => e.kind === 'panic');
  if (x.watcher.done && x.code === 0) return undefined;
  if (panic || /Kernel panic - not syncing/.test(x.consoleText)) {
    return {
      reason: 'kernel-panic',
      detail: `kernel panic: ${panic?.title ?? 'Kernel panic - not syncing'}`,
    };
  }
  if (x.signal) {
    return { reason: 'vm-failure', detail: `QEMU was killed by ${x.signal} from outside the runner` };
  }
  if (x.code !== 0) {
    return {
      reason: 'vm-failure',
      detail: `QEMU exited with ${x.code}${lastStderr ? `: ${lastStderr}` : ''}`,
    };
  }
  if (x.watcher.fatal) return { reason: 'vm-failure', detail: `guest init failed: ${x.watcher.fatal}` };
  if (!x.watcher.booted)
    return {
      reason: 'vm-failure',
      detail: 'the guest never reached its init (boot failure): see console.log',
    };
  return { reason: 'vm-failure', detail: 'the guest stopped before finishing the plan' };
}

/** "PASS test_verifier: 1365 passed, 647 skipped, 0 failed (46s)" */
export function resultRow(b: Run['binaries'][number]): string {
  const verdict = { success: 'PASS', failure: 'FAIL', error: 'ERROR' }[binaryConclusion(b)];
  const c = totalCounts([b]);
  const label = b.variant ?? b.binary;
  const counts = `${c.passed} passed, ${c.skipped} skipped, ${c.failed} failed`;
  const partial = b.complete ? '' : ` [partial: ${b.incompleteDetail ?? b.incompleteReasons.join(', ')}]`;
  const time = b.durationMs !== undefined ? ` (${formatDuration(b.durationMs)})` : '';
  return `${verdict} ${label}: ${counts}${time}${partial}`;
}
