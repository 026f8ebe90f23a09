// Output shapes no captured sample shows, written from the format strings in test_progs.c /
// test_progs.h / test_loader.c (tools/testing/selftests/bpf/). Each case is the
// smallest log that has the shape.
import { extractAssertions, parseText } from '@bpf-ci/parsers';
import { describe, expect, it } from 'vitest';
import { only, testNamed } from './helpers.ts';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('test_progs shapes from the format strings', () => {
  it('v6.2+ `OK (SKIP: x/y)`: passed test, skipped subtests counted', () => {
    const r = only(
      parseText(
        lines(
          '#3/1     arena_atomics/add:OK',
          '#3/9     arena_atomics/load_acquire:SKIP',
          '#3/10    arena_atomics/store_release:SKIP',
          '#3       arena_atomics:OK (SKIP: 2/10)',
          '#4       arena_htab:SKIP',
          'Summary: 2/1 PASSED, 3 SKIPPED, 0 FAILED',
        ),
      ).results,
    );
    expect(testNamed(r, 'arena_atomics').skippedSubtests).toEqual({ skipped: 2, total: 10 });
    expect(r.parsedCounts).toEqual({ passed: 2, passedSubtests: 1, skipped: 3, failed: 0 });
    expect(r.countsMismatch).toBeUndefined();
  });

  it('≤ v5.14: subtest lines without the `test/` prefix join their test by number', () => {
    const r = only(
      parseText(lines('#12/1 mov:OK', '#12/2 shift:FAIL', '#12 align:FAIL', '#13 atomics:OK')).results,
    );
    const align = testNamed(r, 'align');
    expect(align.subtests.map((s) => `${s.name}:${s.status}`)).toEqual(['mov:pass', 'shift:fail']);
    expect(r.tests.map((t) => t.name)).toEqual(['align', 'atomics']);
  });

  it('~2019 Summary without SKIPPED; patch-branch `(N not built)` and `x/y FAILED`', () => {
    const old = only(parseText(lines('#1 a:OK', '#2 b:OK', 'Summary: 2/0 PASSED, 0 FAILED')).results);
    expect(old.printedCounts).toEqual({ passed: 2, passedSubtests: 0, skipped: 0, failed: 0 });
    const patch = only(
      parseText(
        lines(
          '#1 a:FAIL',
          '#2 b:SKIP (not built)',
          'Summary: 1/0 PASSED, 1 SKIPPED (1 not built), 1/0 FAILED',
        ),
      ).results,
    );
    expect(patch.printedCounts).toEqual({ passed: 1, passedSubtests: 0, skipped: 1, failed: 1, notBuilt: 1 });
    expect(testNamed(patch, 'b').reason).toBe('not built');
  });

  it('a parallel worker crash: the Summary looks clean, the result is still incomplete', () => {
    const r = only(
      parseText(
        lines(
          './test_progs -j --debug',
          'Launching 2 workers.',
          '[1]: #1:align running.',
          '[2]: #2:bpf_iter running.',
          '[1]: #1:align done.',
          '#1       align:OK',
          '[2]: Caught signal #11!',
          'Stack trace:',
          './test_progs(crash_handler+0x28)[0x5555567ed91c]',
          '#3       atomics:OK',
          'Summary: 2/0 PASSED, 0 SKIPPED, 0 FAILED',
        ),
      ).results,
    );
    expect(r.printedCounts?.failed).toBe(0);
    expect(r.complete).toBe(false);
    expect(r.incompleteReasons).toEqual(['crash']);
    expect(r.incompleteDetail).toContain('worker 2 crashed with SIGSEGV in bpf_iter');
    const crashed = testNamed(r, 'bpf_iter');
    expect(crashed.status).toBe('error');
    expect(crashed.log).toContain('./test_progs(crash_handler+0x28)[0x5555567ed91c]');
    expect(r.variant).toBe('parallel');
    // The tool never counted the crashed test: the cross-check says so.
    expect(r.countsMismatch).toContain('failed 1 (tool: 0)');
  });

  it('the watchdog: notify, kill, then the crash handler prints the test', () => {
    const r = only(
      parseText(
        lines(
          './test_progs -w 120',
          '#1       align:OK',
          'WATCHDOG: test case bpf_iter/task_vma executes for 10 seconds...',
          'WATCHDOG: test case bpf_iter/task_vma executes for 120 seconds, terminating with SIGSEGV',
          '#2/1     bpf_iter/task_vma:FAIL',
          '#2       bpf_iter:FAIL',
          'Caught signal #11!',
          'Stack trace:',
          './test_progs(crash_handler+0x28)[0x5555567ed91c]',
        ),
      ).results,
    );
    expect(r.incompleteReasons).toEqual(['timeout', 'crash', 'no-summary']);
    const iter = testNamed(r, 'bpf_iter');
    expect(iter.status).toBe('error');
    expect(iter.reason).toBe('killed by the test_progs watchdog after 120 s (SIGSEGV)');
    expect(r.notes).toContain('test_progs watchdog: bpf_iter/task_vma was still running after 10 s');
  });

  it('flavours are named from the command or the flavour switch', () => {
    expect(only(parseText(lines('./test_progs-no_alu32 -t align', '#1 align:OK')).results).binary).toBe(
      'test_progs-no_alu32',
    );
    expect(
      only(
        parseText(lines("Switching to flavor 'cpuv4' subdirectory...", '#1 align:OK'), {
          binary: 'test_progs',
        }).results,
      ).binary,
    ).toBe('test_progs-cpuv4');
  });

  it('kselftest TIMEOUT marks the run incomplete', () => {
    const r = only(
      parseText(
        lines(
          'TAP version 13',
          '1..1',
          '# selftests: bpf: test_progs',
          '# #1       align:OK',
          'not ok 1 selftests: bpf: test_progs # TIMEOUT 45 seconds',
        ),
      ).results,
    );
    expect(r.tests.map((t) => t.name)).toEqual(['align']);
    expect(r.incompleteReasons).toEqual(['timeout', 'no-summary']);
  });

  it('≤ v5.15 FAILED also counted failed subtests: the mismatch says that explains it', () => {
    const r = only(
      parseText(
        lines('#1/1 a/x:FAIL', '#1/2 a/y:FAIL', '#1 a:FAIL', 'Summary: 0/0 PASSED, 0 SKIPPED, 3 FAILED'),
      ).results,
    );
    expect(r.countsMismatch).toContain('failed 1 (tool: 3)');
    expect(r.countsMismatch).toContain('up to v5.15');
  });

  it('an unknown binary name is refused, not parsed as test_progs', () => {
    expect(() => parseText('x\n', { binary: 'veristat' })).toThrow(/unknown binary "veristat"/);
  });

  it('a result line a mail client wrapped is joined again', () => {
    const r = only(
      parseText(
        lines(
          '#382/2   verifier_sdiv/SDIV32, non-zero imm divisor, check 1 ',
          '@unpriv:OK',
          '#382     verifier_sdiv:OK',
        ),
      ).results,
    );
    expect(testNamed(r, 'verifier_sdiv').subtests.map((s) => s.name)).toEqual([
      'SDIV32, non-zero imm divisor, check 1 @unpriv',
    ]);
  });

  it('a huge failure log is bounded: its first and last lines kept, the cut said', () => {
    const log = Array.from({ length: 50_000 }, (_, i) => `verifier line ${i}`);
    const r = only(
      parseText(
        lines(
          './test_progs -v',
          ...log,
          'run:FAIL:x unexpected x: actual 1 != expected 2',
          '#1       big:FAIL',
        ),
      ).results,
    );
    const kept = only(r.tests).log;
    expect(kept.length).toBeLessThanOrEqual(10_001);
    expect(kept[0]).toBe('verifier line 0');
    expect(kept).toContain('[bpf-ci: 40001 log lines not kept]');
    // Before any line says which binary runs, only the last 500 unknown lines wait (boot noise).
    const noCommand = only(parseText(lines(...log, '#1       big:FAIL')).results);
    expect(only(noCommand.tests).log[0]).toBe('verifier line 49500');
    expect(kept.at(-1)).toBe('run:FAIL:x unexpected x: actual 1 != expected 2');
    expect(only(r.tests).assertions[0]).toMatchObject({ actual: '1', expected: '2' });
  });

  it('`#N name: Failed to join cgroup` is a log line, not a result', () => {
    const r = only(
      parseText(
        lines("#5 cgroup_attach: Failed to join cgroup '/x' (errno=2)", '#5       cgroup_attach:FAIL'),
      ).results,
    );
    expect(only(r.tests).log).toEqual(["#5 cgroup_attach: Failed to join cgroup '/x' (errno=2)"]);
  });
});

describe('every assertion form', () => {
  it('ASSERT_* relations, strings, substrings, booleans, pointers, fds', () => {
    const got = extractAssertions([
      'run:FAIL:cnt unexpected cnt: actual 3 >= expected 2',
      "run:FAIL:name unexpected name: actual 'foo' != expected 'bar'",
      "run:FAIL:log unexpected log: 'needle' is not a substring of 'haystack'",
      'run:FAIL:ok unexpected ok: got FALSE',
      'run:FAIL:skel unexpected pointer: 0000000000000000',
      'run:FAIL:fd unexpected fd: -1 (errno 2)',
      'run:FAIL:load must fail unexpected success: 0',
    ]);
    expect(got.map((a) => [a.tag, a.actual, a.relation, a.expected])).toEqual([
      ['cnt', '3', '>=', '2'],
      ['name', 'foo', '!=', 'bar'],
      ['log', 'haystack', 'not a substring of', 'needle'],
      ['ok', 'FALSE', undefined, 'TRUE'],
      ['skel', '0000000000000000', undefined, undefined],
      ['fd', '-1', undefined, 'a valid fd (>= 0)'],
      ['load must fail', '0', undefined, 'an error (< 0)'],
    ]);
    expect(got.every((a) => a.kind === 'assert' && a.func === 'run')).toBe(true);
  });

  it('a tag that repeats "unexpected" splits where the tag repeats', () => {
    const [a] = extractAssertions([
      'verify_tsk:FAIL:unexpected invoked count unexpected unexpected invoked count: actual 1 != expected 2',
    ]);
    expect(a).toMatchObject({ tag: 'unexpected invoked count', actual: '1', expected: '2' });
  });

  it('CHECK, CHECK_FAIL, PRINT_FAIL, bpf_find_map', () => {
    const got = extractAssertions([
      'test_foo:FAIL:bpf_prog_test_run err -1 errno 22 retval 0',
      'test_bar:FAIL:123',
      'test_baz:FAIL:456 wrong value 7',
      "test_qux:FAIL:map 'counts' not found",
    ]);
    expect(got.map((a) => [a.kind, a.tag, a.message, a.sourceLine])).toEqual([
      ['check', 'bpf_prog_test_run', 'err -1 errno 22 retval 0', undefined],
      ['check_fail', '', '', 123],
      ['check_fail', 'wrong value 7', 'wrong value 7', 456],
      ['check', 'map', "'counts' not found", undefined],
    ]);
  });

  it('test_loader: expect_msg failure and the EXPECTED lines with their pattern', () => {
    const got = extractAssertions([
      'VERIFIER LOG:',
      '=============',
      '0: R1=ctx() R10=fp0',
      '=============',
      'validate_msgs:FAIL:182 expect_msg',
      "EXPECTED   SUBSTR: 'R0 invalid mem access'",
      "MATCHED    SUBSTR: 'R1=ctx()'",
      'Unexpected retval: 1 != 0',
    ]);
    expect(got.map((a) => [a.kind, a.tag, a.expected, a.actual])).toEqual([
      ['verifier', 'expect_msg', undefined, undefined],
      ['verifier', 'substr', 'R0 invalid mem access', undefined],
      ['verifier', 'retval', '0', '1'],
    ]);
    expect(got[0]?.sourceLine).toBe(182);
  });
});
