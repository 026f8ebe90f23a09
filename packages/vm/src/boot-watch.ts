// Boot the kernel under test in QEMU, run the plan in it, and turn what happened into the model:
// the console streamed live (as untrusted text), a bounded-rate progress line, a silence watchdog,
// QEMU's own failures with its stderr, and results.json + raw logs in the output folder whatever
// way the VM ended.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { applyQuarantine, jobConclusion } from '@bpf-ci/flaky';
import { writeOutputFile } from '@bpf-ci/input-file';
import type { Logger } from '@bpf-ci/logger';
import { binaryConclusion, parseRun, totalCounts, type ConsoleEvent, type Run } from '@bpf-ci/model';
import { parseConsole } from '@bpf-ci/parsers';
import type { AcceleratorChoice } from './accel.ts';
import { ConsoleWatcher, formatDuration, progressLine, type MarkerEvent } from './console.ts';
import { collectDenylistPass, faultInDenylistPass } from './denylist-pass.ts';
import type { RunPlan } from './plan.ts';
import { collectRun, type VmFault } from './results.ts';
import { RetryCoordinator } from './retry.ts';
import type { PreparedVm, VmTestOptions, VmTestOutcome } from './run-vm-tests.ts';

/** The console silent this long: the guest hangs. */
export const DEFAULT_SILENCE_SEC = 300;

export interface WatchInput extends PreparedVm {
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

export async function bootAndWatch(input: WatchInput, logger: Logger): Promise<VmTestOutcome> {
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
