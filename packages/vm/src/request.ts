// What a caller asks for (runner names, list files, limits) turned into a run plan: the one path
// the `bpf-ci vmtest` command, `bpf-ci run` and the vmtest-runner action share.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import type { Run } from '@bpf-ci/model';
import { renderStepSummary } from '@bpf-ci/report';
import { mergeListEntries, readLayeredList } from './lists.ts';
import { RunnerKind, type RunPlan } from './plan.ts';
import { buildRunnerPlan, isTestProgs } from './runners.ts';

export interface VmTestRequest {
  arch: string;
  selftestsDir: string;
  /** Runner kinds in order ("test_progs", "test_verifier", ...). */
  runners: readonly string[];
  /** Base list files; their .ARCH, .DEPLOYMENT and .RUNNER layers are read when present. */
  allowlists?: readonly string[];
  denylists?: readonly string[];
  /** Entries given directly (on top of the files). */
  allow?: readonly string[];
  deny?: readonly string[];
  deployment?: string;
  /** Per-runner timeout. */
  timeoutSec: number;
  workers?: number;
  watchdogSec?: number;
}

/** "test_progs, test_verifier\ntest_maps" → ["test_progs", "test_verifier", "test_maps"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function buildPlan(request: VmTestRequest, logger: Logger): RunPlan {
  const cwd = resolve(request.selftestsDir);
  if (request.runners.length === 0)
    throw new Error('no runners: name at least one (test_progs, test_verifier, ...)');
  const runners = request.runners.map((name) => {
    const parsed = RunnerKind.safeParse(name);
    if (!parsed.success || parsed.data === 'command') {
      throw new Error(
        `unknown runner '${name}': use ${RunnerKind.options.filter((k) => k !== 'command').join(', ')}`,
      );
    }
    const kind = parsed.data;
    const layers = {
      arch: request.arch,
      runner: kind,
      ...(request.deployment ? { deployment: request.deployment } : {}),
    };
    const allow = isTestProgs(kind)
      ? listEntries(request.allowlists, request.allow, layers, 'allow', logger)
      : [];
    const deny = isTestProgs(kind)
      ? listEntries(request.denylists, request.deny, layers, 'deny', logger)
      : [];
    return buildRunnerPlan(
      {
        kind,
        timeoutSec: request.timeoutSec,
        allow,
        deny,
        ...(request.workers !== undefined ? { workers: request.workers } : {}),
        ...(request.watchdogSec !== undefined ? { watchdogSec: request.watchdogSec } : {}),
      },
      cwd,
      logger,
    );
  });
  return { schemaVersion: 1, cwd, runners };
}

function listEntries(
  files: readonly string[] | undefined,
  direct: readonly string[] | undefined,
  layers: { arch: string; runner: string; deployment?: string },
  what: string,
  logger: Logger,
): string[] {
  const fromFiles = files?.length ? readLayeredList(files, layers) : { entries: [], files: [] };
  if (fromFiles.files.length) logger.info(`${layers.runner} ${what}list from ${fromFiles.files.join(', ')}`);
  const merged = mergeListEntries([...fromFiles.entries, ...(direct ?? [])]);
  if (merged.length) logger.info(`${layers.runner} ${what}list: ${merged.length} entries`);
  return merged;
}

/** summary.md next to results.json: the same Markdown the GitHub step summary shows. */
export function writeSummary(run: Run, outputDir: string): string {
  const path = join(outputDir, 'summary.md');
  writeFileSync(path, renderStepSummary(run));
  return path;
}
