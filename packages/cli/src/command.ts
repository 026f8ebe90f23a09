import type { Logger } from '@bpf-ci/logger';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { InvalidValue, UserError, wholeNumber } from '@bpf-ci/domain';

/** What a subcommand gets: its arguments, where to print results, and a logger for progress. */
export interface CommandIo {
  /** Results. Inside a GitHub Actions step, lines that could be workflow commands are framed. */
  stdout: NodeJS.WritableStream;
  /** Workflow command lines meant as such (formatted by @bpf-ci/protocol), written to stdout. */
  commands(lines: readonly string[]): void;
  logger: Logger;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  name: string;
  /** One line for `bpf-ci --help`. */
  summary: string;
  /** Full usage text for `bpf-ci NAME --help`. */
  usage: string;
  /** Returns the process exit code. Throw UsageError for bad arguments. */
  run(args: string[], io: CommandIo): Promise<number>;
}

/** What util.parseArgs makes of a command line with these options (strict). */
export type ParsedArgs<O extends ParseArgsOptionsConfig, P extends boolean> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: P }>
>;

/**
 * A command whose options are read by util.parseArgs (strict) before its body runs, so a mistyped
 * or unknown option takes main.ts's one usage-error path whatever the command.
 */
export function optionsCommand<const O extends ParseArgsOptionsConfig, P extends boolean = false>(spec: {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** Whether the command takes arguments besides its options (files, a subcommand). */
  positionals?: P;
  run(parsed: ParsedArgs<O, P>, io: CommandIo): Promise<number>;
}): Command {
  const allowPositionals = (spec.positionals ?? false) as P;
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    run: (args, io) =>
      spec.run(parseArgs({ args, options: spec.options, strict: true, allowPositionals }), io),
  };
}

/**
 * Bad command line: printed with the command's usage, exit code 64 (EX_USAGE). util.parseArgs'
 * own errors (strict: true) take the same path in main.ts, so commands call it without a try.
 */
export class UsageError extends Error {}

/**
 * An option's value read by a value rule of @bpf-ci/domain (wholeNumber, flag, parseArch, ...), the
 * same rules the actions read their inputs with. A value the rule refuses is a usage error naming
 * the option: `--retries: must be a whole number (got "x")`, as an action says
 * `input 'retries': must be a whole number (got "x")`.
 */
export function optionValue<T>(option: string, text: string, read: (text: string) => T): T {
  try {
    return read(text);
  } catch (err) {
    if (err instanceof InvalidValue)
      throw new UsageError(`${option}: ${err.message} (got ${JSON.stringify(text)})`);
    if (err instanceof UserError) throw new UsageError(`${option}: ${err.message}`);
    throw err;
  }
}

/** `--option N`: a whole number of at least `min`, by the rule the actions' integer inputs use. */
export function numberOption(option: string, text: string, min: number): number {
  return optionValue(option, text, (t) => wholeNumber(t, min));
}
