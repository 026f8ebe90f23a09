// Every action: runs on node24 from a main that exists, declares exactly the inputs its code reads
// (the BRIEF's convention: getInput/getMultilineInput/getBooleanInput with a literal name), and
// describes every input and output.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { actionFiles, read, rel, tsFilesUnder } from './files.ts';

interface ActionYml {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string } | null>;
  outputs?: Record<string, { description?: string } | null>;
  runs?: { using?: string; main?: string };
}

const INPUT_CALL = /\bget(?:Multiline|Boolean)?Input\s*\(\s*/g;

/** The input names the action's code reads; throws on a name that is not a string literal. */
function inputsRead(sources: { file: string; text: string }[]): string[] {
  const names = new Set<string>();
  for (const { file, text } of sources) {
    for (const m of text.matchAll(INPUT_CALL)) {
      const rest = text.slice(m.index + m[0].length);
      const literal = /^(['"])([^'"]+)\1\s*[,)]/.exec(rest);
      if (!literal) throw new Error(`${file}: ${m[0]}... reads an input whose name is not a string literal`);
      names.add(literal[2]!);
    }
  }
  return [...names].sort();
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

  it('declares exactly the inputs its code reads', () => {
    const sources = tsFilesUnder(join(dir, 'src')).map((f) => ({ file: rel(f), text: read(f) }));
    expect(sources.length).toBeGreaterThan(0);
    expect(Object.keys(action.inputs ?? {}).sort()).toEqual(inputsRead(sources));
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

describe('reading the inputs from the code', () => {
  it('finds every literal name, whichever getter reads it', () => {
    const text = `const a = getInput('config');\nconst b = getMultilineInput("logs", { required: true });\nconst c = getBooleanInput( 'strict' );`;
    expect(inputsRead([{ file: 'main.ts', text }])).toEqual(['config', 'logs', 'strict']);
  });

  it('refuses a name it cannot check', () => {
    expect(() => inputsRead([{ file: 'main.ts', text: 'const a = getInput(name);' }])).toThrow(
      'main.ts: getInput(... reads an input whose name is not a string literal',
    );
  });
});
