// Runs built from the model helpers, as the parsers would produce them, for renderer tests.
import type { Assertion, BinaryResult, Run, TestCase } from '@bpf-ci/model';
import { newBinaryResult, newRun, newTestCase } from '@bpf-ci/model';

export const CONTEXT = { arch: 'x86_64', toolchain: 'gcc', runner: 'test_progs' } as const;

export function assertion(func: string, tag: string, actual: string, expected: string): Assertion {
  return {
    kind: 'assert',
    func,
    tag,
    message: `unexpected ${tag}: actual ${actual} != expected ${expected}`,
    actual,
    expected,
    relation: '!=',
  };
}

/** A failed test as test_progs prints it: PASS lines, then the failed assertion. */
export function failedTest(
  number: number,
  name: string,
  a: Assertion = assertion(name, name, '10001', '10006'),
): TestCase {
  return newTestCase(name, 'fail', {
    number,
    log: [`${a.func ?? name}:PASS:setup 0 nsec`, `${a.func ?? name}:FAIL:${a.tag} ${a.message}`],
    assertions: [a],
  });
}

/** A test_progs result with `failures` failed tests, `passes` passed ones (each with 2 subtests) and one skip. */
export function testProgsResult(
  failures: number,
  passes = 20,
  init: Partial<BinaryResult> = {},
): BinaryResult {
  const tests: TestCase[] = [];
  let n = 1;
  for (let i = 0; i < passes; i++) {
    const num = n++;
    tests.push(
      newTestCase(`pass_${i}`, 'pass', {
        number: num,
        subtests: [newTestCase('a', 'pass', { number: 1 }), newTestCase('b', 'pass', { number: 2 })],
      }),
    );
  }
  for (let i = 0; i < failures; i++) tests.push(failedTest(n++, `fail_${i}`));
  tests.push(newTestCase('skipped_one', 'skip', { number: n++ }));
  return newBinaryResult('test_progs', {
    tests,
    parsedCounts: { passed: passes + 1, passedSubtests: passes * 2, skipped: 1, failed: failures },
    printedCounts: { passed: passes + 1, passedSubtests: passes * 2, skipped: 1, failed: failures },
    exitCode: failures > 0 ? 1 : 0,
    ...init,
  });
}

export function runWith(...binaries: BinaryResult[]): Run {
  return newRun({ ...CONTEXT }, binaries);
}
