import { newTestCase, parseRun } from '@bpf-ci/model';
import { toCtrf, toJUnitXml, toResultsJson } from '@bpf-ci/report';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { HOSTILE } from './gfm.ts';
import { failedTest, runWith, testProgsResult } from './runs.ts';

function hostileRun() {
  const result = testProgsResult(1, 1);
  result.tests.push(
    newTestCase('bpf_cookie', 'fail', {
      number: 10,
      subtests: [failedTest(2, HOSTILE.join(' ')), newTestCase('skip <me>', 'skip', { number: 3 })],
      log: ['ESC \u001b[1;31m and NUL \u0000 bytes'],
    }),
  );
  return runWith(result);
}

describe('exports', () => {
  it('JUnit XML is valid, counts tests and subtests, and keeps hostile names and logs', () => {
    const xml = toJUnitXml(hostileRun());
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => n === 'testcase' || n === 'testsuite',
    }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        skipped: string;
        testsuite: {
          name: string;
          testcase: { name: string; classname: string; failure?: { message: string; '#text': string } }[];
        }[];
      };
    };
    const suites = doc.testsuites;
    expect(suites.tests).toBe('8'); // pass_0 + 2 subtests + fail_0 + skipped_one + bpf_cookie + 2 subtests
    expect(suites.failures).toBe('3');
    expect(suites.skipped).toBe('2');
    expect(suites.testsuite[0]?.name).toBe('test_progs on x86_64 with gcc');
    const sub = suites.testsuite[0]?.testcase.find(
      (c) => c.classname === 'test_progs.bpf_cookie' && c.failure,
    );
    expect(sub?.name).toBe(`bpf_cookie/${HOSTILE.join(' ')}`);
    expect(sub?.failure?.message).toContain('<script>alert(1)</script>');
    const parent = suites.testsuite[0]?.testcase.find((c) => c.name === 'bpf_cookie');
    expect(parent?.failure?.['#text']).toBe('ESC \\x1b[1;31m and NUL \\x00 bytes');
  });

  it('CTRF maps statuses and carries the failure message and log', () => {
    const ctrf = toCtrf(hostileRun());
    expect(ctrf.reportFormat).toBe('CTRF');
    expect(ctrf.results.summary).toMatchObject({ tests: 8, passed: 3, failed: 3, skipped: 2, other: 0 });
    const fail = ctrf.results.tests.find((t) => t.name === 'fail_0');
    expect(fail).toMatchObject({
      status: 'failed',
      suite: 'test_progs on x86_64 with gcc',
      message: 'fail_0:FAIL:fail_0 unexpected fail_0: actual 10001 != expected 10006',
    });
    expect(fail?.trace).toContain('fail_0:PASS:setup 0 nsec');
    expect(ctrf.results.environment).toEqual({ arch: 'x86_64', toolchain: 'gcc', runner: 'test_progs' });
  });

  it('results.json is the validated Run and reads back equal', () => {
    const run = hostileRun();
    expect(parseRun(JSON.parse(toResultsJson(run)))).toEqual(run);
    expect(() =>
      toResultsJson({ ...run, binaries: [{ ...run.binaries[0]!, complete: 'yes' as unknown as boolean }] }),
    ).toThrow(/invalid at binaries.0.complete/);
  });
});
