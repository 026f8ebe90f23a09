// Every action stands on the same skeleton: src/inputs.ts (a zod schema of exactly the inputs of
// action.yml, whose defaults live in action.yml only), src/main.ts exporting run() on runAction,
// src/index.ts calling it. Run both ways (in process and as the bundle), a bad input is one clear
// ::error and exit 1, and hostile input text led by any white space .NET trims runs no command.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ROOT, actionYml, bundle, runBundle, runInProcess } from '../../helpers/action-harness.ts';

const ACTIONS = readdirSync(join(ROOT, 'actions'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

async function schemaOf(action: string): Promise<z.ZodObject> {
  return ((await import(join(ROOT, 'actions', action, 'src', 'inputs.ts'))) as { Inputs: z.ZodObject })
    .Inputs;
}

/** An integer input each action has, to feed a bad value. */
const INTEGER_INPUT: Record<string, string | undefined> = {
  'kernel-build': 'max-annotations',
  'result-parser': 'max-annotations',
  'vmtest-runner': 'timeout-minutes',
};

describe.each(ACTIONS)('actions/%s', (action) => {
  // Building the bundle (once per source state) takes longer than one test may.
  beforeAll(() => bundle(action), 300_000);

  const src = (file: string): string => readFileSync(join(ROOT, 'actions', action, 'src', file), 'utf8');

  it('main.ts exports run() on runAction in under 40 lines; index.ts calls it', () => {
    const main = src('main.ts');
    expect(main.split('\n').length).toBeLessThan(40);
    expect(main).toMatch(/export function run\(\): Promise<number> \{\n {2}return runAction\(Inputs,/);
    expect(src('index.ts')).toContain('process.exitCode = await run();');
    // Defaults come from action.yml only: no `|| 'default'` after an input.
    expect(main).not.toMatch(/getInput|\|\| '/);
  });

  it("its input schema names exactly action.yml's inputs, and accepts every default", async () => {
    const schema = await schemaOf(action);
    const inputs = actionYml(action).inputs ?? {};
    expect(Object.keys(schema.shape).sort()).toEqual(Object.keys(inputs).sort());
    for (const [name, spec] of Object.entries(inputs)) {
      const field = schema.shape[name] as z.ZodType;
      if (spec?.required) {
        expect(spec.default, `${name}: required inputs have no default`).toBeUndefined();
        expect(field.safeParse('').success, `${name} is required in action.yml: '' must fail`).toBe(false);
      } else {
        expect(spec?.default, `${name}: give a default in action.yml`).toBeDefined();
        const parsed = field.safeParse(spec?.default);
        expect(parsed.success, `${name}: default ${JSON.stringify(spec?.default)}`).toBe(true);
      }
    }
  });

  const integer = INTEGER_INPUT[action];
  it.runIf(integer !== undefined)(
    'a bad input is one ::error naming it, exit 1, in process and bundled',
    async () => {
      for (const run of [runInProcess, runBundle]) {
        const result = await run(action, { [integer!]: 'lots', ...requiredInputs(action) });
        expect(result.code).toBe(1);
        const errors = result.commands.filter((c) => c.name === 'error');
        expect(errors).toHaveLength(1);
        expect(errors[0]!.data).toBe(`input '${integer}': must be a whole number (got "lots")`);
        expect(result.commands.filter((c) => c.name === 'debug')).toEqual([]); // no stack: not a bug
      }
    },
    60_000,
  );

  it('hostile input text after any .NET white space runs no command of its own (bundled)', async () => {
    const hostile = ['\u0085', '\u2028', '\u00a0', '\u3000', '\u1680', '\t']
      .map((lead) => `${lead}::add-mask::pwned${lead}::error::pwned`)
      .join('\n');
    const inputs: Record<string, string> = {};
    for (const name of Object.keys(actionYml(action).inputs ?? {})) inputs[name] = hostile;
    const result = await runBundle(action, inputs, { env: { BPF_CI_CACHE: join(ROOT, '.cache', 'never') } });
    const own = ['error', 'warning', 'notice', 'debug', 'group', 'endgroup'];
    expect(result.commands.filter((c) => !own.includes(c.name))).toEqual([]);
    expect(result.commands.filter((c) => c.data.trim() === 'pwned' || c.data.startsWith('pwned'))).toEqual(
      [],
    );
    expect(result.code).toBe(1);
  }, 60_000);
});

/** Values for the required inputs, so a run gets as far as the input being tested. */
function requiredInputs(action: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(actionYml(action).inputs ?? {}))
    if (spec?.required) out[name] = '/nonexistent';
  return out;
}
