// From "run test_progs with these lists" to the exact command the guest runs, using only the
// options this build of the binary has (6.1's test_progs has no -J, no -w, no @file).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { RUNNER_BINARY, isTestProgs } from '@bpf-ci/domain';
import type { RunnerKind, RunnerPlan } from './plan.ts';
import { toNamesArgument } from './lists.ts';

export interface TestProgsFeatures {
  /** -j / --workers */
  parallel: boolean;
  /** -w / --watchdog-timeout */
  watchdog: boolean;
  /** -J / --json-summary */
  jsonSummary: boolean;
  /** -l / --list */
  list: boolean;
  /** How we found out: its --help, or the option names in the binary when it cannot run here. */
  how: 'help' | 'strings';
}

/** Features from `test_progs --help` text, or from the option names found in the binary. */
export function featuresFromText(text: string, how: TestProgsFeatures['how']): TestProgsFeatures {
  const has = (option: string): boolean =>
    how === 'help' ? text.includes(`--${option}`) : text.includes(option);
  return {
    parallel: has('workers'),
    watchdog: has('watchdog-timeout'),
    jsonSummary: has('json-summary'),
    list: has('list'),
    how,
  };
}

/**
 * Probe a test_progs build by reading it, never by running it: the binary is built from the pull
 * request, and this runs on the test host, outside QEMU, with the job's environment. argp keeps
 * each long option name as a plain string in .rodata, so the names say which options it has.
 */
export function probeTestProgs(binary: string): TestProgsFeatures {
  if (!existsSync(binary)) throw new Error(`${binary} does not exist: build the selftests first`);
  return featuresFromText(readFileSync(binary).toString('latin1'), 'strings');
}

export interface RunnerRequest {
  kind: RunnerKind;
  /** Label and output file stem; defaults to the kind. */
  name?: string;
  /** For `command`: the program and its arguments. */
  command?: string[];
  allow?: readonly string[];
  deny?: readonly string[];
  /** test_progs -jN when the binary has it; 0 = test_progs' default (one worker per CPU). */
  workers?: number;
  /** test_progs -w SECONDS when the binary has it. */
  watchdogSec?: number;
  timeoutSec: number;
}

export function buildRunnerPlan(request: RunnerRequest, selftestsDir: string, logger: Logger): RunnerPlan {
  const name = request.name ?? request.kind;
  const base = { name, kind: request.kind, timeoutSec: request.timeoutSec };
  if (request.kind === 'command') {
    if (!request.command?.length) throw new Error(`runner ${name}: a command runner needs a command`);
    return { ...base, argv: request.command };
  }
  const binary = RUNNER_BINARY[request.kind];
  if (!binary) throw new Error(`unknown runner kind ${request.kind}`);
  if (!existsSync(join(selftestsDir, binary))) {
    throw new Error(`${join(selftestsDir, binary)} does not exist: build the selftests (${binary}) first`);
  }
  if (!isTestProgs(request.kind)) {
    if (request.allow?.length || request.deny?.length) {
      logger.warning(`${name}: allow/deny lists apply to test_progs only; ignored for ${request.kind}`);
    }
    return { ...base, argv: [`./${binary}`] };
  }
  const features = probeTestProgs(join(selftestsDir, binary));
  logger.info(
    `${name}: ${features.parallel ? '' : 'no '}-j, ${features.watchdog ? '' : 'no '}-w, ` +
      `${features.jsonSummary ? '' : 'no '}-J (from its ${features.how === 'help' ? '--help' : 'option names'})`,
  );
  const filters: string[] = [];
  for (const [flag, entries] of [
    ['-a', request.allow],
    ['-d', request.deny],
  ] as const) {
    if (!entries?.length) continue;
    const { names, widened } = toNamesArgument(entries);
    for (const w of widened)
      logger.warning(`${name}: '${w}' has a comma test_progs cannot take; matched as a glob`);
    filters.push(flag, names);
  }
  const argv = [`./${binary}`, ...filters];
  if (request.workers !== undefined) {
    if (features.parallel) argv.push(request.workers > 0 ? `-j${request.workers}` : '-j');
    else logger.warning(`${name}: this ${binary} has no -j; running serially`);
  }
  if (request.watchdogSec !== undefined) {
    if (features.watchdog) argv.push('-w', String(request.watchdogSec));
    else logger.info(`${name}: this ${binary} has no -w watchdog; the runner timeout still applies`);
  }
  const jsonSummaryPath = features.jsonSummary ? `/tmp/.bpf-ci/${name}.json` : undefined;
  if (jsonSummaryPath) argv.push('-J', jsonSummaryPath);
  return {
    ...base,
    argv,
    ...(features.list ? { listArgv: [`./${binary}`, ...filters, '-l'] } : {}),
    ...(features.list && request.deny?.length ? { knownListArgv: [`./${binary}`, '-l'] } : {}),
    ...(jsonSummaryPath ? { jsonSummaryPath } : {}),
  };
}
