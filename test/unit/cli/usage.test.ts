// Every command has one usage-error path: an unknown option, a missing value or a stray argument
// exits 64 (EX_USAGE) and prints that command's own usage, never a stack.
import { MemoryLogger } from '@bpf-ci/logger';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../packages/cli/src/commands.ts';
import { main } from '../../../packages/cli/src/main.ts';

async function bpfCi(args: string[]): Promise<{ code: number; errors: string[]; stdout: string }> {
  const logger = new MemoryLogger();
  let stdout = '';
  const sink = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      stdout += String(chunk);
      callback();
    },
  });
  const code = await main(args, { logger, stdout: sink, env: {}, commands: () => {} });
  return { code, errors: logger.messages('error'), stdout };
}

describe.each(COMMANDS.map((c) => [c.name, c] as const))('bpf-ci %s', (name, command) => {
  it('--bogus exits 64 with this command’s usage', async () => {
    const r = await bpfCi([name, '--bogus']);
    expect(r.code).toBe(64);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/Unknown option '--bogus'/);
    expect(r.errors[0]).toContain(command.usage);
  });

  it('--help prints the usage and exits 0', async () => {
    const r = await bpfCi([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${command.usage}\n`);
  });
});
