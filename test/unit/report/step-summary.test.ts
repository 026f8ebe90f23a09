import { execFileSync } from 'node:child_process';
import { newTestCase } from '@bpf-ci/model';
import { shellQuote } from '@bpf-ci/domain';
import { renderStepSummary } from '@bpf-ci/report';
import { describe, expect, it } from 'vitest';
import { elements, text, HOSTILE } from './gfm.ts';
import { assertion, failedTest, runWith, testProgsResult } from './runs.ts';
import { checkSummary, statusRows } from './summary-structure.ts';

describe('step summary', () => {
  it('quotes names for the repro command so a pasted command runs exactly that test', () => {
    expect(shellQuote('netcnt')).toBe('netcnt');
    expect(shellQuote('sockopt/getsockopt: read ctx->level')).toBe("'sockopt/getsockopt: read ctx->level'");
    expect(shellQuote("it's $(rm -rf ~)")).toBe(`'it'\\''s $(rm -rf ~)'`);
    const echoed = execFileSync('sh', ['-c', `printf %s ${shellQuote('it\'s $(id) `x` \\ "q"')}`], {
      encoding: 'utf8',
    });
    expect(echoed).toBe('it\'s $(id) `x` \\ "q"');
  });

  it('shows the heading, the counts line, the status table, the failure with its assertion and the skipped tests', () => {
    const result = testProgsResult(0, 3);
    result.tests.push(failedTest(141, 'netcnt', assertion('netcnt', 'netcnt', '10001', '10006')));
    result.printedCounts = { passed: 4, passedSubtests: 6, skipped: 1, failed: 1 };
    const md = renderStepSummary(runWith(result));
    expect(md.startsWith('## ❌ test\\_progs on x86\\_64 with gcc\n')).toBe(true);
    expect(md).toContain('**Success: 4/6, Skipped: 1, Failed: 1**');
    const r = checkSummary(md);
    expect(statusRows(r)).toEqual([
      ['❌ Failed', '1', '0'],
      ['✅ Passed', '3', '6'],
      ['⏭️ Skipped', '1', '0'],
    ]);
    const summaries = r.details.map((d) => text(elements(d, 'summary')[0] ?? d));
    expect(summaries).toEqual(['❌ #141 netcnt: netcnt: actual 10001 != expected 10006', '⏭️ Skipped (1)']);
    const failure = r.details[0];
    if (!failure) throw new Error('no failure block');
    // The assertion highlighted in a diff block, then the whole log.
    const [diff, log] = elements(failure, 'code');
    expect(diff?.attrs).toContainEqual({ name: 'class', value: 'language-diff' });
    expect(text(diff ?? failure)).toBe(
      '- netcnt:FAIL:netcnt unexpected netcnt: actual 10001 != expected 10006\n',
    );
    expect(text(log ?? failure)).toBe(
      'netcnt:PASS:setup 0 nsec\nnetcnt:FAIL:netcnt unexpected netcnt: actual 10001 != expected 10006\n',
    );
    expect(elements(r.details[1] ?? failure, 'li').map(text)).toEqual(['skipped_one']);
  });

  it('puts kernel splats before failures and names the running test', () => {
    const result = testProgsResult(1, 1);
    result.events.push({
      kind: 'bad-page',
      title: 'BUG: Bad page state in process test_progs  pfn:11c4a',
      lines: [
        'BUG: Bad page state in process test_progs  pfn:11c4a',
        'Call Trace:',
        ' <IRQ>',
        ' dump_stack_lvl+0x5d/0x80',
      ],
      callTrace: [' dump_stack_lvl+0x5d/0x80'],
      test: 'xsk/rx_dropped',
    });
    const r = checkSummary(renderStepSummary(runWith(result)));
    const summaries = r.details.map((d) => text(elements(d, 'summary')[0] ?? d));
    expect(summaries[0]).toBe(
      '🔥 BUG: Bad page state in process test_progs  pfn:11c4a while running xsk/rx_dropped',
    );
    expect(summaries[1]).toMatch(/^❌ #\d+ fail_0/);
    expect(r.details[0]?.attrs.map((a) => a.name)).toContain('open');
  });

  it('says partial and why, naming the test that was running', () => {
    const result = testProgsResult(0, 2, {
      complete: false,
      incompleteReasons: ['crash', 'no-summary'],
      incompleteDetail: 'test_progs crashed with signal 11 while running bpf_tcp_ca/dctcp',
      printedCounts: undefined,
    });
    delete result.printedCounts;
    result.tests.push(
      newTestCase('bpf_tcp_ca', 'error', {
        number: 9,
        reason: 'crashed with signal 11',
        log: ['Caught signal #11!'],
      }),
    );
    const md = renderStepSummary(runWith(result));
    const r = checkSummary(md);
    expect(r.text).toContain(
      '⚠️ Partial results: test_progs crashed with signal 11 while running bpf_tcp_ca/dctcp.',
    );
    expect(r.text).toContain('the tool printed no Summary');
    expect(statusRows(r)[0]).toEqual(['💥 Error (crash, timeout)', '1', '0']);
    expect(md.startsWith('## 💥')).toBe(true);
  });

  it.each([0, 1, 9, 10, 11, 500])('renders every one of %i failures, complete and well formed', (n) => {
    const md = renderStepSummary(runWith(testProgsResult(n, 5)));
    const r = checkSummary(md);
    const failures = r.details.filter((d) => text(elements(d, 'summary')[0] ?? d).startsWith('❌'));
    expect(failures).toHaveLength(n);
    expect(md).toContain(`**Success: 6/10, Skipped: 1, Failed: ${n}**`);
    expect(md).not.toContain('truncated');
  });

  it('stays within the byte budget and says how many failures it left out', () => {
    // 500 failures with 400-line logs of multi-byte text: far more than 1 MiB.
    const result = testProgsResult(500, 5);
    for (const t of result.tests)
      if (t.status === 'fail')
        t.log = Array.from({ length: 400 }, (_, i) => `ünïcödé log line ${i} ${'█'.repeat(20)}`);
    const md = renderStepSummary(runWith(result));
    const bytes = Buffer.byteLength(md);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024 - 8 * 1024);
    expect(bytes).toBeGreaterThan(900 * 1024); // the budget is used, not wasted
    const r = checkSummary(md);
    const shown = r.details.filter((d) => text(elements(d, 'summary')[0] ?? d).startsWith('❌')).length;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(500);
    expect(md).toContain(`**truncated: ${500 - shown} more failed tests not shown**`);
    expect(r.text).toContain('❌ Failures (500)');
  });

  it('drops logs before failures when even the headlines barely fit', () => {
    const result = testProgsResult(50, 0);
    for (const t of result.tests)
      if (t.status === 'fail') t.log = Array.from({ length: 200 }, () => 'x'.repeat(100));
    const md = renderStepSummary(runWith(result), { budgetBytes: 40 * 1024 });
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(40 * 1024);
    expect(md).toContain('not shown: the summary is limited to 1 MiB');
    checkSummary(md);
  });

  it('escapes hostile test names and logs: nothing injected, nothing lost', () => {
    const result = testProgsResult(0, 0);
    HOSTILE.forEach((name, i) => {
      result.tests.push(
        newTestCase(name, 'fail', {
          number: 100 + i,
          log: HOSTILE,
          assertions: [
            { kind: 'assert', func: 'f', tag: name, message: `unexpected ${name}: actual 1 != expected 2` },
          ],
          subtests: [newTestCase(name, 'skip', { number: 1 })],
        }),
      );
    });
    const md = renderStepSummary(runWith(result), { repro: 'bpf-ci run -- ./{binary} -a {test}' });
    const r = checkSummary(md);
    expect(elements(r.details[0] ?? r.details[0]!, 'script')).toEqual([]);
    const summaries = r.details.map((d) => text(elements(d, 'summary')[0] ?? d));
    HOSTILE.forEach((name, i) => {
      expect(summaries[i]).toBe(`❌ #${100 + i} ${name}: ${name}: actual 1 != expected 2`);
      // the whole log, verbatim, in a code block
      expect(elements(r.details[i]!, 'code').map(text)).toContain(`${HOSTILE.join('\n')}\n`);
    });
    // skipped subtests listed by their exact names
    const skipped = r.details.at(-1);
    expect(elements(skipped!, 'li').map(text)).toEqual(['skipped_one', ...HOSTILE.map((n) => `${n}/${n}`)]);
    // the repro command quotes the name for the shell
    expect(r.text).toContain(`bpf-ci run -- ./test_progs -a '<script>alert(1)</script>'\n`);
    expect(r.text).toContain(`bpf-ci run -- ./test_progs -a '[link](javascript:alert(1))'\n`);
    expect(r.text).toContain(`bpf-ci run -- ./test_progs -a '${'$'}{{ github.token }}'\n`);
  });

  it('keeps a multi-line reason inside its <summary>', () => {
    const result = testProgsResult(0, 0);
    result.tests.push(
      newTestCase('crashy', 'error', { number: 5, reason: 'crashed\n\n<b>**not markdown**</b>\r\nend' }),
    );
    const r = checkSummary(renderStepSummary(runWith(result)));
    expect(text(elements(r.details[0]!, 'summary')[0]!)).toBe(
      '💥 #5 crashy: crashed <b>**not markdown**</b> end',
    );
  });

  it('lists flaky tests with their first failure', () => {
    const result = testProgsResult(0, 1);
    const flaky = newTestCase('tc_redirect', 'pass', {
      number: 7,
      flaky: true,
      attempts: [{ status: 'fail', log: [], assertions: [assertion('tc', 'ping', '1', '0')] }],
    });
    result.tests.push(flaky);
    const r = checkSummary(renderStepSummary(runWith(result)));
    expect(r.text).toContain(
      '🔁 tc_redirect (fail → pass): tc:FAIL:ping unexpected ping: actual 1 != expected 0',
    );
    expect(statusRows(r)).toContainEqual(['🔁 Flaky (passed on retry)', '1', '']);
  });

  it('renders one section per binary under a job heading', () => {
    const run = runWith(testProgsResult(1, 1), { ...testProgsResult(0, 1), binary: 'test_progs-no_alu32' });
    delete run.context.runner;
    const md = renderStepSummary(run);
    expect(md).toMatch(/^## ❌ BPF selftests on x86\\_64 with gcc\n/);
    expect(md).toContain('### ❌ test\\_progs on x86\\_64 with gcc');
    expect(md).toContain('### ✅ test\\_progs\\-no\\_alu32 on x86\\_64 with gcc');
    checkSummary(md);
  });

  it('says so when there are no results at all', () => {
    const r = checkSummary(renderStepSummary(runWith()));
    expect(r.text).toContain('No selftest results were found');
  });
});
