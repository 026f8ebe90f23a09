// The vm runner's entry: check the request, prepare the guest (output folder, initramfs, shares,
// accelerator), record the job manifest, then boot and watch it (boot-watch.ts) until results.json
// and the raw logs are in the output folder, whatever way the VM ended.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { hostArch, type Arch } from '@bpf-ci/domain';
import type { QuarantineFile } from '@bpf-ci/flaky';
import { writeOutputFile } from '@bpf-ci/input-file';
import type { Logger } from '@bpf-ci/logger';
import { JOB_MANIFEST_FILE, type Conclusion, type Run, type RunContext } from '@bpf-ci/model';
import {
  bootUntilMarker,
  chooseAccelerator,
  type AcceleratorChoice,
  type AcceleratorRequest,
} from './accel.ts';
import { ARCH_PROFILES } from './arch.ts';
import { bootAndWatch, DEFAULT_SILENCE_SEC } from './boot-watch.ts';
import { busyboxFor } from './busybox.ts';
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
import { buildJobManifest, writeJobManifest, type JobIdentity } from './job-manifest.ts';
import { bootModules } from './modules.ts';
import { RunPlan, runnerFiles } from './plan.ts';
import { qemuArgs, standardShares, type QemuOptions } from './qemu.ts';
import type { VmFault } from './results.ts';

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
