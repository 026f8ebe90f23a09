// JUnit XML for tools that read it (test reporters, dashboards): one <testsuite> per binary, one
// <testcase> per test and per subtest ("test/subtest"), the failure log as the failure's text.
// Each <testsuite> follows the Maven Surefire report schema (surefire-test-report-3.0.xsd), whose
// flakyFailure / rerunFailure elements carry retries the way Surefire and Gradle write them:
// https://maven.apache.org/surefire/maven-surefire-plugin/examples/rerun-failing-tests.html
import type { BinaryResult, Run, TestCase } from '@bpf-ci/model';
import { walkTests } from '@bpf-ci/model';
import { XMLBuilder } from 'fast-xml-parser';
import { assertionText, jobTitle, runnerName, runTitle } from './describe.ts';

// XML 1.0 cannot carry most control characters, even escaped: show them as \xNN instead of losing them.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, (c) => `\\x${(c.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`);
}

const seconds = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : (ms / 1000).toFixed(3);

/** A failure-like element: the message, the type and the log, as Surefire's reruns carry them. */
function outcome(
  status: string,
  assertions: TestCase['assertions'],
  reason: string | undefined,
  log: string[],
) {
  const first = assertions[0];
  return {
    message: xmlSafe(first ? (assertionText(first).split('\n')[0] ?? '') : (reason ?? status)),
    text: xmlSafe(log.join('\n')),
  };
}

/** Earlier attempts as Maven Surefire writes reruns: flakyFailure/flakyError when the test passed in the end, rerunFailure/rerunError when it did not. */
function rerunElements(test: TestCase): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>[]> = {};
  const finalFailed = test.status !== 'pass';
  // Surefire: <failure> is the first run, <rerunFailure> each rerun; when it passed in the end, every failed run is a <flakyFailure>.
  const runs = finalFailed
    ? [...test.attempts.slice(1), { status: test.status, log: test.log, assertions: test.assertions }]
    : test.attempts;
  for (const a of runs) {
    const kind =
      a.status === 'fail' ? 'Failure' : a.status === 'error' || a.status === 'miss' ? 'Error' : undefined;
    if (!kind) continue;
    const { message, text } = outcome(a.status, a.assertions, undefined, a.log);
    const tag = `${finalFailed ? 'rerun' : 'flaky'}${kind}`;
    (out[tag] ??= []).push({ '@_message': message, '@_type': a.status, stackTrace: text });
  }
  return out;
}

function testcase(
  result: BinaryResult,
  key: string,
  test: TestCase,
  parent: TestCase | undefined,
): Record<string, unknown> {
  const node: Record<string, unknown> = {
    '@_classname': xmlSafe(parent ? `${result.binary}.${parent.name}` : result.binary),
    '@_name': xmlSafe(key),
    // Surefire's schema requires a time: 0 when the tool printed none.
    '@_time': seconds(test.durationMs) ?? '0.000',
  };
  // With retries, the first attempt is the <failure> and later ones are reruns, in Surefire's element order.
  const firstRun = test.status !== 'pass' && test.attempts[0] ? test.attempts[0] : test;
  const { message: plain, text } = outcome(test.status, firstRun.assertions, test.reason, firstRun.log);
  const message = test.quarantined
    ? xmlSafe(`[quarantined until ${test.quarantined.expires ?? '?'}: ${test.quarantined.reason}] `) + plain
    : plain;
  const reruns = rerunElements(test);
  if (test.status === 'fail') {
    node['failure'] = { '@_message': message, '@_type': 'fail', '#text': text };
    Object.assign(node, pick(reruns, ['rerunFailure', 'rerunError']));
  } else if (test.status === 'error' || test.status === 'miss') {
    node['error'] = { '@_message': message, '@_type': test.status, '#text': text };
    Object.assign(node, pick(reruns, ['rerunFailure', 'rerunError']));
  } else if (test.status === 'skip') {
    node['skipped'] = test.reason ? { '@_message': xmlSafe(test.reason) } : '';
  }
  if (test.status === 'pass') Object.assign(node, pick(reruns, ['flakyFailure', 'flakyError']));
  return orderLikeSurefire(node);
}

function pick(from: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in from).map((k) => [k, from[k]]));
}

/** The Surefire report schema is a sequence: its children must come in this order. */
const SUREFIRE_ORDER = [
  'failure',
  'rerunFailure',
  'flakyFailure',
  'skipped',
  'error',
  'rerunError',
  'flakyError',
];

function orderLikeSurefire(node: Record<string, unknown>): Record<string, unknown> {
  const attributes = Object.entries(node).filter(([k]) => k.startsWith('@_'));
  const children = SUREFIRE_ORDER.filter((k) => k in node).map((k) => [k, node[k]] as const);
  return Object.fromEntries([...attributes, ...children]);
}

export function toJUnitXml(run: Run): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const suites = run.binaries.map((result) => {
    const cases = [...walkTests(result.tests)].map(({ key, test, parent }) =>
      testcase(result, key, test, parent),
    );
    const count = (tag: string): number => cases.filter((c) => tag in c).length;
    const suite = {
      '@_name': xmlSafe(jobTitle(run, runnerName(run, result))),
      '@_tests': cases.length,
      '@_failures': count('failure'),
      '@_errors': count('error') + (result.complete ? 0 : 1),
      '@_skipped': count('skipped'),
      ...(result.durationMs !== undefined ? { '@_time': seconds(result.durationMs) } : {}),
      // Surefire's testsuite holds properties and testcases only: a partial run is said in a property.
      ...(result.complete
        ? {}
        : {
            properties: {
              property: {
                '@_name': 'partial',
                '@_value': xmlSafe(
                  `partial results: ${result.incompleteReasons.join(', ')}${result.incompleteDetail ? `: ${result.incompleteDetail}` : ''}`,
                ),
              },
            },
          }),
      testcase: cases,
    };
    tests += suite['@_tests'];
    failures += suite['@_failures'];
    errors += suite['@_errors'];
    skipped += suite['@_skipped'];
    return suite;
  });
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    format: true,
    suppressEmptyNode: true,
  });
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': xmlSafe(runTitle(run)),
      '@_tests': tests,
      '@_failures': failures,
      '@_errors': errors,
      '@_skipped': skipped,
      testsuite: suites,
    },
  });
}
