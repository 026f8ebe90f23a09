// The retry policy: which failures are worth a second run, how they are selected on the command
// line, and the circuit breaker that refuses to retry a broken kernel or a broken run.
import { isFailed, type BinaryResult } from '@bpf-ci/model';
import { z } from 'zod';
import { notExactlySelectable } from './selector.ts';

export const RetryPolicy = z
  .object({
    /** Retries after the first attempt (0 turns retrying off). */
    attempts: z.number().int().min(0).max(5).default(1),
    /** More failed tests than this in one runner: the kernel is broken, not flaky. */
    maxFailures: z.number().int().min(0).default(10),
    /** No retry when less than this remains of the runner's timeout. */
    minBudgetSec: z.number().int().min(0).default(60),
    /** A test that failed then passed fails the job too. */
    failOnFlaky: z.boolean().default(false),
  })
  .strict();
export type RetryPolicy = z.infer<typeof RetryPolicy>;
export type RetryPolicyInput = z.input<typeof RetryPolicy>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = RetryPolicy.parse({});

/** A subtest that is retried through its parent test, and why. */
export interface ViaParent {
  key: string;
  parent: string;
  why: string;
}

export type RetryDecision =
  | {
      retry: true;
      /** What to select: "test", "test/subtest", or a test_verifier number. */
      selectors: string[];
      /** The failed tests ("test" or "test/subtest") this retry is for. */
      failed: string[];
      viaParent: ViaParent[];
    }
  | { retry: false; reason: string; failed: string[] };

export interface RetryContext {
  /** The attempt this retry would be: 2 for the first retry. */
  attempt: number;
  /** Seconds left of the runner's time budget. */
  remainingSec: number;
}

function isTestProgsBinary(binary: string): boolean {
  return binary.startsWith('test_progs');
}

/** The failed leaves: failed subtests, or the failed test itself when none of its subtests failed. */
export function failedKeys(result: BinaryResult): string[] {
  const out: string[] = [];
  for (const t of result.tests) {
    const subs = t.subtests.filter(isFailed);
    if (subs.length > 0) out.push(...subs.map((s) => `${t.name}/${s.name}`));
    else if (isFailed(t)) out.push(t.name);
  }
  return out;
}

/** Why this binary's failures must not be retried, or undefined when they may be. */
export function circuitBreaker(
  result: BinaryResult,
  failed: readonly string[],
  policy: RetryPolicy,
): string | undefined {
  const splat = result.events[0];
  if (splat) {
    const where = splat.test ? ` while ${splat.test} ran` : '';
    return `the kernel reported ${splat.kind} (${splat.title})${where}: a broken kernel, not a flaky test`;
  }
  if (!result.complete) {
    const why = result.incompleteDetail ?? result.incompleteReasons.join(', ');
    return `the run did not finish (${why}): an infrastructure or kernel error, not a flaky test`;
  }
  const broken = [];
  for (const t of result.tests) {
    if (t.status === 'error' || t.status === 'miss') broken.push(t);
    for (const s of t.subtests) if (s.status === 'error' || s.status === 'miss') broken.push(s);
  }
  if (broken[0]) {
    const t = broken[0];
    return `${t.name} ${t.status === 'miss' ? 'never reported' : `crashed${t.reason ? ` (${t.reason})` : ''}`}: not a flaky failure`;
  }
  if (failed.length > policy.maxFailures) {
    return `${failed.length} tests failed, more than ${policy.maxFailures}: the kernel is broken, not flaky`;
  }
  return undefined;
}

function testProgsSelectors(result: BinaryResult): { selectors: string[]; viaParent: ViaParent[] } {
  const selectors: string[] = [];
  const viaParent: ViaParent[] = [];
  for (const t of result.tests) {
    const subs = t.subtests.filter((s) => s.status === 'fail');
    if (subs.length === 0) {
      if (t.status === 'fail') selectors.push(t.name);
      continue;
    }
    const parentWhy = notExactlySelectable(t.name);
    const why = parentWhy ?? subs.map((s) => notExactlySelectable(s.name)).find((w) => w !== undefined);
    if (why === undefined) {
      selectors.push(...subs.map((s) => `${t.name}/${s.name}`));
      continue;
    }
    // One subtest test_progs cannot name exactly: the whole test runs again, and we say so.
    selectors.push(t.name);
    for (const s of subs) {
      const own = notExactlySelectable(s.name) ?? why;
      viaParent.push({ key: `${t.name}/${s.name}`, parent: t.name, why: own });
    }
  }
  return { selectors, viaParent };
}

function verifierSelectors(result: BinaryResult): { selectors: string[]; unnumbered: string[] } {
  const selectors: string[] = [];
  const unnumbered: string[] = [];
  for (const t of result.tests) {
    if (t.status !== 'fail' && !t.subtests.some((s) => s.status === 'fail')) continue;
    if (t.number === undefined) unnumbered.push(t.name);
    else selectors.push(String(t.number));
  }
  return { selectors, unnumbered };
}

/** Decide whether (and what) to retry after an attempt of one runner. */
export function decideRetry(result: BinaryResult, ctx: RetryContext, policy: RetryPolicy): RetryDecision {
  const failed = failedKeys(result);
  const no = (reason: string): RetryDecision => ({ retry: false, reason, failed });
  if (failed.length === 0) return no('nothing failed');
  const broken = circuitBreaker(result, failed, policy);
  if (broken) return no(`not retried: ${broken}`);
  if (ctx.attempt > policy.attempts + 1) {
    return no(`not retried again: ${policy.attempts} ${policy.attempts === 1 ? 'retry' : 'retries'} allowed`);
  }
  if (ctx.remainingSec < policy.minBudgetSec) {
    return no(
      `not retried: ${Math.max(0, Math.floor(ctx.remainingSec))} s of the runner's time budget left, less than ${policy.minBudgetSec} s`,
    );
  }
  if (isTestProgsBinary(result.binary)) {
    return { retry: true, failed, ...testProgsSelectors(result) };
  }
  if (result.binary === 'test_verifier') {
    const { selectors, unnumbered } = verifierSelectors(result);
    if (unnumbered.length > 0) return no(`not retried: no test number printed for ${unnumbered.join(', ')}`);
    return { retry: true, failed, selectors, viaParent: [] };
  }
  return no(`not retried: ${result.binary} cannot re-run single tests`);
}

/** test_progs options that take a value (the value is the next argument), and those a retry keeps. */
const WITH_VALUE = new Set(['-a', '-t', '-b', '-d', '-s', '-n', '-J', '-w']);
const KEPT = new Set(['-d', '-b', '-w']);

/**
 * The commands that re-run `selectors` with the original command's binary: test_progs once, with
 * one exact `-a` per selector and the original deny lists and watchdog (not its -j, -J or -a);
 * test_verifier once per test number (it takes one number or one range).
 */
export function retryCommands(
  binary: string,
  originalArgv: readonly string[],
  selectors: readonly string[],
): string[][] {
  const program = originalArgv[0];
  if (program === undefined) throw new Error('retry of an empty command');
  if (binary === 'test_verifier') return selectors.map((n) => [program, n]);
  if (!isTestProgsBinary(binary)) throw new Error(`${binary} cannot re-run single tests`);
  const kept: string[] = [];
  for (let i = 1; i < originalArgv.length; i++) {
    const arg = originalArgv[i] ?? '';
    const value = originalArgv[i + 1];
    if (WITH_VALUE.has(arg) && value !== undefined) {
      if (KEPT.has(arg)) kept.push(arg, value);
      i++;
    }
  }
  return [[program, ...selectors.flatMap((s) => ['-a', s]), ...kept]];
}
