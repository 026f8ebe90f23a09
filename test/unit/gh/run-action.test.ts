// runAction's two endings: a UserError is one ::error; any other error is a bug, so its stack
// follows at debug level (shown when a run is re-run with debug logging).
import { UserError } from '@bpf-ci/domain';
import { ActionsLogger, input, runAction } from '@bpf-ci/gh';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runnerCommands } from '../report/runner-sim.ts';

const Inputs = z.object({ count: input.integer(1), name: input.optional() });

async function ending(
  body: (inputs: z.output<typeof Inputs>) => Promise<number | void>,
  env: Record<string, string> = { INPUT_COUNT: '2' },
): Promise<{ code: number; commands: ReturnType<typeof runnerCommands> }> {
  let out = '';
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await runAction(Inputs, body, new ActionsLogger((t) => (out += t)));
    return { code, commands: runnerCommands(out) };
  } finally {
    for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key];
  }
}

describe('runAction', () => {
  it('passes the parsed inputs and returns the body’s code', async () => {
    let seen: unknown;
    const body = (inputs: z.output<typeof Inputs>): Promise<number> => {
      seen = inputs;
      return Promise.resolve(3);
    };
    const { code } = await ending(body, { INPUT_COUNT: ' 7 ', INPUT_NAME: '' });
    expect(code).toBe(3);
    expect(seen).toEqual({ count: 7, name: undefined });
  });

  it('a user error is one ::error, exit 1, no stack', async () => {
    const r = await ending(() => Promise.reject(new UserError('config.yml: no such file')));
    expect(r).toEqual({
      code: 1,
      commands: [{ name: 'error', properties: {}, data: 'config.yml: no such file' }],
    });
  });

  it('a bad input is a user error naming the input', async () => {
    const r = await ending(() => Promise.resolve(0), { INPUT_COUNT: '0' });
    expect(r.commands).toEqual([
      { name: 'error', properties: {}, data: `input 'count': must be at least 1 (got "0")` },
    ]);
  });

  it('a bug is an ::error saying so, and its stack at debug level', async () => {
    const r = await ending(() => Promise.reject(new TypeError('x is undefined')));
    expect(r.code).toBe(1);
    expect(r.commands.map((c) => c.name)).toEqual(['error', 'debug']);
    expect(r.commands[0]?.data).toMatch(/^x is undefined\n\(this is a bug in bpf-ci/);
    expect(r.commands[1]?.data).toMatch(/^TypeError: x is undefined\n {4}at /);
  });
});
