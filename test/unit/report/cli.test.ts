import { main } from '@bpf-ci/cli';
import { MemoryLogger } from '@bpf-ci/logger';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runnerCommands } from './runner-sim.ts';

const samples = join(import.meta.dirname, '..', '..', 'fixtures', 'samples');

async function report(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; logger: MemoryLogger }> {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const logger = new MemoryLogger();
  const code = await main(['report', ...args], { stdout, logger, env, cwd: samples });
  return { code, out, logger };
}

describe('bpf-ci report', () => {
  it('prints the step summary and the annotation commands for a log', async () => {
    const { code, out } = await report([
      'test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log',
      '--arch',
      'ppc64le',
      '--toolchain',
      'gcc',
    ]);
    expect(code).toBe(0);
    expect(out).toContain('## ❌ test\\_progs on ppc64le with gcc');
    expect(out).toContain('**Success: 7/40, Skipped: 0, Failed: 1**');
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      '::notice title=test_progs on ppc64le with gcc::test_progs: Success: 7/40, Skipped: 0, Failed: 1',
    );
  });

  it('renders a results.json again, and merges a test_progs -J summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-report-'));
    const first = await report(['test_maps-debian6.1-tcg.log', '--runner', 'test_maps']);
    expect(first.code).toBe(0);
    const json = await report([
      join(samples, 'test_progs-json-summary-aarch64-2023.json'),
      '--arch',
      'aarch64',
    ]);
    expect(json.code).toBe(0);
    // The JSON's own counters: success 29, success_subtest 23, skipped 3, failed 28.
    expect(json.out).toContain('**Success: 29/23, Skipped: 3, Failed: 28**');
    writeFileSync(
      join(dir, 'results.json'),
      JSON.stringify({ schemaVersion: 1, context: { arch: 's390x' }, binaries: [], events: [], sources: [] }),
    );
    const again = await report([join(dir, 'results.json')]);
    expect(again.out).toContain('No selftest results were found');
  });

  it('inside GitHub Actions, frames the summary so its log lines run no command', async () => {
    const { out } = await report(['test_progs-debian6.1-tcg.log'], { GITHUB_ACTIONS: 'true' });
    const names = runnerCommands(out).map((c) => c.name);
    expect(names.filter((n) => n !== 'error' && n !== 'notice')).toEqual([]);
    expect(out).toMatch(/^::stop-commands::[0-9a-f]{32}$/m);
  });

  it('rejects bad arguments with the usage', async () => {
    const { code, logger } = await report([]);
    expect(code).toBe(64);
    expect(logger.messages('error')[0]).toMatch(/name at least one log/);
  });
});
