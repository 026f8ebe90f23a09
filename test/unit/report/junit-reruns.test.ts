// JUnit with retries, as Maven Surefire writes them: a test that failed then passed carries
// <flakyFailure>, one that failed every attempt carries <failure> then <rerunFailure>. The document
// is checked by xmllint against the Surefire report schema, and a misordered one is rejected.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeAttempts } from '@bpf-ci/flaky';
import { newRun, type BinaryResult } from '@bpf-ci/model';
import { parseText } from '@bpf-ci/parsers';
import { toCtrf, toJUnitXml } from '@bpf-ci/report';
import { XMLParser } from 'fast-xml-parser';
import { parse as parseJUnit, type TestCase as JUnitTestCase, type TestSuites } from 'junit2json';
import { sampleText } from '../parsers/helpers.ts';

const XSD = join(import.meta.dirname, '..', '..', 'fixtures', 'junit', 'surefire-test-report-3.0.xsd');

function parsed(name: string): BinaryResult {
  const r = parseText(sampleText(name), { binary: 'test_progs' }).results[0];
  if (!r) throw new Error(`no result in ${name}`);
  return r;
}

function only(result: BinaryResult, name: string): BinaryResult {
  return { ...result, tests: result.tests.filter((t) => t.name === name) };
}

/** setget_sockopt failed then passed (flaky); a copy named differently failed on both attempts. */
function retriedRun() {
  const failed = parsed('test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log');
  const passed = parsed('test_progs-serial-pass-sockopt-ppc64-2025.log');
  const stuck = failed.tests.find((t) => t.name === 'setget_sockopt');
  if (!stuck) throw new Error('no setget_sockopt');
  const original = { ...failed, tests: [...failed.tests, { ...stuck, name: 'always_fails' }] };
  const retry = {
    ...only(passed, 'setget_sockopt'),
    tests: [...only(passed, 'setget_sockopt').tests, { ...stuck, name: 'always_fails' }],
  };
  const merged = mergeAttempts(
    original,
    [
      {
        attempt: { attempt: 2, selectors: ['setget_sockopt', 'always_fails'], commands: [], logs: [] },
        result: retry,
      },
    ],
    { maxRetries: 1, viaParent: [] },
  );
  return newRun({ arch: 'ppc64', runner: 'test_progs' }, [merged]);
}

function xmllint(xml: string): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-junit-'));
  const file = join(dir, 'junit.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

describe('JUnit reruns (Surefire)', () => {
  it('xmllint is there (Debian libxml2-utils)', () => {
    expect(
      execFileSync('xmllint', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ).toBe('');
  });

  it('flaky → flakyFailure, failed every attempt → failure + rerunFailure; valid against the Surefire schema', () => {
    const xml = toJUnitXml(retriedRun());
    const check = xmllint(xml);
    expect(check.output).toContain('validates');
    expect(check.ok).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      isArray: (n) => ['testsuite', 'testcase', 'flakyFailure', 'rerunFailure'].includes(n),
    }).parse(xml) as {
      testsuites: {
        failures: string;
        testsuite: {
          testcase: {
            name: string;
            time: string;
            failure?: { message: string };
            flakyFailure?: { message: string; type: string; stackTrace: string }[];
            rerunFailure?: { message: string; stackTrace: string }[];
          }[];
        }[];
      };
    };
    const cases = doc.testsuites.testsuite[0]?.testcase ?? [];
    const flaky = cases.find((c) => c.name === 'setget_sockopt');
    expect(flaky?.failure).toBeUndefined();
    expect(flaky?.flakyFailure).toHaveLength(1);
    expect(flaky?.flakyFailure?.[0]?.type).toBe('fail');
    expect(flaky?.flakyFailure?.[0]?.message).toMatch(/FAIL/);
    expect(flaky?.flakyFailure?.[0]?.stackTrace).toContain(':FAIL:');
    const stuck = cases.find((c) => c.name === 'always_fails');
    expect(stuck?.failure?.message).toMatch(/FAIL/);
    expect(stuck?.rerunFailure).toHaveLength(1);
    expect(doc.testsuites.failures).toBe('1');
  });

  it('a JUnit consumer (junit2json) reads it back: counts, the flaky case passing, the broken one failing', async () => {
    // junit2json keeps elements it has no type for, as JUnit readers that know Surefire's reruns do.
    type Rerun = { message?: string; type?: string };
    type Case = JUnitTestCase & { flakyFailure?: Rerun[]; rerunFailure?: Rerun[] };
    const doc = (await parseJUnit(toJUnitXml(retriedRun()))) as TestSuites;
    const suite = doc.testsuite?.[0];
    expect(doc.failures).toBe(1);
    expect(suite?.failures).toBe(1);
    const cases = (suite?.testcase ?? []) as Case[];
    expect(cases.length).toBe(suite?.tests);
    const flaky = cases.find((c) => c.name === 'setget_sockopt');
    expect(flaky?.failure).toBeUndefined();
    expect(flaky?.flakyFailure?.[0]).toMatchObject({
      type: 'fail',
      message: expect.stringMatching(/FAIL/) as unknown,
    });
    const stuck = cases.find((c) => c.name === 'always_fails');
    expect(stuck?.failure?.[0]?.message).toMatch(/FAIL/);
    expect(stuck?.rerunFailure).toHaveLength(1);
  });

  it('the schema check can fail: Surefire order broken (flakyFailure before failure) is rejected', () => {
    const xml = toJUnitXml(retriedRun()).replace(
      /(<testcase [^>]*name="always_fails"[^>]*>)/,
      '$1<flakyFailure type="fail"><stackTrace>x</stackTrace></flakyFailure>',
    );
    const check = xmllint(xml);
    expect(check.ok).toBe(false);
    expect(check.output).toContain("Element 'failure': This element is not expected");
  });

  it('CTRF: the flaky flag, and retries counted per test', () => {
    const tests = toCtrf(retriedRun()).results.tests;
    expect(tests.find((t) => t.name === 'setget_sockopt')).toMatchObject({
      status: 'passed',
      flaky: true,
      retries: 1,
    });
    expect(tests.find((t) => t.name === 'always_fails')).toMatchObject({ status: 'failed', retries: 1 });
    expect(tests.find((t) => t.name === 'always_fails')?.flaky).toBeUndefined();
  });
});
