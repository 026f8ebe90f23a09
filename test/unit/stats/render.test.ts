// Untrusted test names in the tables and the step summary: no workflow command, no escape from
// the code block.
import { describe, expect, it } from 'vitest';
import { SqliteDatabase, Store, answerForSummary, generateHistory, recordOf, safeCell } from '@bpf-ci/stats';

describe('stats rendering', () => {
  it('breaks :: and shows control characters escaped', () => {
    expect(safeCell('::error::owned\nx')).toBe(':\u200b:error:\u200b:owned\\u000ax');
  });

  it('keeps a test name with backticks inside the summary code block', async () => {
    const history = generateHistory({
      seed: 4,
      runs: 6,
      start: 1.7e9,
      interval: 3600,
      arches: ['x86_64'],
      toolchains: ['gcc'],
      runners: ['test_progs'],
      testsPerRunner: 3,
      broken: 1,
      flaky: 0,
    });
    const evil = '```\n::error::pwned `x`';
    const store = await Store.open(new SqliteDatabase(':memory:'));
    for (const run of history.runs) {
      const record = recordOf({ ...run, artifacts: 'bundle' });
      for (const job of record.jobs) {
        if (!job.results) continue;
        const rename = <T extends { name: string }>(t: T): T =>
          t.name === history.breaking[0]!.test.name ? { ...t, name: evil } : t;
        job.results = {
          ...job.results,
          reported: job.results.reported.map(rename),
          exceptions: job.results.exceptions.map(rename),
        };
      }
      await store.ingestRun(record);
    }
    const md = await answerForSummary(store.db, ['top-failures'], 'kernel-patches/bpf');
    const fence = /^(`{4,})text$/m.exec(md)![1]!;
    const inside = md.slice(md.indexOf(`${fence}text\n`) + fence.length + 5, md.lastIndexOf(fence));
    expect(inside).toContain('pwned `x`');
    expect(inside).not.toContain(fence);
    expect(md.split('\n').some((l) => l.startsWith('::'))).toBe(false);
    await store.close();
  });
});
