// The -J JSON summary alone and merged with the same run's stdout.
import { mergeJsonSummary, parseFile, parseText } from '@bpf-ci/parsers';
import { describe, expect, it } from 'vitest';
import { only, sample, sampleText, subNamed, testNamed } from './helpers.ts';

const JSON_FILE = 'test_progs-json-summary-aarch64-2023.json';

describe('JSON summary', () => {
  it('alone: counters are the Summary numbers, failed tests with their logs and assertions', async () => {
    const parsed = await parseFile(sample(JSON_FILE));
    expect(parsed.format).toBe('test_progs_json');
    const r = only(parsed.results);
    // {"success":29,"success_subtest":23,"skipped":3,"failed":28,...} and 28 entries in results[].
    expect(r.printedCounts).toEqual({ passed: 29, passedSubtests: 23, skipped: 3, failed: 28 });
    expect(r.parsedCounts.failed).toBe(28);
    expect(r.countsMismatch).toBeUndefined();
    const cookie = testNamed(r, 'bpf_cookie');
    expect(cookie.number).toBe(10);
    expect(cookie.log).toEqual(['test_bpf_cookie:PASS:skel_open 0 nsec']);
    expect(subNamed(cookie, 'lsm').assertions[0]).toMatchObject({
      tag: 'stack_mprotect',
      actual: '0',
      expected: '-1',
    });
  });

  it('merged into stdout that was cut: counters fill printedCounts, missing failures and logs are added', () => {
    const stdout = [
      '#10/2    bpf_cookie/multi_kprobe_link_api:FAIL',
      '#10/3    bpf_cookie/multi_kprobe_attach_api:FAIL',
      '#10/8    bpf_cookie/lsm:FAIL',
      '#10      bpf_cookie:FAIL',
      '#11      bpf_iter:OK',
      '#15/1    bpf_mod_race/ksym (used_btfs UAF):F',
    ].join('\n');
    const cut = only(parseText(stdout).results);
    expect(cut.complete).toBe(false);
    expect(cut.incompleteReasons).toEqual(['no-summary', 'truncated']);
    const merged = mergeJsonSummary(cut, sampleText(JSON_FILE));
    expect(merged.printedCounts).toEqual({ passed: 29, passedSubtests: 23, skipped: 3, failed: 28 });
    expect(merged.summaryLine).toBe('Summary: 29/23 PASSED, 3 SKIPPED, 28 FAILED (from the JSON summary)');
    const cookie = testNamed(merged, 'bpf_cookie');
    expect(cookie.subtests).toHaveLength(3);
    expect(subNamed(cookie, 'lsm').log).toContain('lsm_subtest:PASS:lsm.link_create 0 nsec');
    // bpf_iter passed on stdout and stays; 27 failures come from the JSON only; none is counted twice.
    expect(merged.tests.filter((t) => t.name === 'bpf_cookie')).toHaveLength(1);
    expect(merged.parsedCounts).toMatchObject({ passed: 1, failed: 28 });
    expect(merged.countsMismatch).toContain('passed 1 (tool: 29)');
    expect(merged.notes.join('\n')).toContain('test_progs reached its end');
    // Pure: the input result is untouched.
    expect(cut.printedCounts).toBeUndefined();
  });

  it('empty or cut JSON (test_progs crashed): a note, nothing lost, no exception', () => {
    const r = only(parseText(sampleText('test_progs-serial-pass-sockopt-ppc64-2025.log')).results);
    const empty = mergeJsonSummary(r, '');
    expect(empty.tests).toEqual(r.tests);
    expect(empty.printedCounts).toEqual(r.printedCounts);
    expect(empty.notes.at(-1)).toContain('empty');
    const cut = mergeJsonSummary(r, sampleText(JSON_FILE).slice(0, 5000));
    expect(cut.tests).toEqual(r.tests);
    expect(cut.notes.at(-1)).toContain('not valid JSON');
    const alone = only(parseText('{"success":1,"succ').results);
    expect(alone.complete).toBe(false);
    expect(alone.incompleteDetail).toContain('not valid JSON');
  });

  it('merged with a complete stdout that disagrees: the difference is a note, stdout counts stay', () => {
    const r = only(parseText(sampleText('test_progs-serial-pass-sockopt-ppc64-2025.log')).results);
    const merged = mergeJsonSummary(
      r,
      '{"success":7,"success_subtest":40,"skipped":0,"failed":0,"results":[]}',
    );
    expect(merged.printedCounts).toEqual(r.printedCounts);
    expect(merged.notes.at(-1)).toContain('disagrees');
  });
});
