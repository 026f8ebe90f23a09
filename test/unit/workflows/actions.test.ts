// Every action: runs on node24 from a main that exists and describes every input and output. That
// its input schema matches action.yml is checked in test/unit/actions/skeleton.test.ts.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionFiles, read, rel } from './files.ts';

interface ActionYml {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string } | null>;
  outputs?: Record<string, { description?: string } | null>;
  runs?: { using?: string; main?: string };
}

describe.each(actionFiles().map((f) => [rel(f), f]))('%s', (_name, file) => {
  const action = parse(read(file)) as ActionYml;
  const dir = dirname(file);

  it('runs on node24 from a main that exists', () => {
    expect(action.runs?.using).toBe('node24');
    expect(action.runs?.main).toBeDefined();
    const main = resolve(dir, action.runs!.main!);
    expect(existsSync(main), `${rel(main)} does not exist: run npm run build and commit dist/`).toBe(true);
  });

  it('describes itself, every input and every output', () => {
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
    for (const [key, spec] of [
      ...Object.entries(action.inputs ?? {}),
      ...Object.entries(action.outputs ?? {}),
    ]) {
      expect(spec?.description?.trim(), `${key} has no description`).toBeTruthy();
    }
  });
});
