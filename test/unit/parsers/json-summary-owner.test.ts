import { describe, expect, it } from 'vitest';
import { jsonSummaryBeside, jsonSummaryOwner, jsonSummaryTarget } from '@bpf-ci/parsers';

describe('which run a -J JSON summary belongs to', () => {
  it('is written beside its log under the same stem', () => {
    expect(jsonSummaryBeside('/out/test_progs.log')).toBe('test_progs.json');
    expect(jsonSummaryBeside('test_progs-no_alu32')).toBe('test_progs-no_alu32.json');
  });

  it("reads libbpf/ci's names as the binary and its variant", () => {
    expect(jsonSummaryTarget('/out/test_progs.json')).toEqual({ binary: 'test_progs' });
    expect(jsonSummaryTarget('test_progs_no_alu32_parallel.json')).toEqual({
      binary: 'test_progs-no_alu32',
      variant: 'parallel',
    });
    expect(jsonSummaryTarget('test_progs_cpuv4.JSON')).toEqual({ binary: 'test_progs-cpuv4' });
  });

  it('prefers the log it sits beside, else the binary and variant its name spells, else none', () => {
    const runs = [
      { binary: 'test_progs', log: '/a/first.log' },
      { binary: 'test_progs', variant: 'parallel', log: '/a/second.log' },
      { binary: 'test_progs-no_alu32' },
    ];
    expect(jsonSummaryOwner('/elsewhere/second.json', runs)).toBe(1);
    expect(jsonSummaryOwner('test_progs.json', runs)).toBe(0);
    expect(jsonSummaryOwner('test_progs_parallel.json', runs)).toBe(1);
    expect(jsonSummaryOwner('test_progs_no_alu32.json', runs)).toBe(2);
    expect(jsonSummaryOwner('test_progs_cpuv4.json', runs)).toBe(-1);
    expect(jsonSummaryOwner('test_progs.json', [])).toBe(-1);
  });
});
