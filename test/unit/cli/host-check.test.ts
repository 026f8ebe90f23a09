// The host check as a user meets it: the real bin in a child process, with a PATH lacking QEMU,
// clang and make. It must stop before any work and name the one command that installs them.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pathWithout } from '../host/helpers.ts';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', '..', 'packages', 'cli', 'bin', 'bpf-ci.js');
const ROOT = process.getuid?.() === 0;

async function bpfCi(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env,
      cwd: mkdtempSync(join(tmpdir(), 'bpf-ci-cwd-')),
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

// Each case starts the real CLI, which checks a few dozen tools: allow for a busy shared machine.
describe('commands check the host before any work', { timeout: 120_000 }, () => {
  const PATH = pathWithout(['qemu-system-x86_64', 'clang', 'make']);
  const install = `${ROOT ? '' : 'sudo '}apt-get install -y qemu-system-x86 make clang`;

  it('bpf-ci run --no-install stops at once, naming what is missing and the command', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'bpf-ci-cache-'));
    const { stderr, code } = await bpfCi(['run', '--no-install'], {
      PATH,
      BPF_CI_CACHE: cache,
      GITHUB_ACTIONS: '',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/bpf-ci run needs 3 things this machine lacks/);
    expect(stderr).toMatch(/clang +no clang on PATH/);
    expect(stderr).toContain(install);
    expect(stderr).toContain('--no-install: bpf-ci installs nothing');
    // Before any work: nothing downloaded into the cache, no output folder.
    expect(readdirSync(cache)).toEqual([]);
    expect(stderr).not.toMatch(/Downloading|Building selftests/);
  });

  it('inside GitHub Actions nothing is installed, even as root without --no-install', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'bpf-ci-cache-'));
    const { stderr, code } = await bpfCi(['build', '--arch', 'aarch64'], {
      PATH,
      BPF_CI_CACHE: cache,
      GITHUB_ACTIONS: 'true',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/bpf-ci build \(gcc, aarch64\) needs/);
    expect(stderr).toMatch(/make +no make on PATH/);
    expect(stderr).toContain('inside GitHub Actions bpf-ci installs nothing');
    expect(readdirSync(cache)).toEqual([]);
  });

  it('bpf-ci doctor lists each missing package, what needs it, and the one command', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'bpf-ci-cache-'));
    const { stdout, code } = await bpfCi(['doctor', '--no-sizes'], {
      PATH,
      BPF_CI_CACHE: cache,
      GITHUB_ACTIONS: '',
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /MISSING +qemu-system-x86 +no qemu-system-x86_64 on PATH +run,vmtest:x86_64,e2e +QEMU for x86_64 guests/,
    );
    expect(stdout).toMatch(/MISSING +clang +no clang on PATH/);
    expect(stdout).toMatch(/MISSING +make +no make on PATH/);
    expect(stdout).toMatch(/lacks +bpf-ci run: qemu-system-x86 make clang/);
    expect(stdout).toMatch(/ok +the unit tests/);
    expect(stdout).toContain(
      `3 missing. Install them with:\n  ${ROOT ? '' : 'sudo '}apt-get update && ${install}`,
    );
    expect(stdout).toMatch(/cache +.* is empty: the first run fills it/);
    expect(existsSync(join(cache, 'selftests'))).toBe(false);
  });
});
