import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { generateMatrix, parseConfig } from '@bpf-ci/matrix';
import { parseRunnerSpec, runnerLines } from '@bpf-ci/vm';

// The matrix-generator's `runners` lines (packages/matrix generate.ts) must be what the
// vmtest-runner action accepts.
describe('runner lines from the matrix', () => {
  it('takes a plain runner, a parallel variant and a custom command', () => {
    expect(runnerLines('test_progs -j, test_verifier\nnet: ./run_net.sh -v')).toEqual([
      'test_progs -j',
      'test_verifier',
      'net: ./run_net.sh -v',
    ]);
    expect(parseRunnerSpec('test_progs')).toEqual({ name: 'test_progs', kind: 'test_progs' });
    expect(parseRunnerSpec('test_progs-no_alu32 -j')).toEqual({
      name: 'test_progs-no_alu32-parallel',
      kind: 'test_progs-no_alu32',
      workers: 0,
    });
    expect(parseRunnerSpec('test_progs -j4').workers).toBe(4);
    expect(parseRunnerSpec('net: ./run_net.sh -v $(reboot)')).toEqual({
      name: 'net',
      kind: 'command',
      // No shell: the words are arguments, "$(reboot)" included.
      command: ['./run_net.sh', '-v', '$(reboot)'],
    });
  });

  it('says what it accepts for anything else', () => {
    expect(() => parseRunnerSpec('test_prog')).toThrow(/unknown runner 'test_prog': use test_progs/);
    expect(() => parseRunnerSpec('test_maps -j')).toThrow(/only test_progs runners take an option/);
    expect(() => parseRunnerSpec('test_progs --debug')).toThrow(/only -j or -jN/);
  });
});

describe('every runners line the matrix generates', () => {
  it('is accepted by the vmtest-runner, for the default and the example configs', () => {
    const configs = ['', readFileSync('examples/netdev/.github/bpf-ci.yml', 'utf8')];
    const lines = configs.flatMap((text) =>
      generateMatrix(parseConfig(text), {
        repository: 'kernel-patches/bpf',
        event: 'pull_request',
      }).test.include.map((t) => t.runners),
    );
    expect(lines).toContain('test_progs -j');
    for (const line of lines)
      for (const entry of runnerLines(line)) expect(() => parseRunnerSpec(entry)).not.toThrow();
  });
});
