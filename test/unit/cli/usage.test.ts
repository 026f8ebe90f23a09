// Every command has one usage-error path: an unknown option, a missing value, a stray argument or a
// value its rule refuses exits 64 (EX_USAGE) and prints that command's own usage, never a stack.
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

// Commands with subcommands parse each subcommand's options on their own: each has the same path.
const SUBCOMMANDS: [string, string][] = [
  ['stats', 'sync'],
  ['stats', 'query'],
  ['stats', 'export'],
  ['stats', 'dashboard'],
  ['quarantine', 'check'],
];

describe.each(SUBCOMMANDS)('bpf-ci %s %s', (name, sub) => {
  it('--bogus exits 64 with the command’s usage', async () => {
    const r = await bpfCi([name, sub, '--bogus']);
    expect(r.code).toBe(64);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/Unknown option '--bogus'/);
    expect(r.errors[0]).toContain(COMMANDS.find((c) => c.name === name)!.usage);
  });
});

it('the subcommand table holds every subcommand the usages show', () => {
  // The synopsis (a usage's first paragraph) has one "bpf-ci NAME SUB ..." line per subcommand.
  const shown = COMMANDS.flatMap((c) =>
    (c.usage.split('\n\n')[0] ?? '').split('\n').flatMap((line) => {
      const m = /^(?:usage:)?\s*bpf-ci ([\w-]+) ([a-z][\w-]*)(?:\s|$)/.exec(line);
      return m ? [`${m[1]} ${m[2]}`] : [];
    }),
  );
  expect(shown.sort()).toEqual(SUBCOMMANDS.map((s) => s.join(' ')).sort());
});

// A value an option's rule refuses (the rules the actions read their inputs with) is a usage error
// too, read before anything is downloaded, built or booted.
describe.each([
  [['run', '--timeout-minutes', '0'], '--timeout-minutes: must be at least 1 (got "0")'],
  [['vmtest', '--kernel', 'k', '--selftests', 's', '--arch', 'riscv64'], '--arch: unknown arch "riscv64"'],
  [['build', '--max-annotations=-1'], '--max-annotations: must be a whole number (got "-1")'],
  [['build', '--toolchain', 'icc'], '--toolchain: unknown toolchain "icc"'],
  [['report', 'test_progs.log', '--max-annotations', '0'], '--max-annotations: must be at least 1 (got "0")'],
  [['stats', 'dashboard', '--out', 'site', '--last', '1e3'], '--last: must be a whole number (got "1e3")'],
  [['repro', 'artifacts', '--attempts', 'two'], '--attempts: must be a whole number (got "two")'],
  [['doctor', '--for', 'vmtest', '--arch', 'ppc64le'], '--arch: unknown arch "ppc64le"'],
])('bpf-ci %j', (args, message) => {
  it('exits 64 naming the option, with the command’s usage', async () => {
    const r = await bpfCi(args);
    expect(r.code).toBe(64);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toContain(message);
    expect(r.errors[0]).toContain(COMMANDS.find((c) => c.name === args[0])!.usage);
  });
});
