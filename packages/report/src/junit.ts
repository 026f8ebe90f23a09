// JUnit XML for tools that read it (test reporters, dashboards): one <testsuite> per binary, one
// <testcase> per test and per subtest ("test/subtest"), the failure log as the failure's text.
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

function testcase(
  result: BinaryResult,
  key: string,
  test: TestCase,
  parent: TestCase | undefined,
): Record<string, unknown> {
  const node: Record<string, unknown> = {
    '@_classname': xmlSafe(parent ? `${result.binary}.${parent.name}` : result.binary),
    '@_name': xmlSafe(key),
  };
  const time = seconds(test.durationMs);
  if (time !== undefined) node['@_time'] = time;
  const first = test.assertions[0];
  const message = xmlSafe(first ? (assertionText(first).split('\n')[0] ?? '') : (test.reason ?? test.status));
  const text = xmlSafe(test.log.join('\n'));
  if (test.status === 'fail') node['failure'] = { '@_message': message, '@_type': 'fail', '#text': text };
  else if (test.status === 'error' || test.status === 'miss')
    node['error'] = { '@_message': message, '@_type': test.status, '#text': text };
  else if (test.status === 'skip') node['skipped'] = test.reason ? { '@_message': xmlSafe(test.reason) } : '';
  if (test.flaky) node['properties'] = { property: { '@_name': 'flaky', '@_value': 'true' } };
  return node;
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
      ...(result.complete
        ? {}
        : {
            'system-err': xmlSafe(
              `partial results: ${result.incompleteReasons.join(', ')}${result.incompleteDetail ? `: ${result.incompleteDetail}` : ''}`,
            ),
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
