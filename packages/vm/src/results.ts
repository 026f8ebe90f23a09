// From what the guest left in the output folder (and what the console showed) to the one model:
// one BinaryResult per planned runner, with a fault marking the running one partial (naming its
// test) and the ones after it not run. Nothing that was written is dropped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  markIncomplete,
  newBinaryResult,
  newRun,
  type BinaryResult,
  type ConsoleEvent,
  type IncompleteReason,
  type Run,
  type RunContext,
} from '@bpf-ci/model';
import { mergeJsonSummary, parseFile, signalName, UnknownFormatError } from '@bpf-ci/parsers';
import {
  addMisses,
  exitSignal,
  infrastructureExit,
  runnerDeath,
  unmatchedEntries,
  type Interruption,
} from './accounting.ts';
import { INPUT_LIMITS, InputFileError, readInputFileSync } from '@bpf-ci/input-file';
import type { RunnerProgress } from './console.ts';
import { runnerFiles, type RunPlan, type RunnerPlan } from './plan.ts';

/** How the VM as a whole ended. */
export interface VmFault {
  reason: Extract<IncompleteReason, 'kernel-panic' | 'timeout' | 'vm-failure'>;
  /** One line for people: "kernel panic", "no console output for 300 s", "QEMU exited with 1: ...". */
  detail: string;
}

export interface CollectInput {
  plan: RunPlan;
  outputDir: string;
  progress: readonly RunnerProgress[];
  fault?: VmFault;
  events: readonly ConsoleEvent[];
  context: RunContext;
}

/** The exit code the guest wrote to NAME.exit; undefined when missing, not a small plain file, or not a number. */
export function readExitCode(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readInputFileSync(path, { maxBytes: INPUT_LIMITS.small, what: 'exit code file' });
  } catch {
    return undefined; // not a plain small file: treated as never written
  }
  const n = Number.parseInt(text.trim(), 10);
  return Number.isInteger(n) ? n : undefined;
}

async function parseRunnerLog(runner: RunnerPlan, outputDir: string): Promise<BinaryResult> {
  const files = runnerFiles(runner.name);
  const log = join(outputDir, files.log);
  if (runner.kind === 'command' || runner.guestShell !== undefined || !existsSync(log)) {
    return newBinaryResult(runner.kind === 'command' ? runner.name : runner.kind);
  }
  let result: BinaryResult;
  try {
    const parsed = await parseFile(log, { binary: runner.kind, source: files.log });
    result = parsed.results[0] ?? newBinaryResult(runner.kind);
  } catch (err) {
    if (err instanceof InputFileError) {
      // The guest left something that is not a plain log (a FIFO, a symlink, a huge file): this
      // runner's results are unknown, said so; the other runners' results are unaffected.
      return newBinaryResult(runner.kind, {
        complete: false,
        incompleteReasons: ['no-summary'],
        incompleteDetail: err.message,
        notes: [err.message],
      });
    }
    if (!(err instanceof UnknownFormatError)) throw err;
    // Nothing recognisable yet (the runner died at start): keep the log, say why there are no tests.
    return newBinaryResult(runner.kind, { notes: [`${files.log} holds no ${runner.kind} output`] });
  }
  const json = join(outputDir, files.json);
  if (existsSync(json)) {
    try {
      const text = readInputFileSync(json, { maxBytes: INPUT_LIMITS.data, what: 'JSON summary' });
      // Empty when the runner died before writing it (test_progs opens it at start).
      if (text.trim() !== '') result = mergeJsonSummary(result, text);
    } catch (err) {
      if (!(err instanceof InputFileError)) throw err;
      result.notes.push(`JSON summary not used: ${err.message}`);
    }
  }
  return result;
}

/** The tests `test_progs -l` listed, or none when the file is missing or not a plain file. */
function readListed(listFile: string): string[] {
  try {
    return readInputFileSync(listFile, { maxBytes: INPUT_LIMITS.data, what: 'test list' })
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The test that was running when the VM stopped: the last test when the parser saw it start but
 * never end (its subtests printed, no result line), else the first listed test without a result.
 */
export function runningTest(result: BinaryResult, listed: readonly string[]): string | undefined {
  const last = result.tests.at(-1);
  if (last?.status === 'error') {
    const sub = last.subtests.at(-1);
    return sub ? `${last.name} (after subtest ${sub.name})` : last.name;
  }
  const reported = new Set(result.tests.map((t) => t.name));
  const next = listed.find((name) => !reported.has(name));
  if (next) return next;
  return last ? `the test after ${last.name}` : undefined;
}

export async function collectRun(input: CollectInput): Promise<Run> {
  const { plan, outputDir, fault } = input;
  const run = newRun(input.context);
  let stopped = false;
  for (const runner of plan.runners) {
    const files = runnerFiles(runner.name);
    const progress = input.progress.find((p) => p.runner === runner.name);
    const exitCode = readExitCode(join(outputDir, files.exit));
    const result = await parseRunnerLog(runner, outputDir);
    const listFile = join(outputDir, files.list);
    // Written by the guest before the runner started: what it was to run.
    const selected = runner.listArgv && existsSync(listFile) ? readListed(listFile) : undefined;
    if (selected) result.selectedTests = selected;
    result.timeoutSec = runner.timeoutSec;
    let stop: Interruption | undefined;
    if (runner.name !== result.binary) result.variant = runner.name;
    result.command = runner.guestShell ?? runner.argv.join(' ');
    if (existsSync(join(outputDir, files.log))) run.sources.push(files.log);
    if (progress) result.durationMs = (progress.endedAt ?? Date.now()) - progress.startedAt || 0;
    if (exitCode !== undefined) {
      result.exitCode = exitCode;
      const seconds = (result.durationMs ?? 0) / 1000;
      // busybox timeout sends TERM: 143 at (or past) the limit is our per-runner timeout.
      if (exitCode === 143 && seconds >= runner.timeoutSec - 1) {
        markIncomplete(result, 'timeout', `killed by the ${runner.timeoutSec} s runner timeout`);
        stop = { kind: 'timeout', timeoutSec: runner.timeoutSec };
      } else {
        stop = runnerDeath(runner.kind, exitCode, result);
        const signal = exitSignal(exitCode);
        if (signal !== undefined) result.signal ??= signalName(signal);
      }
      const infra = runner.kind.startsWith('test_progs') ? infrastructureExit(exitCode) : undefined;
      if (infra) {
        markIncomplete(result, 'not-run', infra);
        stop = { kind: 'setup', detail: infra };
      }
    } else if (progress && !stopped) {
      // It began and never ended: the VM fault hit it.
      stopped = true;
      const test = runningTest(result, selected ?? []);
      const what = fault?.detail ?? 'the VM stopped';
      stop = { kind: 'vm', detail: what, ...(test ? { runningTest: test } : {}) };
      markIncomplete(
        result,
        fault?.reason ?? 'vm-failure',
        `${what} while ${test ? `${test} was running` : 'it ran'}`,
      );
      result.exitCode = null;
    } else {
      stopped = true;
      markIncomplete(result, 'not-run', `not run: ${fault?.detail ?? 'the VM stopped'} before it started`);
      result.exitCode = null;
      stop = { kind: 'vm', detail: `${fault?.detail ?? 'the VM stopped'} before the runner started` };
    }
    if (selected) addMisses(result, selected, stop);
    const knownFile = join(outputDir, files.known);
    const known = runner.knownListArgv && existsSync(knownFile) ? readListed(knownFile) : undefined;
    const unmatched = unmatchedEntries(runner, selected, result, known);
    if (unmatched.length > 0) result.unmatchedEntries = unmatched;
    result.events.push(
      ...input.events
        .filter(
          (e) =>
            progress &&
            e.inputLine !== undefined &&
            e.inputLine >= progress.beginLine &&
            e.inputLine <= (progress.endLine ?? Infinity),
        )
        .map((e) => ({ ...e, binary: runner.name })),
    );
    run.binaries.push(result);
  }
  const attributed = new Set(run.binaries.flatMap((b) => b.events.map((e) => e.inputLine)));
  run.events.push(...input.events.filter((e) => !attributed.has(e.inputLine)));
  // A fault before any runner began (boot failure) still has to show: every runner is not-run above,
  // and the reason is in each one's detail.
  run.sources.push('console.log');
  return run;
}
