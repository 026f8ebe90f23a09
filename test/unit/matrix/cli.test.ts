import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { main } from '@bpf-ci/cli';

const root = join(import.meta.dirname, '..', '..', '..');

async function run(args: string[], cwd = root) {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const logger = new MemoryLogger();
  const code = await main(['matrix', ...args], { stdout, logger, cwd, env: {} });
  return { code, out, logger };
}

describe('bpf-ci matrix', () => {
  it('prints the jobs of the networking example', async () => {
    const { code, out, logger } = await run([
      '--config',
      'examples/netdev/.github/bpf-ci.yml',
      '--repository',
      'linux-netdev/net-next',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('2 build jobs:\n  build for x86_64 with gcc-14  [runs-on: ubuntu-24.04; 90 min]\n');
    expect(out).toContain('  net on x86_64 with llvm-17  [runs-on: ubuntu-24.04; 120 min]\n');
    expect(logger.messages('info')).toEqual([
      'test_progs-cpuv4 skipped on x86_64 with llvm-17: needs LLVM >= 18, has 17',
    ]);
  });

  it('--json prints the action outputs: a fork of kernel-patches/bpf gets x86_64 only', async () => {
    const { code, out } = await run([
      '--config',
      'examples/kernel-patches-bpf/.github/bpf-ci.yml',
      '--repository',
      'me/bpf',
      '--json',
    ]);
    expect(code).toBe(0);
    const outputs = JSON.parse(out) as {
      'build-matrix': { include: { name: string }[] };
      'test-matrix': { include: unknown[] };
    };
    expect(outputs['build-matrix'].include.map((b) => b.name)).toEqual([
      'build for x86_64 with gcc-15',
      'build for x86_64 with llvm-22',
    ]);
    expect(outputs['test-matrix'].include).toHaveLength(12);
  });

  it('an invalid config fails with every problem and its position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bpf-ci-cli-'));
    await writeFile(join(dir, 'c.yml'), 'arches: [x86_64]\ntoolchain: [gcc-15]\n');
    const { code, out, logger } = await run(['--config', 'c.yml'], dir);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(logger.messages('error')[0]).toContain("c.yml:2:1: unknown key 'toolchain'\n");
  });

  it('without a config file it uses the defaults, and says so', async () => {
    const { code, logger, out } = await run(
      ['--event', 'push'],
      await mkdtemp(join(tmpdir(), 'bpf-ci-cli-')),
    );
    expect(code).toBe(0);
    expect(logger.messages('info')[0]).toBe(
      "no .github/bpf-ci.yml: using the defaults (kernel-patches/bpf's matrix)",
    );
    expect(out).toContain('4 build jobs:');
    expect(out).toContain('0 test jobs:');
  });
});
