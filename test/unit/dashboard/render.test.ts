// The site's pure parts: escaping, links, data scripts, and the week arithmetic of the charts.
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  dataScript,
  durationCharts,
  html,
  quarantineStatus,
  safeUrl,
  testPageFile,
  weeklyRates,
} from '@bpf-ci/dashboard';
import { parseQuarantine } from '@bpf-ci/flaky';
import type { FlakyRow, RateCounts } from '@bpf-ci/stats';

const counts = (total: number, success: number, failure: number, cancelled: number): RateCounts => ({
  total,
  success,
  failure,
  cancelled,
  other: total - success - failure - cancelled,
  successPct: 0,
  failurePct: 0,
  cancelledPct: 0,
});

describe('dashboard rendering', () => {
  it('escapes every interpolated value and keeps only http(s) links', () => {
    const name = '<script>alert(1)</script>"\'&';
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;';
    expect(html`<td title="${name}">${name}</td>`.html).toBe(`<td title="${escaped}">${escaped}</td>`);
    expect(safeUrl('https://github.com/o/r/actions/runs/1/job/2')).toBe(
      'https://github.com/o/r/actions/runs/1/job/2',
    );
    expect(safeUrl('javascript:alert(1)')).toBeNull();
    expect(safeUrl('data:text/html,x')).toBeNull();
  });

  it('a data script cannot end its own script element, and evaluates back to the data', () => {
    const value = { test: '</script><img src=x>', n: 1 };
    const text = dataScript(value);
    expect(text).not.toContain('</script');
    const window: Record<string, unknown> = {};
    runInNewContext(text, { window });
    expect(window['BPF_CI_DASHBOARD']).toEqual(value);
  });

  it('test pages are named by a hash, whatever the test is called', () => {
    expect(testPageFile('test_progs', '../../etc/passwd')).toMatch(/^tests\/[0-9a-f]{16}\.html$/);
    expect(testPageFile('a', 'b')).not.toBe(testPageFile('a\0b', ''));
  });

  it("a week's counts are the difference of two cumulative answers", () => {
    expect(weeklyRates(counts(10, 6, 3, 1), counts(4, 2, 2, 0))).toMatchObject({
      total: 6,
      success: 4,
      failure: 1,
      cancelled: 1,
      other: 0,
    });
  });

  it('one duration chart per kind and percentile, one series per arch × toolchain × runner, gaps as null', () => {
    const charts = durationCharts([
      {
        week: '2026-03-02',
        kind: 'build',
        arch: 'x86_64',
        toolchain: 'gcc',
        runner: '',
        jobs: 2,
        p50Seconds: 600,
        p90Seconds: 900,
      },
      {
        week: '2026-03-09',
        kind: 'test',
        arch: 'x86_64',
        toolchain: 'gcc',
        runner: 'test_progs',
        jobs: 2,
        p50Seconds: 60,
        p90Seconds: 120,
      },
    ]);
    expect(charts.map((c) => c.id)).toEqual(['build-p50', 'build-p90', 'test-p50', 'test-p90']);
    expect(charts[0]!.x).toEqual([Date.parse('2026-03-02') / 1000, Date.parse('2026-03-09') / 1000]);
    expect(charts[0]!.series).toEqual([{ label: 'x86_64 gcc', values: [10, null] }]);
    expect(charts[3]!.series).toEqual([{ label: 'x86_64 gcc (test_progs)', values: [null, 2] }]);
  });

  it('the quarantine status of a flaky row: active, expired, limited to variants', () => {
    const file = parseQuarantine(
      [
        'quarantine:',
        '  - test: "net*"',
        '    variants: [{ arch: aarch64 }]',
        '    reason: flaky under TCG',
        '    link: https://lore.kernel.org/bpf/',
        '    owner: a@example.org',
        '    expires: 2026-06-01',
      ].join('\n'),
    );
    const row = {
      test: 'netcnt',
      arch: 'aarch64',
      toolchain: 'gcc',
      runner: 'test_progs',
      accelerator: 'tcg',
    } as FlakyRow;
    expect(quarantineStatus(file, row, '2026-05-01')).toMatchObject({ quarantined: true, expired: false });
    expect(quarantineStatus(file, row, '2026-07-01')).toMatchObject({ quarantined: false, expired: true });
    expect(quarantineStatus(file, { ...row, arch: 'x86_64' }, '2026-05-01')).toEqual({
      quarantined: false,
      expired: false,
    });
  });
});
