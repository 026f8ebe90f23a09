import { describe, expect, it } from 'vitest';
import { logTail, parseVerifierLogs } from '@bpf-ci/veristat';

// Built from veristat.c's format string (tools/testing/selftests/bpf/veristat.c); no real -v capture is in the samples.
const VERBOSE = [
  "Processing 'bpf_loop.bpf.o'...",
  'PROCESSING ./objs/bpf_loop.bpf.o/stack_check, DURATION US: 411, VERDICT: failure, VERIFIER LOG:',
  'func#0 @0',
  '0: R1=ctx() R10=fp0',
  '; int stack_check(void *ctx) @ bpf_loop.c:120',
  "R2 invalid mem access 'scalar'",
  'processed 300 insns (limit 1000000) max_states_per_insn 1 total_states 22 peak_states 22 mark_read 3',
  '',
  'PROCESSING ./objs/bpf_loop.bpf.o/test_prog, DURATION US: 484, VERDICT: success, VERIFIER LOG:',
  'processed 64 insns (limit 1000000) max_states_per_insn 0 total_states 7 peak_states 7 mark_read 2',
  '',
  'File            Program      Verdict  Duration (us)  Insns  States',
  '--------------  -----------  -------  -------------  -----  ------',
  'bpf_loop.bpf.o  stack_check  failure            411    300      22',
  'bpf_loop.bpf.o  test_prog    success            484     64       7',
  '--------------  -----------  -------  -------------  -----  ------',
  'Done. Processed 1 files, 2 programs. Skipped 0 files, 0 programs.',
  '',
].join('\n');

describe('veristat -v verifier logs', () => {
  it('splits the output into one log per program, keyed by object base name and program', () => {
    const logs = parseVerifierLogs(VERBOSE);
    expect([...logs.keys()]).toEqual(['bpf_loop.bpf.o/stack_check', 'bpf_loop.bpf.o/test_prog']);
    expect(logs.get('bpf_loop.bpf.o/stack_check')).toEqual({
      file: 'bpf_loop.bpf.o',
      prog: 'stack_check',
      durationUs: 411,
      verdict: 'failure',
      lines: [
        'func#0 @0',
        '0: R1=ctx() R10=fp0',
        '; int stack_check(void *ctx) @ bpf_loop.c:120',
        "R2 invalid mem access 'scalar'",
        'processed 300 insns (limit 1000000) max_states_per_insn 1 total_states 22 peak_states 22 mark_read 3',
      ],
    });
    // The table after the last log is not part of that log.
    expect(logs.get('bpf_loop.bpf.o/test_prog')?.lines).toEqual([
      'processed 64 insns (limit 1000000) max_states_per_insn 0 total_states 7 peak_states 7 mark_read 2',
    ]);
  });

  it('keeps the tail, where the verifier says why it gave up', () => {
    const long = [
      'PROCESSING a.bpf.o/p, DURATION US: 1, VERDICT: failure, VERIFIER LOG:',
      ...Array.from({ length: 100 }, (_, i) => `line ${i + 1}`),
    ].join('\n');
    const log = parseVerifierLogs(long).get('a.bpf.o/p')!;
    expect(logTail(log, 40)).toEqual({
      lines: Array.from({ length: 40 }, (_, i) => `line ${i + 61}`),
      omitted: 60,
    });
  });
});
