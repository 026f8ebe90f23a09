import type { Logger } from '@bpf-ci/logger';

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

/**
 * Bad command line: printed with the command's usage, exit code 64 (EX_USAGE). util.parseArgs'
 * own errors (strict: true) take the same path in main.ts, so commands call it without a try.
 */
export class UsageError extends Error {}
