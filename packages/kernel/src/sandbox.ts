// The kernel and selftests builds run the pull request's Makefiles and the host tools they build
// (objtool, resolve_btfids, the bpftool bootstrap) on the build machine. They get no credentials:
// an environment without the runner's tokens, cache and results URLs or the files that feed later
// steps (GITHUB_ENV, GITHUB_OUTPUT...), and, where the machine allows it, their own network
// namespace (no network) and PID namespace (the action's own process and its environment are not
// in their /proc). Where namespaces are not available the build still runs, and the log says so.
import { spawnSync } from 'node:child_process';
import type { Logger } from '@bpf-ci/logger';
import { capture, run, type RunOptions, type RunResult } from './exec.ts';

/**
 * Variables a build never needs and must never see: the runner's and GitHub's (tokens, the cache
 * and results service URLs, the files that set later steps' environment and outputs), the action's
 * inputs (a token input arrives as INPUT_GITHUB-TOKEN), and anything named like a credential.
 */
const WITHHELD =
  /^(ACTIONS_|GITHUB_|RUNNER_|INPUT_)|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|_KEY$|^SSH_AUTH_SOCK$/i;

/** The environment for a build: the caller's minus every withheld variable. */
export function scrubbedBuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !WITHHELD.test(name)) out[name] = value;
  }
  return out;
}

/** unshare(1) options: no network, own PID namespace with its own /proc. */
export function unshareArgs(isRoot: boolean): string[] {
  // Without root, a user namespace (mapped to root inside) is what allows the other namespaces.
  // --kill-child: stopping the build (a timeout, a cancelled job) stops everything inside.
  return [...(isRoot ? [] : ['--map-root-user']), '--net', '--pid', '--fork', '--mount-proc', '--kill-child'];
}

export interface Sandbox {
  /** The command to run in place of `command args`. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  env: NodeJS.ProcessEnv;
  /** How the build is isolated, for the log. */
  description: string;
}

export type NamespaceProbe = (args: readonly string[]) => { ok: boolean; detail: string };

const probeUnshare: NamespaceProbe = (args) => {
  const r = spawnSync('unshare', [...args, 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { ok: false, detail: r.error.message };
  return r.status === 0
    ? { ok: true, detail: '' }
    : { ok: false, detail: r.stderr.trim() || `exit ${r.status}` };
};

let cached: { ok: boolean; detail: string } | undefined;

/**
 * The build sandbox for this machine: the scrubbed environment always, namespaces when unshare(1)
 * can create them. Says in the log which one it is.
 */
export function buildSandbox(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  probe: NamespaceProbe = probeUnshare,
  isRoot: boolean = process.getuid?.() === 0,
): Sandbox {
  const flags = unshareArgs(isRoot);
  const result = probe === probeUnshare ? (cached ??= probe(flags)) : probe(flags);
  const scrubbed = scrubbedBuildEnv(env);
  if (result.ok) {
    const description =
      'the build runs without network and without the runner credentials (unshare --net --pid)';
    logger.info(description);
    return {
      wrap: (command, args) => ({ command: 'unshare', args: [...flags, '--', command, ...args] }),
      env: scrubbed,
      description,
    };
  }
  const description =
    `the build runs without the runner credentials but WITH network: no network namespace here ` +
    `(unshare: ${result.detail}); use ephemeral runners for pull requests`;
  logger.warning(description);
  return { wrap: (command, args) => ({ command, args: [...args] }), env: scrubbed, description };
}

/** run() inside the sandbox: the wrapped command with the scrubbed environment. */
export function runSandboxed(
  sandbox: Sandbox,
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const wrapped = sandbox.wrap(command, args);
  return run(wrapped.command, wrapped.args, { ...options, env: sandbox.env });
}

/** capture() inside the sandbox. */
export function captureSandboxed(
  sandbox: Sandbox,
  command: string,
  args: readonly string[],
): Promise<string> {
  const wrapped = sandbox.wrap(command, args);
  return capture(wrapped.command, wrapped.args, { env: sandbox.env });
}
