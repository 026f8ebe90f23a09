import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  binaryConclusion,
  flakyTests,
  fromKcidbStatus,
  mergeRetry,
  newBinaryResult,
  newRun,
  newTestCase,
  parseRun,
  resultsJsonSchema,
  SCHEMA_VERSION,
  TestStatus,
  toKcidbStatus,
  totalCounts,
} from '@bpf-ci/model';

describe('statuses', () => {
  it('map one to one onto KCIDB statuses', () => {
    const kcidb = TestStatus.options.map(toKcidbStatus);
    expect(new Set(kcidb)).toEqual(new Set(['PASS', 'FAIL', 'ERROR', 'MISS', 'SKIP', 'DONE']));
    for (const s of TestStatus.options) expect(fromKcidbStatus(toKcidbStatus(s))).toBe(s);
  });
});

describe('retries', () => {
  it('keeps every attempt and marks fail-then-pass as flaky', () => {
    const first = newBinaryResult('test_progs', {
      tests: [
        newTestCase('netcnt', 'fail', { log: ['netcnt:FAIL:x unexpected x: actual 1 != expected 2'] }),
        newTestCase('align', 'pass'),
      ],
    });
    const retry = newBinaryResult('test_progs', { tests: [newTestCase('netcnt', 'pass')] });
    const merged = mergeRetry(first, retry, 'retry 1');
    const netcnt = merged.tests.find((t) => t.name === 'netcnt');
    expect(netcnt?.status).toBe('pass');
    expect(netcnt?.flaky).toBe(true);
    expect(netcnt?.attempts).toHaveLength(1);
    expect(netcnt?.attempts[0]?.status).toBe('fail');
    expect(netcnt?.attempts[0]?.log[0]).toContain('actual 1 != expected 2');
    expect(flakyTests(merged)).toEqual(['netcnt']);
    expect(binaryConclusion(merged)).toBe('success');
  });

  it('a test failing on every attempt stays failed and is not flaky', () => {
    const first = newBinaryResult('test_progs', { tests: [newTestCase('a', 'fail')] });
    const merged = mergeRetry(first, newBinaryResult('test_progs', { tests: [newTestCase('a', 'fail')] }));
    expect(merged.tests[0]?.flaky).toBeUndefined();
    expect(merged.tests[0]?.attempts).toHaveLength(1);
    expect(binaryConclusion(merged)).toBe('failure');
  });
});

describe('conclusion', () => {
  it('an incomplete run is an error, not a success with zero failures', () => {
    const r = newBinaryResult('test_progs', { complete: false, incompleteReasons: ['kernel-panic'] });
    expect(binaryConclusion(r)).toBe('error');
  });

  it('sums printed counts where the tool printed them', () => {
    const a = newBinaryResult('test_progs', {
      printedCounts: { passed: 355, passedSubtests: 3013, skipped: 13, failed: 1 },
      parsedCounts: { passed: 0, skipped: 0, failed: 0 },
    });
    const b = newBinaryResult('test_verifier', { parsedCounts: { passed: 10, skipped: 1, failed: 0 } });
    expect(totalCounts([a, b])).toEqual({ passed: 365, passedSubtests: 3013, skipped: 14, failed: 1 });
  });
});

describe('results.json', () => {
  it('round-trips through the schema and rejects other versions with a clear error', () => {
    const run = newRun({ arch: 'x86_64', toolchain: 'gcc' }, [
      newBinaryResult('test_progs', {
        tests: [newTestCase('t', 'pass', { subtests: [newTestCase('s', 'skip')] })],
      }),
    ]);
    expect(parseRun(JSON.parse(JSON.stringify(run)))).toEqual(run);
    expect(() => parseRun({ ...run, schemaVersion: 99 }, 'out/results.json')).toThrow(
      /out\/results.json: schemaVersion 99 is not supported/,
    );
    expect(() => parseRun({ ...run, binaries: [{ binary: 3 }] })).toThrow(/invalid at binaries\.0\.binary/);
  });

  it('publishes a JSON schema with the version', () => {
    const schema = resultsJsonSchema();
    expect(String(schema['$id'])).toContain(`v${SCHEMA_VERSION}`);
    expect(JSON.stringify(schema)).toContain('"schemaVersion"');
  });

  it('packages/model/results.schema.json is the schema of this model (npm run build:schema)', () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'packages', 'model', 'results.schema.json');
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(resultsJsonSchema(), null, 2)}\n`);
  });
});
