// One rule per kind of value: an action's input and a command-line option of the same kind accept
// the same texts, give the same values and refuse the same texts with the same words (the action
// says `input 'NAME': ...`, the command line `--NAME: ...`).
import { InvalidValue, flag, parseArch, splitLines, splitList, wholeNumber } from '@bpf-ci/domain';
import { input, readInputs } from '@bpf-ci/gh';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { numberOption, optionValue, UsageError } from '../../../packages/cli/src/command.ts';

/** What the action makes of `text` for an input of this schema: its value or its ::error text. */
function asInput(schema: z.ZodType<unknown, string>, text: string): { value: unknown } | { error: string } {
  const saved = process.env['INPUT_VALUE'];
  process.env['INPUT_VALUE'] = text;
  try {
    return { value: readInputs(z.object({ value: schema })).value };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    if (saved === undefined) delete process.env['INPUT_VALUE'];
    else process.env['INPUT_VALUE'] = saved;
  }
}

/** What the command line makes of `--value text`: its value or its usage error. */
function asOption(read: (text: string) => unknown, text: string): { value: unknown } | { error: string } {
  try {
    return { value: optionValue('--value', text, read) };
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return { error: (err as Error).message };
  }
}

/** The two answers with each entry point's naming of the input or option taken out. */
function same(action: { value: unknown } | { error: string }, cli: { value: unknown } | { error: string }) {
  const strip = (r: { value: unknown } | { error: string }, prefix: string) =>
    'error' in r ? { error: r.error.replace(prefix, '') } : r;
  expect(strip(action, "input 'value': ")).toEqual(strip(cli, '--value: '));
}

describe('whole numbers', () => {
  const texts = ['0', '1', '7', '30', '-1', '1.5', '1e3', '0x10', 'lots', ''];
  it.each([0, 1])('at least %i: the action and the command line agree on every text', (min) => {
    for (const text of texts)
      same(
        asInput(input.integer(min), text),
        asOption((t) => wholeNumber(t, min), text),
      );
  });

  it('says what is wrong and quotes the value', () => {
    expect(asInput(input.integer(1), '0')).toEqual({ error: `input 'value': must be at least 1 (got "0")` });
    expect(() => numberOption('--retries', '1e3', 0)).toThrow(
      '--retries: must be a whole number (got "1e3")',
    );
    expect(numberOption('--retries', '0', 0)).toBe(0);
  });
});

it('booleans: true or false, nothing else', () => {
  for (const text of ['true', 'false', 'TRUE', 'yes', '1', ''])
    same(asInput(input.boolean(), text), asOption(flag, text));
  expect(asInput(input.boolean(), 'true')).toEqual({ value: true });
  expect(asInput(input.boolean(), 'yes')).toEqual({
    error: `input 'value': must be true or false (got "yes")`,
  });
});

it('lists: commas, spaces or newlines; lines: one entry per line', () => {
  const text = 'test_progs, test_maps\n\n  test_verifier \n';
  same(asInput(input.list(), text), asOption(splitList, text));
  expect(asInput(input.list(), text)).toEqual({ value: ['test_progs', 'test_maps', 'test_verifier'] });
  expect(asInput(input.lines(), text)).toEqual({ value: ['test_progs, test_maps', 'test_verifier'] });
  expect(splitLines(text)).toEqual(['test_progs, test_maps', 'test_verifier']);
});

it('arches: every name of an arch, and the same refusal', () => {
  for (const text of ['x86_64', 'amd64', 'ARM64', 's390', 'riscv64']) {
    const action = asInput(input.arch(), text);
    const cli = asOption(parseArch, text);
    same(action, cli);
  }
  expect(asOption(parseArch, 'amd64')).toEqual({ value: 'x86_64' });
  expect(asOption(parseArch, 'riscv64')).toEqual({
    error: '--value: unknown arch "riscv64": use one of x86_64, aarch64, s390x',
  });
});

it('a refusal is an InvalidValue, a user error without the value in it', () => {
  expect(() => wholeNumber('x')).toThrow(InvalidValue);
  expect(() => flag('x')).toThrow(InvalidValue);
});
