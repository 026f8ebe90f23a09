import type { BinaryResult, ConsoleEvent } from '@bpf-ci/model';

export type LogFormat =
  'test_progs' | 'test_verifier' | 'test_maps' | 'test_progs_json' | 'kernel_console' | 'mixed' | 'empty';

export interface ParsedLog {
  /** One per run of a selftest binary found in the input (several runs in one file give several). */
  results: BinaryResult[];
  /**
   * Kernel console events outside any binary's run (boot, shutdown, a console-only log). Events
   * seen while a binary ran are in that result's `events`, attributed to the running test.
   */
  events: ConsoleEvent[];
  format: LogFormat;
}

export interface ParseOptions {
  /**
   * The binary that wrote the input (test_progs, test_progs-no_alu32, test_progs-cpuv4,
   * test_verifier, test_maps). Forces the format; input that has none of its lines then gives a
   * partial result instead of an UnknownFormatError.
   */
  binary?: string;
  /** Where the text came from (a file name), for error messages. */
  source?: string;
}

export const KNOWN_FORMATS =
  'test_progs / test_progs-no_alu32 / test_progs-cpuv4 output (`#N name:OK`, `Summary: P/S PASSED, ...`), ' +
  'a test_progs -J JSON summary, test_verifier output (`#N/u ... OK`), test_maps output ' +
  "(`Fork N tasks to '...'`, `test_maps: OK, N SKIPPED`), the same under the kselftest runner (`# ` prefix), " +
  'or a kernel console log with a splat (BUG:, WARNING:, Oops, Kernel panic, ...)';

/** The input matched none of the formats the parsers know. */
export class UnknownFormatError extends Error {
  readonly source: string;

  constructor(source: string, detail: string) {
    super(
      `${source}: not a log bpf-ci can parse (${detail}). Expected ${KNOWN_FORMATS}. ` +
        'If you know which binary wrote it, pass --binary NAME (opts.binary) to parse it as partial output.',
    );
    this.name = 'UnknownFormatError';
    this.source = source;
  }
}

/** Binaries the parsers understand, mapped to their output family. */
export function binaryFamily(binary: string): 'test_progs' | 'test_verifier' | 'test_maps' | undefined {
  if (binary === 'test_progs' || binary.startsWith('test_progs-') || binary.startsWith('test_progs_'))
    return 'test_progs';
  if (binary === 'test_verifier') return 'test_verifier';
  if (binary === 'test_maps') return 'test_maps';
  return undefined;
}
