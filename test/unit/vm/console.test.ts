import { describe, expect, it } from 'vitest';
import { classifyResultLine, ConsoleWatcher, parseMarker, progressLine } from '@bpf-ci/vm';

describe('console watcher', () => {
  it('follows markers split across chunks and counts top-level results once (not the error recap)', () => {
    const w = new ConsoleWatcher('bpfci-1234', 0);
    const text = [
      '[    2.35] Run /init as init process',
      'bpfci-1234 boot',
      'bpfci-1234 ready',
      'bpfci-1234 total test_progs 3',
      'bpfci-1234 begin test_progs',
      '#1/1    a/x:OK',
      '#1      a:OK',
      '#2      b:FAIL',
      '#3      c:SKIP',
      '',
      'All error logs:',
      '#2      b:FAIL',
      'Summary: 2/1 PASSED, 1 SKIPPED, 1 FAILED',
      'bpfci-1234 end test_progs 1 42',
      'bpfci-1234 done',
      '',
    ].join('\n');
    const events = [];
    for (let i = 0; i < text.length; i += 7) events.push(...w.feed(text.slice(i, i + 7), 1000 + i));
    expect(events.map((e) => e.kind)).toEqual(['boot', 'ready', 'total', 'begin', 'end', 'done']);
    const p = w.runners[0];
    expect(p).toMatchObject({ runner: 'test_progs', total: 3, done: 3, failed: 1, exitCode: 1 });
    expect(w.done).toBe(true);
    expect(w.current).toBeUndefined();
  });

  it("ignores markers without this run's nonce (a test cannot fake the end of the run)", () => {
    const w = new ConsoleWatcher('bpfci-real', 0);
    w.feed('bpfci-fake done\nbpfci-real begin x\n', 1);
    expect(w.done).toBe(false);
    expect(w.current?.runner).toBe('x');
  });

  it('finds a marker after kernel text on the same line', () => {
    expect(parseMarker('[   3.1] random: crng init donebpfci-9 end test_maps 0 345', 'bpfci-9')).toEqual({
      kind: 'end',
      runner: 'test_maps',
      exitCode: 0,
      seconds: 345,
    });
  });

  it('classifies test_progs and test_verifier result lines, not subtests', () => {
    expect(classifyResultLine('#326     sockopt:OK')).toBe('ok');
    expect(classifyResultLine('#303     setget_sockopt:FAIL')).toBe('fail');
    expect(classifyResultLine('#326/1   sockopt/getsockopt: no expected_attach_type:OK')).toBeUndefined();
    expect(classifyResultLine('#12/p invalid and of negative number FAIL')).toBe('fail');
    expect(classifyResultLine('#0/u invalid and of negative number OK')).toBe('ok');
  });

  it('prints the progress line with done/total, failures and elapsed time', () => {
    const w = new ConsoleWatcher('n', 0);
    w.feed('n total test_progs 3013\nn begin test_progs\n', 0);
    const p = w.current;
    if (!p) throw new Error('no current runner');
    p.done = 412;
    p.failed = 2;
    expect(progressLine(p, 252_000)).toBe('test_progs: 412/3013, 2 failed, 4m12s');
  });
});
