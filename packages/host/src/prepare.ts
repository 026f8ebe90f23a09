// The check every command makes before any work: what it needs from the list, installed by
// bpf-ci itself when it may (root, or sudo without a password), otherwise a stop at once naming
// the one command to run. Never a failure ten minutes into a set-up for a tool that could have
// been checked first.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cacheRoot } from '@bpf-ci/debian';
import { toolchainName, UserError } from '@bpf-ci/domain';
import type { Logger } from '@bpf-ci/logger';
import { removeStaleTemporaries } from './cache-state.ts';
import { checkRequirements, systemProbes, type CheckResult, type HostProbes } from './check.ts';
import { freeBytes, formatBytes, installFacts } from './machine.ts';
import { planInstall, shellLine, type InstallFacts, type InstallPlan } from './plan.ts';
import { describeProbe, loadRequirements, select, type Need, type Requirement } from './requirements.ts';

/** Thrown when the host lacks something and bpf-ci may not (or could not) install it. */
export class HostNotReadyError extends UserError {
  override name = 'HostNotReadyError';
  readonly missing: CheckResult[];
  readonly plan: InstallPlan;
  constructor(message: string, missing: CheckResult[], plan: InstallPlan) {
    super(message);
    this.missing = missing;
    this.plan = plan;
  }
}

/**
 * Free space a command's first use takes in the cache, with some room to spare. Measured on Debian
 * 12 x86_64: `run` 2.4 GiB (linux-source 1.4, Debian's kernel 0.55, the selftests 0.45 beyond the
 * source they hard-link), the e2e tests 3.8 GiB (adding the arm64 kernel and a small kernel
 * build). `build` is an estimate: a defconfig build folder with BTF debug info.
 */
export const FIRST_USE_BYTES: Readonly<Record<string, number>> = {
  run: 3 * 2 ** 30,
  build: 10 * 2 ** 30,
  e2e: 5 * 2 ** 30,
};

/** "bpf-ci run", "bpf-ci build (llvm-14, aarch64)", "the e2e tests" */
export function needName(need: Need): string {
  if (need.command === 'unit' || need.command === 'e2e') return `the ${need.command} tests`;
  const t = need.toolchain;
  const extra = [
    ...(t ? [toolchainName(t)] : []),
    // debian-source is how `build` says it downloads Debian's source, not a user's choice.
    ...(need.facets ?? []).filter((f) => f !== 'debian-source'),
  ];
  return `bpf-ci ${need.command}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

/** The report of what is missing and the one command that installs it. */
export function describeMissing(need: Need, missing: readonly CheckResult[], plan: InstallPlan): string {
  const rows = missing.map((m) => {
    const r = m.requirement;
    const why = m.state === 'ok' ? '' : m.why;
    return [r.package, why, r.purpose];
  });
  const w0 = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  const w1 = Math.max(...rows.map((r) => r[1]?.length ?? 0));
  const lines = [
    `${needName(need)} needs ${missing.length === 1 ? 'one thing' : `${missing.length} things`} this machine lacks:`,
    ...rows.map(([p = '', why = '', purpose = '']) => `  ${p.padEnd(w0)}  ${why.padEnd(w1)}  ${purpose}`),
  ];
  if (plan.command) {
    lines.push('Install with:', `  ${plan.command}`);
  } else if (plan.packages.length) {
    lines.push(`Debian packages: ${plan.packages.join(' ')}`);
  }
  if (plan.reason) lines.push(`(${plan.reason})`);
  return lines.join('\n');
}

export interface PrepareOptions {
  need: Need;
  /** --no-install */
  noInstall?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Defaults: the shipped list, this machine's look-ups and facts, spawning the steps. */
  requirements?: readonly Requirement[];
  probes?: HostProbes;
  facts?: InstallFacts;
  runStep?: (argv: readonly string[], logger: Logger) => Promise<void>;
  /** Remove stale temporary folders from the cache (default true). */
  sweepCache?: boolean;
}

/**
 * Checks what `need` needs; installs what is missing when allowed (printing each exact command
 * before running it), else throws HostNotReadyError naming the command to run. Then removes
 * temporary folders left by interrupted set-ups and warns when the cache's disk looks too small.
 */
export async function prepareHost(options: PrepareOptions, logger: Logger): Promise<void> {
  const env = options.env ?? process.env;
  const requirements = select(options.requirements ?? loadRequirements(), options.need);
  const probes = options.probes ?? systemProbes(env);
  const name = needName(options.need);
  let results = await checkRequirements(requirements, probes);
  let missing = results.filter((r) => r.state !== 'ok');
  if (missing.length) {
    const facts = options.facts ?? (await installFacts(env, options.noInstall ?? false));
    const plan = planInstall(missing, facts);
    if (plan.mode === 'manual' || plan.steps.length === 0) {
      throw new HostNotReadyError(describeMissing(options.need, missing, plan), missing, plan);
    }
    logger.info(describeMissing(options.need, missing, plan));
    logger.info(
      `Installing it now (${plan.mode === 'root' ? 'as root' : 'with sudo'}; --no-install forbids this):`,
    );
    const runStep = options.runStep ?? spawnStep;
    for (const step of plan.steps) {
      logger.info(`$ ${shellLine(step)}`);
      await runStep(step, logger);
    }
    results = await checkRequirements(requirements, probes);
    missing = results.filter((r) => r.state !== 'ok');
    if (missing.length) {
      const again: InstallPlan = {
        ...planInstall(missing, { ...facts, noInstall: true }),
        reason: "the install above did not provide them: are this machine's apt sources Debian 12's?",
      };
      throw new HostNotReadyError(
        `still missing after installing:\n${describeMissing(options.need, missing, again)}`,
        missing,
        again,
      );
    }
  }
  logger.info(
    `Host check: the ${requirements.length} requirements of ${name} are present (${requirements
      .map((r) => describeProbe(r.probe))
      .slice(0, 6)
      .join(', ')}${requirements.length > 6 ? ', ...' : ''})`,
  );
  if (options.sweepCache ?? true) {
    const root = cacheRoot(env);
    await removeStaleTemporaries(root, logger);
    const need = FIRST_USE_BYTES[options.need.command];
    if (need !== undefined) {
      const free = await freeBytes(root);
      if (free < need) {
        logger.warning(
          `only ${formatBytes(free)} free for the cache (${root}); a first ${name} takes about ${formatBytes(need)}`,
        );
      }
    }
  }
}

/** Runs one install step, its output shown as it comes (apt's progress is long work). */
async function spawnStep(argv: readonly string[], logger: Logger): Promise<void> {
  const [command, ...args] = argv;
  if (!command) return;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = (stream: NodeJS.ReadableStream): Promise<void> =>
    new Promise((resolve) => {
      createInterface({ input: stream })
        .on('line', (line) => logger.untrusted(line))
        .on('close', resolve);
    });
  const [code] = await Promise.all([
    new Promise<number | string>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (c, signal) => resolve(c ?? signal ?? 'unknown'));
    }),
    lines(child.stdout),
    lines(child.stderr),
  ]);
  if (code !== 0) throw new Error(`${shellLine(argv)} failed (${code})`);
}
