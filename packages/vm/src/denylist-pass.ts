// The informational DENYLIST pass after every runner: its results, its kernel splats and even a
// panic it causes are reported in their own section and never change the job's verdict or counts.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { summarizeDenylistPass } from '@bpf-ci/flaky';
import { newBinaryResult, type ConsoleEvent, type Run } from '@bpf-ci/model';
import { parseFile, UnknownFormatError } from '@bpf-ci/parsers';
import type { RunnerProgress } from './console.ts';
import { runnerFiles, type RunPlan } from './plan.ts';
import type { VmFault } from './results.ts';

/** Whether the VM fault happened inside the DENYLIST pass (every planned runner had ended). */
export function faultInDenylistPass(plan: RunPlan, progress: readonly RunnerProgress[]): boolean {
  const pass = plan.denylistPass;
  if (!pass) return false;
  const allEnded = plan.runners.every((r) =>
    progress.some((p) => p.runner === r.name && p.endedAt !== undefined),
  );
  return allEnded && progress.some((p) => p.runner === pass.runner.name);
}

/** Move the pass's results and console events out of the verdict's way into run.denylistPass. */
export async function collectDenylistPass(
  run: Run,
  plan: RunPlan,
  outputDir: string,
  progress: readonly RunnerProgress[],
  fault: VmFault | undefined,
): Promise<Run> {
  const pass = plan.denylistPass;
  if (!pass) return run;
  const where = progress.find((p) => p.runner === pass.runner.name);
  const inPass = (e: ConsoleEvent): boolean =>
    where !== undefined &&
    e.inputLine !== undefined &&
    e.inputLine >= where.beginLine &&
    e.inputLine <= (where.endLine ?? Infinity);
  const events = run.events.filter(inPass);
  const log = join(outputDir, runnerFiles(pass.runner.name).log);
  let result = newBinaryResult(pass.runner.kind, { complete: false, incompleteReasons: ['not-run'] });
  if (where && existsSync(log)) {
    try {
      result = (await parseFile(log, { binary: pass.runner.kind })).results[0] ?? result;
    } catch (err) {
      if (!(err instanceof UnknownFormatError)) throw err;
    }
  }
  result.command = pass.runner.argv.join(' ');
  if (where?.endedAt !== undefined && where.exitCode === 143) {
    result.complete = false;
    result.incompleteDetail = `stopped by its own ${pass.runner.timeoutSec} s budget`;
  } else if (where && where.endedAt === undefined) {
    result.complete = false;
    result.incompleteDetail = fault ? `${fault.detail} during the pass` : 'the pass did not finish';
  } else if (!where) {
    result.incompleteDetail = fault ? `not run: ${fault.detail} before it` : 'not run';
  }
  if (where?.endedAt !== undefined && where.startedAt !== undefined) {
    result.durationMs = where.endedAt - where.startedAt;
  }
  return {
    ...run,
    events: run.events.filter((e) => !inPass(e)),
    denylistPass: summarizeDenylistPass(pass.entries, result, events),
  };
}
