import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const dir = join(import.meta.dirname, '../../../actions/kernel-build');
const action = parse(readFileSync(join(dir, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string };
};
const main = readFileSync(join(dir, 'src', 'main.ts'), 'utf8');

describe('actions/kernel-build', () => {
  it('reads exactly the inputs action.yml declares, each described', () => {
    const read = [...main.matchAll(/get(?:Multiline|Boolean)?Input\('([^']+)'/g)].map((m) => m[1]);
    expect(new Set(read)).toEqual(new Set(Object.keys(action.inputs)));
    for (const [name, input] of Object.entries(action.inputs)) expect(input.description, name).toBeTruthy();
  });

  it('sets exactly the outputs action.yml declares, each described', () => {
    const call = /setOutputs\(\{([^}]*)\}\)/.exec(main)?.[1] ?? '';
    const set = [...call.matchAll(/(?:'([^']+)'|([A-Za-z]+))\s*:/g)].map((m) => m[1] ?? m[2]);
    expect(new Set(set)).toEqual(new Set(Object.keys(action.outputs)));
    for (const [name, output] of Object.entries(action.outputs))
      expect(output.description, name).toBeTruthy();
  });

  it('runs the committed node24 bundle', () => {
    expect(action.runs).toEqual({ using: 'node24', main: '../../dist/kernel-build/index.js' });
  });
});
