// What a caller asks for (runner names, list files, limits) turned into a run plan: the one path
// the `bpf-ci vmtest` command, `bpf-ci run` and the vmtest-runner action share.
import { existsSync } from 'node:fs';
import { INPUT_LIMITS, readInputFileSync } from '@bpf-ci/input-file';
import { resolve } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { mergeListEntries, readLayeredList } from './lists.ts';
import { parseQuarantine, RetryPolicy, type RetryPolicyInput } from '@bpf-ci/flaky';
import type { VmTestOptions } from './run-vm-tests.ts';
import type { RunPlan } from './plan.ts';
import { isTestProgs } from '@bpf-ci/domain';
import { parseRunnerSpec } from './runner-spec.ts';
import { buildRunnerPlan } from './runners.ts';
import { withGcovCapture } from './coverage.ts';

export interface VmTestRequest {
  arch: string;
  selftestsDir: string;
  /** Runner lines in order ("test_progs", "test_progs -j", "net: ./run.sh"): see parseRunnerSpec. */
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
  /** Retry failed tests in the booted VM (see @bpf-ci/flaky's RetryPolicy); absent: no retries. */
  retry?: RetryPolicyInput & { waitSec?: number };
  /** Run the first test_progs runner's denylisted tests at the end, informational, within this budget. */
  denylistPass?: { timeoutSec: number };
  /** Copy the GCOV counters out of the guest after the runners (or after each, resetting them). */
  coverage?: { perRunner?: boolean } | undefined;
}

export function buildPlan(request: VmTestRequest, logger: Logger): RunPlan {
  const cwd = resolve(request.selftestsDir);
  if (request.runners.length === 0)
    throw new Error('no runners: name at least one (test_progs, test_verifier, ...)');
  const runners = request.runners.map((entry) => {
    const spec = parseRunnerSpec(entry);
    const kind = spec.kind;
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
    const selection = [...allow, ...deny];
    const plan = buildRunnerPlan(
      {
        kind,
        name: spec.name,
        ...(spec.command ? { command: spec.command } : {}),
        timeoutSec: request.timeoutSec,
        allow: allow.map((e) => e.entry),
        deny: deny.map((e) => e.entry),
        ...(spec.workers !== undefined
          ? { workers: spec.workers }
          : request.workers !== undefined
            ? { workers: request.workers }
            : {}),
        ...(request.watchdogSec !== undefined ? { watchdogSec: request.watchdogSec } : {}),
      },
      cwd,
      logger,
    );
    return selection.length > 0 ? { ...plan, selection } : plan;
  });
  const plan: RunPlan = {
    schemaVersion: 1,
    cwd,
    runners: request.coverage ? withGcovCapture(runners, request.coverage) : runners,
  };
  if (request.retry) {
    const { waitSec, ...policy } = request.retry;
    plan.retry = { ...RetryPolicy.parse(policy), waitSec: waitSec ?? 120 };
  }
  if (request.denylistPass) {
    const pass = denylistPassRunner(plan, request.denylistPass.timeoutSec, request, logger);
    if (pass) plan.denylistPass = pass;
  }
  return plan;
}

/** The DENYLIST pass: the first test_progs runner's binary, selecting exactly its denylisted tests. */
function denylistPassRunner(
  plan: RunPlan,
  timeoutSec: number,
  request: VmTestRequest,
  logger: Logger,
): RunPlan['denylistPass'] {
  const runner = plan.runners.find((r) => isTestProgs(r.kind) && r.guestShell === undefined);
  if (!runner) {
    logger.warning('DENYLIST pass asked for, but no test_progs runner is planned: skipped');
    return undefined;
  }
  const entries = listEntries(
    request.denylists,
    request.deny,
    {
      arch: request.arch,
      runner: runner.kind,
      ...(request.deployment ? { deployment: request.deployment } : {}),
    },
    'deny',
    logger,
  );
  const denied = entries.map((e) => e.entry);
  if (denied.length === 0) {
    logger.info('DENYLIST pass: the denylist is empty, nothing to run');
    return undefined;
  }
  const pass = buildRunnerPlan(
    { kind: runner.kind, name: `${runner.name}-denylist`, allow: denied, timeoutSec },
    plan.cwd,
    logger,
  );
  return { runner: pass, entries: denied };
}

/** A list's merged entries, each with the file it came from ("command line" for direct ones). */
function listEntries(
  files: readonly string[] | undefined,
  direct: readonly string[] | undefined,
  layers: { arch: string; runner: string; deployment?: string },
  list: 'allow' | 'deny',
  logger: Logger,
): { list: 'allow' | 'deny'; entry: string; source: string }[] {
  const fromFiles = files?.length
    ? readLayeredList(files, layers)
    : { entries: [], files: [], origins: new Map<string, string>() };
  if (fromFiles.files.length) logger.info(`${layers.runner} ${list}list from ${fromFiles.files.join(', ')}`);
  const merged = mergeListEntries([...fromFiles.entries, ...(direct ?? [])]);
  if (merged.length) logger.info(`${layers.runner} ${list}list: ${merged.length} entries`);
  return merged.map((entry) => ({ list, entry, source: fromFiles.origins.get(entry) ?? 'command line' }));
}

/** The caller's quarantine file, when it exists; a malformed one throws with line, column and the fix. */
export function readQuarantineFile(path: string | undefined): VmTestOptions['quarantine'] {
  if (!path || !existsSync(path)) return undefined;
  const text = readInputFileSync(path, { maxBytes: INPUT_LIMITS.config, what: 'quarantine file' });
  return { file: parseQuarantine(text, path), name: path };
}
