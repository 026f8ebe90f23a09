// Every attempt into one result: the model's mergeRetry keeps each attempt per test and marks
// failed-then-passed as flaky; here the counts follow the tool's own rules again and the binary
// records what was retried, so the verdict comes from each test's final attempt.
import {
  mergeRetry,
  type BinaryResult,
  type Counts,
  type RetryAttempt,
  type RetryRecord,
} from '@bpf-ci/model';
import { countTestProgs, countVerifier } from '@bpf-ci/parsers';
import type { ViaParent } from './policy.ts';

export interface AttemptResult {
  attempt: RetryAttempt;
  /** The parsed output of this attempt (its tests only). */
  result: BinaryResult;
}

function recount(result: BinaryResult): Counts {
  if (result.binary === 'test_verifier') return countVerifier(result.tests);
  if (result.binary.startsWith('test_progs')) return countTestProgs(result.tests);
  return result.parsedCounts;
}

/**
 * `original` with its retries merged in, oldest first. The original's Summary line and exit code
 * stay as the tool printed them (the first attempt); the parsed counts are the final verdicts'.
 */
export function mergeAttempts(
  original: BinaryResult,
  attempts: readonly AttemptResult[],
  record: { maxRetries: number; notRetried?: string; viaParent: readonly ViaParent[] },
): BinaryResult {
  let merged = original;
  for (const a of attempts) {
    // Each kept attempt is numbered; mergeRetry also appends the retry's console events.
    merged = mergeRetry(merged, a.result, original.variant ?? original.binary, true);
  }
  const retry: RetryRecord = {
    maxRetries: record.maxRetries,
    attempts: attempts.map((a) => a.attempt),
    viaParent: [...record.viaParent],
    ...(record.notRetried !== undefined ? { notRetried: record.notRetried } : {}),
  };
  const out: BinaryResult = { ...merged, retry };
  if (attempts.length > 0) {
    out.parsedCounts = recount(merged);
    const c = out.parsedCounts;
    out.notes = [
      ...merged.notes,
      `after ${attempts.length} retry attempt(s): ${c.passed} passed, ${c.skipped} skipped, ${c.failed} failed ` +
        "(the Summary line and the exit code are the first attempt's)",
    ];
  }
  return out;
}
