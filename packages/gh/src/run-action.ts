// The one skeleton every action runs on: read the inputs once through a zod schema, run, and end
// in one of two ways. A user error (bad input, bad config, missing file: any UserError) is one
// clear ::error and exit 1; anything else is a bug in bpf-ci, reported the same way plus its stack
// at debug level (shown when the run is re-run with debug logging).
import { getInput } from '@actions/core';
import { flag, InvalidValue, parseArch, splitLines, splitList, UserError, wholeNumber } from '@bpf-ci/domain';
import { z } from 'zod';
import { ActionsLogger } from './logger.ts';

/** The schema of an action's inputs: one string-typed entry per input of its action.yml. */
export type InputSchema = z.ZodObject<Record<string, z.ZodType<unknown, string>>>;

/**
 * A value rule of @bpf-ci/domain as a zod step: a value it refuses (InvalidValue) becomes an issue
 * that readInputs reports with the input's name and the value given; any other error, such as
 * parseArch's own UserError that already quotes the value, goes through as thrown.
 */
function rule<T>(read: (text: string) => T) {
  return z.string().transform((text, ctx): T => {
    try {
      return read(text);
    } catch (err) {
      if (!(err instanceof InvalidValue)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  });
}

/**
 * Input value types. Every input arrives as a string: the runner passes the workflow's value, or
 * the default from action.yml when the workflow gives none, so defaults live in action.yml only.
 * The rules of each kind are @bpf-ci/domain's, which the command line uses for its options too.
 */
export const input = {
  /** Any text, possibly empty. */
  text: () => z.string(),
  /** Text that must not be empty (action.yml: required: true). */
  required: () => z.string().min(1, 'is required'),
  /** Text, or undefined when empty. */
  optional: () => z.string().transform((s) => (s === '' ? undefined : s)),
  /** One entry per line, blank lines dropped. */
  lines: () => rule(splitLines),
  /** Entries separated by commas, spaces or newlines. */
  list: () => rule(splitList),
  /** A whole number of at least `min`. */
  integer: (min: number) => rule((text) => wholeNumber(text, min)),
  /** One whole number of at least `min` per line, blank lines dropped. */
  integers: (min: number) => rule((text) => splitLines(text).map((line) => wholeNumber(line, min))),
  /** A whole number of at least `min`, or undefined when empty. */
  optionalInteger: (min: number) => rule((text) => (text === '' ? undefined : wholeNumber(text, min))),
  /** true or false. */
  boolean: () => rule(flag),
  /** An architecture under any of its names (x86_64, amd64, arm64, ...); required. */
  arch: () => z.string().min(1, 'is required').pipe(rule(parseArch)),
};

/** Reads every input the schema names (as @actions/core does: INPUT_<NAME>, trimmed) and parses it. */
export function readInputs<S extends InputSchema>(schema: S): z.output<S> {
  const raw = Object.fromEntries(Object.keys(schema.shape).map((name) => [name, getInput(name)]));
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new UserError(
    parsed.error.issues
      .map((issue) => {
        const name = String(issue.path[0] ?? '');
        return `input '${name}': ${issue.message} (got ${JSON.stringify(raw[name] ?? '')})`;
      })
      .join('\n'),
  );
}

/**
 * Runs an action's body with its parsed inputs and returns the exit code for index.ts to set. The
 * body returns 1 (or throws) to fail the step.
 */
export async function runAction<S extends InputSchema>(
  schema: S,
  body: (inputs: z.output<S>, logger: ActionsLogger) => Promise<number | void>,
  logger: ActionsLogger = new ActionsLogger(),
): Promise<number> {
  try {
    return (await body(readInputs(schema), logger)) ?? 0;
  } catch (err) {
    if (err instanceof UserError) {
      logger.error(err.message);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      logger.error(`${message}\n(this is a bug in bpf-ci; re-run with debug logging to see where)`);
      if (err instanceof Error && err.stack) logger.debug(err.stack);
    }
    return 1;
  }
}
