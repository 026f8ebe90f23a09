// Small constructors and derived views over the model, shared by every producer and consumer.
import type {
  BinaryResult,
  Counts,
  IncompleteReason,
  Run,
  RunContext,
  TestCase,
  TestStatus,
} from './model.ts';
import { SCHEMA_VERSION } from './model.ts';

export function emptyCounts(): Counts {
  return { passed: 0, skipped: 0, failed: 0 };
}

export function newTestCase(name: string, status: TestStatus, init: Partial<TestCase> = {}): TestCase {
  return { name, status, log: [], assertions: [], subtests: [], attempts: [], ...init };
}

export function newBinaryResult(binary: string, init: Partial<BinaryResult> = {}): BinaryResult {
  return {
    binary,
    parsedCounts: emptyCounts(),
    complete: true,
    incompleteReasons: [],
    tests: [],
    events: [],
    notes: [],
    ...init,
  };
}

/** A test counts as failed when it failed, broke (error) or never reported (miss). */
export function isFailed(test: TestCase): boolean {
  return test.status === 'fail' || test.status === 'error' || test.status === 'miss';
}

/**
 * Marks `result` partial for `reason` (each reason listed once) and, when given, adds `detail` to
 * what it already says. Every producer (parsers, the VM runner, the loaders) marks a result this way.
 */
export function markIncomplete(result: BinaryResult, reason: IncompleteReason, detail?: string): void {
  result.complete = false;
  if (!result.incompleteReasons.includes(reason)) result.incompleteReasons.push(reason);
  if (detail !== undefined) addIncompleteDetail(result, detail);
}

/** Appends `detail` to the result's incompleteDetail: the problems read in the order they were found. */
export function addIncompleteDetail(result: BinaryResult, detail: string): void {
  result.incompleteDetail = result.incompleteDetail ? `${result.incompleteDetail}; ${detail}` : detail;
}

export function newRun(context: RunContext = {}, binaries: BinaryResult[] = []): Run {
  return { schemaVersion: SCHEMA_VERSION, context, binaries, events: [], sources: [] };
}

/** "test" or "test/subtest": the key users and list files use. Numbers are never keys. */
export function testKey(test: TestCase, parent?: TestCase): string {
  return parent ? `${parent.name}/${test.name}` : test.name;
}

/** Every test and subtest with its key, depth first, parents before their subtests. */
export function* walkTests(
  tests: readonly TestCase[],
): Generator<{ key: string; test: TestCase; parent?: TestCase }> {
  for (const test of tests) {
    yield { key: test.name, test };
    for (const sub of test.subtests) yield { key: testKey(sub, test), test: sub, parent: test };
  }
}

/** The worst status wins: error > fail > miss > pass/done > skip. */
const SEVERITY: Record<TestStatus, number> = { error: 5, fail: 4, miss: 3, pass: 2, done: 1, skip: 0 };

export function worstStatus(statuses: Iterable<TestStatus>): TestStatus | undefined {
  let worst: TestStatus | undefined;
  for (const s of statuses) if (worst === undefined || SEVERITY[s] > SEVERITY[worst]) worst = s;
  return worst;
}

export type Conclusion = 'success' | 'failure' | 'error';

/**
 * A binary's verdict as the job shows it: error when the run itself broke (incomplete, kernel
 * splat that panicked, non-zero exit without failures), failure when a test failed.
 */
export function binaryConclusion(result: BinaryResult): Conclusion {
  if (!result.complete) return 'error';
  if (result.events.some((e) => e.kind === 'panic')) return 'error';
  const all = [...walkTests(result.tests)];
  const statuses = all.map((t) => t.test.status);
  if (statuses.includes('error')) return 'error';
  // A quarantined failure still ran and is reported, as a warning; it does not fail the job.
  const gating = all
    .filter((t) => !(t.test.status === 'fail' && t.test.quarantined))
    .map((t) => t.test.status);
  if (gating.includes('fail') || gating.includes('miss')) return 'failure';
  // After retries or quarantine the tests' final verdicts decide: the Summary line, the counts and
  // the exit code describe the first attempt, with every failure counted.
  if (result.retry || all.some((t) => t.test.quarantined)) return 'success';
  if (result.parsedCounts.failed > 0) return 'failure';
  if (result.printedCounts && result.printedCounts.failed > 0) return 'failure';
  if (result.exitCode !== undefined && result.exitCode !== null && result.exitCode !== 0) return 'failure';
  return 'success';
}

export function runConclusion(run: Run): Conclusion {
  const all = run.binaries.map(binaryConclusion);
  if (all.includes('error') || run.events.some((e) => e.kind === 'panic')) return 'error';
  if (all.includes('failure')) return 'failure';
  return 'success';
}

/** Total counts over binaries (printed counts where the tool printed them, else parsed). */
export function totalCounts(results: readonly BinaryResult[]): Counts {
  const total = emptyCounts();
  let anySub = false;
  for (const r of results) {
    const c = r.printedCounts ?? r.parsedCounts;
    total.passed += c.passed;
    total.skipped += c.skipped;
    total.failed += c.failed;
    if (c.passedSubtests !== undefined) {
      anySub = true;
      total.passedSubtests = (total.passedSubtests ?? 0) + c.passedSubtests;
    }
  }
  if (!anySub) delete total.passedSubtests;
  return total;
}
