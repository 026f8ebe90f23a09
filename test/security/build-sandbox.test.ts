// Threat: the build job runs the pull request's Makefiles and the host tools they build (objtool,
// resolve_btfids, bpftool's bootstrap) on the build machine. They must not see the runner's
// credentials (ACTIONS_RUNTIME_TOKEN, the cache and results URLs, GITHUB_TOKEN, the files that set
// later steps' environment), read them from the action's own /proc entry, or reach the network.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSandbox, runSandboxed, scrubbedBuildEnv, unshareArgs } from '@bpf-ci/kernel';
import { MemoryLogger } from '@bpf-ci/logger';

const RUNNER_ENV = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/runner',
  LANG: 'C.UTF-8',
  CC: 'gcc',
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  ACTIONS_CACHE_URL: 'https://cache.example/',
  ACTIONS_RESULTS_URL: 'https://results.example/',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
  GITHUB_TOKEN: 'ghs_x',
  GITHUB_ENV: '/home/runner/work/_temp/_runner_file_commands/set_env',
  GITHUB_OUTPUT: '/home/runner/work/_temp/_runner_file_commands/set_output',
  GITHUB_PATH: '/home/runner/work/_temp/_runner_file_commands/add_path',
  'INPUT_GITHUB-TOKEN': 'ghs_y',
  RUNNER_TEMP: '/home/runner/work/_temp',
  NPM_TOKEN: 'npm_z',
  AWS_SECRET_ACCESS_KEY: 'aws',
  SSH_AUTH_SOCK: '/tmp/ssh-agent.sock',
};

describe('the build environment', () => {
  it('keeps what make and the compilers need, drops every credential and runner file', () => {
    expect(scrubbedBuildEnv(RUNNER_ENV)).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      CC: 'gcc',
    });
  });

  it('says in the log when no network namespace is available, and still scrubs', () => {
    const logger = new MemoryLogger();
    const sandbox = buildSandbox(logger, RUNNER_ENV, () => ({
      ok: false,
      detail: 'Operation not permitted',
    }));
    expect(sandbox.wrap('make', ['-C', 'linux'])).toEqual({ command: 'make', args: ['-C', 'linux'] });
    expect(sandbox.env.ACTIONS_RUNTIME_TOKEN).toBeUndefined();
    expect(logger.messages('warning').join('\n')).toMatch(
      /WITH network: no network namespace here \(unshare: Operation not permitted\); use ephemeral runners/,
    );
  });

  it('wraps make in unshare (no network, own PID namespace) where the machine allows it', () => {
    const sandbox = buildSandbox(new MemoryLogger(), RUNNER_ENV, () => ({ ok: true, detail: '' }), false);
    expect(sandbox.wrap('make', ['-j2', 'bzImage'])).toEqual({
      command: 'unshare',
      args: [...unshareArgs(false), '--', 'make', '-j2', 'bzImage'],
    });
    expect(unshareArgs(false)).toEqual([
      '--map-root-user',
      '--net',
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child',
    ]);
  });

  it('a hostile Makefile run the way the build runs make finds no token, no parent environment, no network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-make-'));
    // What a pull request's Makefile could try: its own environment, the action's /proc entry
    // (process.pid below), and the network interfaces it has.
    writeFileSync(
      join(dir, 'Makefile'),
      [
        'all:',
        '\t@echo "token=[$$ACTIONS_RUNTIME_TOKEN] gh=[$$GITHUB_TOKEN] env-file=[$$GITHUB_ENV]"',
        `\t@if [ -r /proc/${process.pid}/environ ]; then echo "parent-environ: $$(tr '\\0' ' ' < /proc/${process.pid}/environ)"; else echo parent-environ: none; fi`,
        "\t@echo \"interfaces: $$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' ')\"",
        '',
      ].join('\n'),
    );
    const logger = new MemoryLogger();
    const previous = { ...process.env };
    Object.assign(process.env, {
      ACTIONS_RUNTIME_TOKEN: 'planted-runtime-token',
      GITHUB_TOKEN: 'planted-gh',
    });
    const lines: string[] = [];
    try {
      const sandbox = buildSandbox(logger);
      await runSandboxed(sandbox, 'make', ['-s', '-C', dir], { onLine: (l) => lines.push(l) });
    } finally {
      for (const k of ['ACTIONS_RUNTIME_TOKEN', 'GITHUB_TOKEN']) {
        if (previous[k] === undefined) delete process.env[k];
        else process.env[k] = previous[k];
      }
    }
    const out = lines.join('\n');
    expect(out).toContain('token=[] gh=[] env-file=[]');
    expect(out).not.toContain('planted');
    if (logger.messages('warning').length === 0) {
      // Namespaces available (as on this project's CI machine): no network, no view of the action.
      expect(out).toContain('parent-environ: none');
      expect(out).toMatch(/^interfaces: lo $/m);
    } else {
      expect(logger.messages('warning').join('\n')).toMatch(/WITH network/);
    }
  });
});
