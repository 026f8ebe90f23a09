// Merging retries: a binary re-run on its failed tests gives a second BinaryResult; the merged
// result keeps every attempt and marks tests that failed then passed as flaky.
import type { Attempt, BinaryResult, TestCase } from './model.ts';

function toAttempt(test: TestCase, source: string | undefined, attempt: number | undefined): Attempt {
  const out: Attempt = { status: test.status, log: test.log, assertions: test.assertions };
  if (test.durationMs !== undefined) out.durationMs = test.durationMs;
  if (source !== undefined) out.source = source;
  if (attempt !== undefined) out.attempt = attempt;
  return out;
}

function mergeTest(
  first: TestCase,
  retry: TestCase,
  source: string | undefined,
  numbered: boolean,
): TestCase {
  // `first` keeps its earlier attempts: its own is the next number.
  const firstNumber = numbered ? first.attempts.length + 1 : undefined;
  const attempts = [...first.attempts, toAttempt(first, source, firstNumber), ...retry.attempts];
  const flaky = (first.status === 'fail' || first.flaky === true) && retry.status === 'pass';
  const subByName = new Map(retry.subtests.map((s) => [s.name, s]));
  const subtests = first.subtests.map((s) => {
    const r = subByName.get(s.name);
    return r ? mergeTest(s, r, source, numbered) : s;
  });
  for (const s of retry.subtests) if (!first.subtests.some((f) => f.name === s.name)) subtests.push(s);
  const merged: TestCase = { ...retry, subtests, attempts };
  if (flaky || first.flaky) merged.flaky = true;
  return merged;
}

/**
 * Merge a retry run into the original: tests present in the retry replace the original's verdict
 * (keeping the original as an earlier attempt); tests the retry did not run stay as they were.
 * Counts are recomputed by the caller's parser rules, so this only merges tests and events.
 * With `numbered`, each kept attempt records its attempt number (1 = the original run).
 */
export function mergeRetry(
  original: BinaryResult,
  retry: BinaryResult,
  retrySource?: string,
  numbered = false,
): BinaryResult {
  const retryByName = new Map(retry.tests.map((t) => [t.name, t]));
  const tests = original.tests.map((t) => {
    const r = retryByName.get(t.name);
    return r ? mergeTest(t, r, retrySource ?? original.variant, numbered) : t;
  });
  return {
    ...original,
    tests,
    events: [...original.events, ...retry.events],
    notes: [...original.notes, ...retry.notes],
  };
}

/** Keys ("test" or "test/subtest") of tests that passed only after a failed attempt. */
export function flakyTests(result: BinaryResult): string[] {
  const out: string[] = [];
  for (const t of result.tests) {
    if (t.flaky) out.push(t.name);
    for (const s of t.subtests) if (s.flaky) out.push(`${t.name}/${s.name}`);
  }
  return out;
}
