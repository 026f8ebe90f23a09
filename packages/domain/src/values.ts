// How a value a user typed is read, one rule per kind, shared by every entry point: the actions
// read their inputs through these (@bpf-ci/gh `input`), the command line its options (bpf-ci), so
// `retries: 0` in a workflow and `--retries 0` on the command line are accepted or refused alike.
// Lists and arches are read by splitList (lists.ts) and parseArch (arch.ts).
import { UserError } from './errors.ts';

/**
 * A value its rule refuses. The message says what the value must be and does not quote it: the
 * entry point names the input or option and quotes what was given, each in its own way.
 */
export class InvalidValue extends UserError {
  override name = 'InvalidValue';
}

/**
 * "0", "42" → the number; at least `min`. Digits only: no sign, no fraction, no "1e3" or "0x10"
 * (which Number() would take), so what a user reads is what runs.
 */
export function wholeNumber(text: string, min = 0): number {
  if (!/^\d+$/.test(text)) throw new InvalidValue('must be a whole number');
  const n = Number(text);
  if (n < min) throw new InvalidValue(`must be at least ${min}`);
  return n;
}

/** "true" or "false", as a workflow writes a boolean input; anything else is refused. */
export function flag(text: string): boolean {
  if (text !== 'true' && text !== 'false') throw new InvalidValue('must be true or false');
  return text === 'true';
}

/** One entry per line, each trimmed, blank lines dropped (a workflow's multi-line input). */
export function splitLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
