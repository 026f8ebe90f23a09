import { newTestCase } from '@bpf-ci/model';
import type { Annotation } from '@bpf-ci/protocol';
import { annotationCommands, buildAnnotations } from '@bpf-ci/report';
import { describe, expect, it } from 'vitest';
import { HOSTILE } from './gfm.ts';
import { assertion, failedTest, runWith, testProgsResult } from './runs.ts';
import { runnerCommands } from './runner-sim.ts';

const count = (list: Annotation[], level: Annotation['level']): number =>
  list.filter((a) => a.level === level).length;

describe('annotations', () => {
  it('titles a failure with runner, arch, toolchain and test; the message is the failed assertion', () => {
    const result = testProgsResult(0, 1);
    const netcnt = failedTest(141, 'netcnt', assertion('netcnt', 'netcnt', '10001', '10006'));
    netcnt.log = ['libbpf: prog loaded', 'netcnt:PASS:setup 0 nsec', ...netcnt.log.slice(1), 'cleanup done'];
    result.tests.push(netcnt);
    result.printedCounts = { passed: 2, passedSubtests: 2, skipped: 1, failed: 1 };
    expect(buildAnnotations(runWith(result))).toEqual([
      {
        level: 'error',
        title: 'test_progs on x86_64 with gcc: #141 netcnt',
        message: 'netcnt:FAIL:netcnt unexpected netcnt: actual 10001 != expected 10006\nlibbpf: prog loaded',
      },
      {
        level: 'notice',
        title: 'test_progs on x86_64 with gcc',
        message: 'test_progs: Success: 2/2, Skipped: 1, Failed: 1',
      },
    ]);
  });

  it.each([
    [0, 0, false],
    [1, 1, false],
    [9, 9, false],
    [10, 10, false],
    [11, 10, true],
    [500, 10, true],
  ])('%i failures give %i error annotations (overflow notice: %s)', (failures, errors, overflow) => {
    const list = buildAnnotations(runWith(testProgsResult(failures, 3)));
    expect(count(list, 'error')).toBe(errors);
    expect(count(list, 'notice')).toBe(overflow ? 2 : 1);
    expect(list.length).toBeLessThanOrEqual(30);
    const last = list.at(-1);
    if (overflow) {
      expect(last?.title).toBe(`test_progs on x86_64 with gcc: ${failures - 10} more in the step summary`);
      expect(last?.message).toContain(
        `${failures - 10} more annotations (${failures - 10} failure${failures - 10 === 1 ? '' : 's'})`,
      );
    } else expect(last?.message).toBe(`test_progs: Success: 4/6, Skipped: 1, Failed: ${failures}`);
  });

  it('ranks kernel splats and partial runs before failures, failures before flaky tests', () => {
    const result = testProgsResult(12, 1, {
      complete: false,
      incompleteReasons: ['kernel-panic'],
      incompleteDetail: 'the kernel panicked while running xdp/bonding',
    });
    result.tests.push(
      newTestCase('flaky_one', 'pass', {
        number: 90,
        flaky: true,
        attempts: [{ status: 'fail', log: [], assertions: [] }],
      }),
    );
    result.events.push({
      kind: 'panic',
      title: 'Kernel panic - not syncing: Oops: Fatal exception',
      lines: [],
      callTrace: [' bpf_prog_run+0x10'],
      test: 'xdp/bonding',
    });
    const list = buildAnnotations(runWith(result));
    expect(list[0]?.title).toBe('test_progs on x86_64 with gcc: kernel panic while running xdp/bonding');
    expect(list[0]?.message).toBe('Kernel panic - not syncing: Oops: Fatal exception\n bpf_prog_run+0x10');
    expect(list[1]?.message).toBe('Partial results: the kernel panicked while running xdp/bonding.');
    expect(list.slice(2, 10).every((a) => a.title.includes('fail_'))).toBe(true);
    expect(count(list, 'error')).toBe(10);
    // the flaky warning still fits (warnings have their own cap of 10)
    expect(list.find((a) => a.level === 'warning')?.title).toBe(
      'test_progs on x86_64 with gcc: flaky flaky_one',
    );
    expect(list.at(-1)?.message).toMatch(/^4 more annotations \(4 failures\)/);
  });

  it('de-duplicates the same failure in two binaries into one annotation naming both', () => {
    const a = testProgsResult(1, 0);
    const b = { ...testProgsResult(1, 0), binary: 'test_progs-no_alu32' };
    const run = runWith(a, b);
    delete run.context.runner;
    const errors = buildAnnotations(run).filter((x) => x.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.title).toBe('test_progs, test_progs-no_alu32 on x86_64 with gcc: #1 fail_0');
  });

  it('annotates failed subtests, not their parent again', () => {
    const result = testProgsResult(0, 0);
    result.tests.push(
      newTestCase('bpf_cookie', 'fail', {
        number: 10,
        subtests: [failedTest(2, 'multi_kprobe'), failedTest(3, 'lsm')],
      }),
    );
    const titles = buildAnnotations(runWith(result))
      .filter((x) => x.level === 'error')
      .map((x) => x.title);
    expect(titles).toEqual([
      'test_progs on x86_64 with gcc: #10/2 bpf_cookie/multi_kprobe',
      'test_progs on x86_64 with gcc: #10/3 bpf_cookie/lsm',
    ]);
  });

  it('respects a smaller total budget from max-annotations', () => {
    const list = buildAnnotations(runWith(testProgsResult(20, 1)), { maxTotal: 5 });
    expect(list).toHaveLength(5);
    expect(count(list, 'error')).toBe(3);
    expect(list.at(-1)?.message).toMatch(/^17 more annotations/);
  });

  it('emits commands that the runner reads as exactly these annotations, even for hostile names', () => {
    const result = testProgsResult(0, 0);
    HOSTILE.slice(0, 9).forEach((name, i) =>
      result.tests.push(failedTest(i + 1, name, assertion('f', name, '1', '2'))),
    );
    const list = buildAnnotations(runWith(result));
    const commands = runnerCommands(annotationCommands(list).join('\n'));
    expect(commands.map((c) => ({ level: c.name, title: c.properties['title'], message: c.data }))).toEqual(
      list,
    );
    expect(commands.filter((c) => c.name === 'error').map((c) => c.properties['title'])).toEqual(
      HOSTILE.slice(0, 9).map((n, i) => `test_progs on x86_64 with gcc: #${i + 1} ${n}`.trim()),
    );
  });
});
