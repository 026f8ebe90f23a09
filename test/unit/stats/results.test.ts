// Reading results.json files out of artifacts: the committed v1 files the project's parser wrote,
// a newer schema version recorded as such, and broken files recorded as invalid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { ZipError, readResultsJson, readResultsZip } from '@bpf-ci/stats';

const FIXTURES = join(import.meta.dirname, '../../fixtures/stats');
const v1 = readFileSync(join(FIXTURES, 'results-v1-test_progs-debian6.1.json'), 'utf8');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('results.json in artifacts', () => {
  it('reads a v1 results.json and keeps every outcome the Summary line counts', () => {
    // test_progs-debian6.1-tcg.log ends with "Summary: 250/1276 PASSED, 50 SKIPPED, 20 FAILED".
    const file = readResultsJson(v1, 'results.json');
    expect(file.state).toBe('ok');
    if (file.state !== 'ok') return;
    const r = file.parsed.results;
    const top = (name: string): boolean => !name.includes('/');
    const failed = new Set(r.exceptions.filter((e) => e.status !== 'pass').map((e) => e.name));
    const skipped = new Set(r.skipped.map((s) => s.name));
    const passed = r.reported.filter((t) => !failed.has(t.name) && !skipped.has(t.name));
    // test_progs counts a skipped test among the PASSED ones: 240 passed + 10 skipped.
    expect(passed.filter((t) => top(t.name)).length + r.skipped.filter((t) => top(t.name)).length).toBe(250);
    expect(r.exceptions.filter((e) => top(e.name) && e.status === 'fail').length).toBe(20);
    // Every test and subtest of the file is kept, with its verdict.
    const binary = file.parsed.run.binaries[0]!;
    const all = binary.tests.flatMap((t) => [t, ...t.subtests]);
    expect(r.reported.length).toBe(all.length);
    expect(r.skipped.length).toBe(all.filter((t) => t.status === 'skip').length);
    expect(failed.size).toBe(all.filter((t) => t.status !== 'pass' && t.status !== 'skip').length);
    expect(file.parsed.run.binaries[0]!.summaryLine).toBe('Summary: 250/1276 PASSED, 50 SKIPPED, 20 FAILED');
  });

  it('records a newer schemaVersion as unknown and a broken file as invalid, and reads the rest', () => {
    const newer = JSON.stringify({ ...JSON.parse(v1), schemaVersion: 2 });
    const zip = zipSync({
      'a/results.json': enc(v1),
      'b/results.json': enc(newer),
      'c/results.json': enc('{"schemaVersion": 1, "context": {}'),
      'd/results.json': enc(
        JSON.stringify({ schemaVersion: 1, context: {}, binaries: 'x', events: [], sources: [] }),
      ),
      'd/console.log': enc('not read'),
    });
    const files = readResultsZip(zip, 'bpf-ci-results-bundle');
    expect(files.map((f) => [f.path, f.state])).toEqual([
      ['a/results.json', 'ok'],
      ['b/results.json', 'unknown-schema'],
      ['c/results.json', 'invalid'],
      ['d/results.json', 'invalid'],
    ]);
    expect(files[1]).toMatchObject({
      detail: expect.stringContaining('schemaVersion 2 is newer') as unknown,
    });
    expect(files[3]).toMatchObject({ detail: expect.stringContaining('invalid at binaries') as unknown });
  });

  it('says a cut-off zip is not readable', () => {
    const zip = zipSync({ 'a/results.json': enc(v1) });
    expect(() => readResultsZip(zip.subarray(0, zip.length / 2), 'results-test_progs')).toThrow(ZipError);
  });
});
