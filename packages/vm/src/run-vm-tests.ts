// Boot the kernel under test in QEMU, run the plan in it, and turn what happened into the model:
// the console streamed live (as untrusted text), a bounded-rate progress line, a silence watchdog,
// QEMU's own failures with its stderr, and results.json + raw logs in the output folder whatever
// way the VM ended.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
  type WriteStream,
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
  type ConsoleEvent,
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
/** The console silent this long: the guest hangs. */
const DEFAULT_SILENCE_SEC = 300;

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
        silenceTimeoutSec: options.silenceTimeoutSec ?? DEFAULT_SILENCE_SEC,
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

/** How long each wait of a boot may last, in milliseconds. */
export interface WatchLimits {
  /** The console silent this long: the guest hangs. */
  silenceMs: number;
  /** The whole VM, from QEMU's start. */
  totalMs: number;
  /** At most one progress line per this long. */
  progressMs: number;
  /** QEMU still up this long after the guest said its plan is done: stopped by the runner. */
  powerOffGraceMs: number;
}

/**
 * The limits a request asks for, or the defaults: the total is the runners' timeouts (each plus a
 * minute), the retry waits, the DENYLIST pass and 5 minutes for the boot.
 */
export function watchLimits(options: VmTestOptions, plan: RunPlan): WatchLimits {
  const waits = (plan.retry?.waitSec ?? 0) * (plan.retry?.attempts ?? 0) * plan.runners.length;
  const passSec = plan.denylistPass ? plan.denylistPass.runner.timeoutSec + 60 : 0;
  const totalSec =
    options.timeoutSec ?? plan.runners.reduce((s, r) => s + r.timeoutSec + 60, 300 + waits + passSec);
  return {
    silenceMs: (options.silenceTimeoutSec ?? DEFAULT_SILENCE_SEC) * 1000,
    totalMs: totalSec * 1000,
    progressMs: (options.progressIntervalSec ?? 15) * 1000,
    powerOffGraceMs: (options.powerOffGraceSec ?? 30) * 1000,
  };
}

/** What a boot learns while QEMU runs: the one mutable record of the watch. */
export interface WatchState {
  readonly started: number;
  timings: VmTestOutcome['timings'];
  /** The last 64 KiB of QEMU's stderr (and a spawn error). */
  stderr: string;
  /** Why the runner killed the VM, once it did. */
  killedBy?: VmFault;
  /** The guest finished its plan and QEMU, still up, was stopped: not a fault. */
  stoppedAfterDone: boolean;
  /** When the runner first saw the guest's plan done. */
  doneAt?: number;
  lastProgressAt: number;
  /** From the shell marker on, the console is the user's terminal. */
  inShell: boolean;
}

export type SuperviseAction = { kind: 'none' } | { kind: 'stop-finished' } | { kind: 'kill'; fault: VmFault };

/**
 * What the supervisor does at `now`: stop QEMU when it stays up after the guest finished, kill a
 * guest silent or running too long, or nothing. Pure.
 */
export function superviseDecision(
  state: Readonly<WatchState>,
  guest: { done: boolean; lastOutputAt: number },
  limits: WatchLimits,
  now: number,
): SuperviseAction {
  const { doneAt, stoppedAfterDone, killedBy } = state;
  if (doneAt !== undefined && now - doneAt > limits.powerOffGraceMs && !stoppedAfterDone && !killedBy) {
    return { kind: 'stop-finished' };
  }
  // Already stopping a finished guest, or a person at the guest's shell: not a hang.
  if (stoppedAfterDone || (state.inShell && !guest.done)) return { kind: 'none' };
  if (now - guest.lastOutputAt > limits.silenceMs) {
    const detail = `no console output for ${Math.round(limits.silenceMs / 1000)} s: the guest hangs; VM killed`;
    return { kind: 'kill', fault: { reason: 'timeout', detail } };
  }
  if (now - state.started > limits.totalMs) {
    const detail = `the VM ran past its ${Math.round(limits.totalMs / 1000)} s limit; VM killed`;
    return { kind: 'kill', fault: { reason: 'timeout', detail } };
  }
  return { kind: 'none' };
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

function spawnQemu(input: WatchInput, logger: Logger): ChildProcessWithoutNullStreams {
  const { options } = input;
  logger.info(
    `Booting ${basename(options.kernelImage)} (${options.arch}, ${input.accelerator.accel.toUpperCase()})`,
  );
  logger.debug(`${input.qemuBinary} ${input.args.join(' ')}`);
  const child = spawn(input.qemuBinary, input.args, {
    stdio: [options.shell ? 'pipe' : 'ignore', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) options.onQemuStarted?.(child.pid);
  return child;
}

/** A running boot: its request, its limits, its state and the handles it reads and writes. */
interface Watch {
  input: WatchInput;
  limits: WatchLimits;
  state: WatchState;
  watcher: ConsoleWatcher;
  retries: RetryCoordinator;
  echo: UntrustedBatcher;
  /** The console as recorded in the host's private folder (see startWatch). */
  consoleRecord: string;
  consoleFile: WriteStream;
  child: ChildProcessWithoutNullStreams;
  logger: Logger;
}

function startWatch(input: WatchInput, logger: Logger): Watch {
  const { plan, outputDir, nonce } = input;
  const retries = new RetryCoordinator(plan, outputDir, logger);
  // The console is recorded outside the guest's writable share and copied in at the end: the guest
  // can replace any name in its share (with a FIFO, a symlink, a forged log) while it runs.
  const consoleRecord = join(input.privateDir, 'console.log');
  const consoleFile = createWriteStream(consoleRecord);
  const watcher = new ConsoleWatcher(
    nonce,
    Date.now(),
    // Markers naming any other runner are forged: the planned runners and the DENYLIST pass only.
    [...plan.runners, ...(plan.denylistPass ? [plan.denylistPass.runner] : [])].map((r) => r.name),
  );
  const echo = new UntrustedBatcher(logger);
  const state: WatchState = {
    started: Date.now(),
    timings: { totalMs: 0 },
    stderr: '',
    stoppedAfterDone: false,
    lastProgressAt: 0,
    inShell: false,
  };
  const limits = watchLimits(input.options, plan);
  const child = spawnQemu(input, logger);
  return { input, limits, state, watcher, retries, echo, consoleRecord, consoleFile, child, logger };
}

/** The guest's milestones in the log, and the boot and first-runner times. */
function reportMarker(w: Watch, m: MarkerEvent): void {
  const { state, logger } = w;
  const now = Date.now();
  switch (m.kind) {
    case 'ready':
      state.timings.readyMs = now - state.started;
      logger.info(`Guest ready after ${formatDuration(now - state.started)}`);
      break;
    case 'begin':
      state.timings.firstRunnerMs ??= now - state.started;
      logger.info(`Running ${m.runner}`);
      break;
    case 'end': {
      const p = w.watcher.runners.findLast((r) => r.runner === m.runner);
      if (p) logger.info(`${progressLine(p, now)} (exit ${m.exitCode})`);
      break;
    }
    case 'fatal':
      logger.error(`Guest init failed: ${m.message}`);
      break;
    default:
      break;
  }
}

/** From the shell marker on, the console is the user's terminal: raw, both ways. */
function handOverToShell(w: Watch, shell: NonNullable<VmTestOptions['shell']>, text: string): void {
  w.state.inShell = true;
  w.echo.flush(true);
  const marker = text.indexOf(`${w.input.nonce} shell`);
  const after = marker >= 0 ? text.indexOf('\n', marker) : -1;
  if (after >= 0) shell.write(text.slice(after + 1));
  w.logger.info('Shell in the guest, in the selftests folder: type exit to stop the VM');
  if (w.child.stdin) shell.input.pipe(w.child.stdin);
}

/** Each piece of console: recorded, echoed (or given to the shell), and read for markers. */
function onConsoleText(w: Watch, text: string): void {
  const shell = w.input.options.shell;
  w.consoleFile.write(text);
  if (w.state.inShell) shell?.write(text);
  else w.echo.add(text);
  w.retries.feedConsole(text);
  for (const m of w.watcher.feed(text, Date.now())) {
    reportMarker(w, m);
    w.retries.onMarker(m, w.watcher.runners);
  }
  if (shell && w.watcher.shell && !w.state.inShell) handOverToShell(w, shell, text);
}

function kill(w: Watch, fault: VmFault): void {
  if (w.state.killedBy) return;
  w.state.killedBy = fault;
  w.logger.error(fault.detail);
  w.child.kill('SIGKILL');
}

/** Every half second: the echo flushed, the supervisor's decision carried out, a progress line when due. */
function onTick(w: Watch): void {
  const { state, watcher, limits, logger } = w;
  const now = Date.now();
  w.echo.flush(false);
  if (watcher.done) state.doneAt ??= now;
  const action = superviseDecision(state, watcher, limits, now);
  if (action.kind === 'stop-finished') {
    // The output share is mounted cache=none: what the guest wrote is on the host already.
    state.stoppedAfterDone = true;
    logger.info(
      `The guest finished its plan but QEMU is still up ${Math.round(limits.powerOffGraceMs / 1000)} s later ` +
        '(a kernel that cannot power off, e.g. without ACPI, only halts): stopping QEMU',
    );
    w.child.kill('SIGKILL');
  } else if (action.kind === 'kill') {
    kill(w, action.fault);
  }
  const current = watcher.current;
  if (
    current &&
    now - state.lastProgressAt >= limits.progressMs &&
    now - current.startedAt >= limits.progressMs
  ) {
    state.lastProgressAt = now;
    logger.info(progressLine(current, now));
  }
}

interface QemuEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The whole console, as recorded. */
  consoleText: string;
}

/**
 * Stream the console and supervise QEMU until it exits; then drain the console, write
 * console.log (and qemu-stderr.log) into the output folder.
 */
async function watchUntilExit(w: Watch): Promise<QemuEnd> {
  const { child, state, input } = w;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ code, signal }));
    child.on('error', (err) => {
      state.stderr += `${err.message}\n`;
      resolveExit({ code: null, signal: null });
    });
  });
  const stdoutDone = new Promise<void>((r) => child.stdout.on('end', r));
  child.stdout.setEncoding('utf8').on('data', (text: string) => onConsoleText(w, text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    state.stderr = (state.stderr + text).slice(-65_536);
  });
  const ticker = setInterval(() => onTick(w), 500);

  const { code, signal } = await exited;
  const shell = input.options.shell;
  if (shell && child.stdin) shell.input.unpipe(child.stdin);
  await Promise.race([stdoutDone, new Promise((r) => setTimeout(r, 2000))]);
  clearInterval(ticker);
  for (const m of w.watcher.flush(Date.now())) reportMarker(w, m);
  w.echo.flush(true);
  await new Promise<void>((r) => w.consoleFile.end(r));
  state.timings.totalMs = Date.now() - state.started;
  if (state.stderr.trim()) writeOutputFile(join(input.outputDir, 'qemu-stderr.log'), state.stderr);
  const consoleText = await readFile(w.consoleRecord, 'utf8');
  writeOutputFile(join(input.outputDir, 'console.log'), consoleText);
  return { code, signal, consoleText };
}

/**
 * The job's fault, if any, and the DENYLIST pass's: a fault in that informational pass (it runs
 * tests known to hang or panic) is reported there and never makes the job an error. Pure.
 */
function splitFault(
  vmFault: VmFault | undefined,
  inDenylistPass: boolean,
): { fault?: VmFault; passFault?: VmFault } {
  if (!vmFault) return {};
  return inDenylistPass ? { passFault: vmFault } : { fault: vmFault };
}

/** The VM's own account in results.json: accelerator, fault, the plan as run, boot and total time. */
function vmAccount(
  plan: RunPlan,
  accelerator: AcceleratorChoice,
  fault: VmFault | undefined,
  timings: VmTestOutcome['timings'],
): NonNullable<Run['vm']> {
  return {
    accelerator: accelerator.accel,
    ...(fault ? { fault } : {}),
    plan: plan.runners.map((r) => ({
      runner: r.name,
      command: r.guestShell ?? r.argv.join(' '),
      timeoutSec: r.timeoutSec,
    })),
    durationMs: timings.totalMs,
    ...(timings.readyMs !== undefined ? { bootMs: timings.readyMs } : {}),
  };
}

/** Warnings for list entries that selected nothing and selected tests that never reported. Pure. */
function unaccountedWarnings(run: Run): string[] {
  const warnings: string[] = [];
  for (const b of run.binaries) {
    const label = b.variant ?? b.binary;
    for (const u of b.unmatchedEntries ?? [])
      warnings.push(
        `${label}: ${u.list}list entry '${u.entry}' (${u.source}) matched no test: it tests nothing`,
      );
    const missed = b.tests.filter((t) => t.status === 'miss');
    if (missed.length > 0)
      warnings.push(
        `${label}: ${missed.length} selected test(s) never reported: ${missed
          .slice(0, 10)
          .map((t) => `${t.name} (${t.reason ?? 'no reason known'})`)
          .join('; ')}${missed.length > 10 ? '; ...' : ''}`,
      );
  }
  return warnings;
}

/** From what the guest left and how QEMU ended to the Run: every runner, retry, DENYLIST pass and quarantine. */
async function assembleRun(
  w: Watch,
  events: ConsoleEvent[],
  faults: { fault?: VmFault; passFault?: VmFault },
): Promise<Run> {
  const { options, plan, outputDir, accelerator, kernelRelease } = w.input;
  const { fault, passFault } = faults;
  let run = await collectRun({
    plan,
    outputDir,
    progress: w.watcher.runners,
    events,
    context: {
      arch: options.arch,
      accelerator: accelerator.accel,
      ...(kernelRelease ? { kernelRelease } : {}),
      ...options.context,
    },
    ...(fault ? { fault } : {}),
  });
  run = await w.retries.finish(run);
  run = await collectDenylistPass(run, plan, outputDir, w.watcher.runners, passFault);
  if (options.quarantine) {
    const { file, name, today } = options.quarantine;
    run = applyQuarantine(run, file, today ?? new Date().toISOString().slice(0, 10), name).run;
  }
  run.vm = vmAccount(plan, accelerator, fault, w.state.timings);
  return run;
}

/** How the VM ended, results.json written, and the outcome the callers get. */
async function finishWatch(w: Watch, end: QemuEnd): Promise<VmTestOutcome> {
  const { plan, outputDir } = w.input;
  const { state, logger } = w;
  const events = parseConsole(end.consoleText);
  const vmFault =
    state.killedBy ??
    (state.stoppedAfterDone
      ? undefined
      : classifyExit({ ...end, stderr: state.stderr, watcher: w.watcher, events }));
  const faults = splitFault(vmFault, vmFault !== undefined && faultInDenylistPass(plan, w.watcher.runners));
  const { fault, passFault } = faults;
  if (fault && !state.killedBy) logger.error(fault.detail);
  if (passFault)
    logger.warning(`DENYLIST pass: ${passFault.detail} (informational: the verdict is unchanged)`);
  if (!existsSync(join(outputDir, 'dmesg.txt'))) {
    // The guest writes dmesg at the end; when it never got there the console holds the kernel log.
    writeOutputFile(join(outputDir, 'dmesg.txt'), end.consoleText);
  }
  const run = await assembleRun(w, events, faults);
  for (const warning of unaccountedWarnings(run)) logger.warning(warning);
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
    consoleLog: join(outputDir, 'console.log'),
    accelerator: w.input.accelerator,
    timings: state.timings,
    ...(fault ? { fault } : {}),
  };
}

async function bootAndWatch(input: WatchInput, logger: Logger): Promise<VmTestOutcome> {
  const watch = startWatch(input, logger);
  const end = await watchUntilExit(watch);
  return finishWatch(watch, end);
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
