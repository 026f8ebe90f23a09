import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeDropped,
  diffConfig,
  droppedOptions,
  mergeFragments,
  parseConfig,
  renderConfig,
} from '../../../packages/kernel/src/config.ts';

const selftestsConfig = readFileSync(
  join(import.meta.dirname, '../../fixtures/kernel/selftests-bpf-config-6.1'),
  'utf8',
);

describe('parseConfig / renderConfig', () => {
  it('reads set, string and "is not set" options and ignores other comments', () => {
    const config = parseConfig(
      [
        '#',
        '# Automatically generated file; DO NOT EDIT.',
        'CONFIG_BPF=y',
        'CONFIG_LOCALVERSION="-ci"',
        'CONFIG_NR_CPUS=64',
        '# CONFIG_MODULES is not set',
        '',
      ].join('\n'),
    );
    expect([...config]).toEqual([
      ['CONFIG_BPF', 'y'],
      ['CONFIG_LOCALVERSION', '"-ci"'],
      ['CONFIG_NR_CPUS', '64'],
      ['CONFIG_MODULES', null],
    ]);
    expect(renderConfig(config)).toBe(
      'CONFIG_BPF=y\nCONFIG_LOCALVERSION="-ci"\nCONFIG_NR_CPUS=64\n# CONFIG_MODULES is not set\n',
    );
  });

  it('reads the real selftests config of linux 6.1', () => {
    const config = parseConfig(selftestsConfig);
    expect(config.get('CONFIG_BPF_SYSCALL')).toBe('y');
    expect(config.get('CONFIG_BPF_JIT')).toBe('y');
    expect(config.size).toBe(75); // grep -c '^CONFIG_' on the file
  });
});

describe('mergeFragments', () => {
  it('lets a later fragment win, like merge_config.sh, and records who asked on which line', () => {
    const base = parseConfig('CONFIG_BPF=y\n# CONFIG_BPF_JIT is not set\nCONFIG_HZ=250\n');
    const merged = mergeFragments(base, [
      { name: 'a', text: 'CONFIG_BPF_JIT=y\nCONFIG_HZ=100\n' },
      { name: 'b', text: '# comment\nCONFIG_HZ=1000\n' },
    ]);
    expect(merged.config.get('CONFIG_BPF_JIT')).toBe('y');
    expect(merged.config.get('CONFIG_HZ')).toBe('1000');
    expect(merged.config.get('CONFIG_BPF')).toBe('y');
    expect(merged.redefinitions).toEqual([
      { option: 'CONFIG_HZ', previous: '100', value: '1000', fragment: 'b' },
    ]);
    expect(merged.requestedBy.get('CONFIG_HZ')).toEqual({ fragment: 'b', line: 2 });
    expect(merged.requestedBy.get('CONFIG_BPF_JIT')).toEqual({ fragment: 'a', line: 1 });
  });
});

describe('droppedOptions', () => {
  it('names options olddefconfig did not keep as asked, and accepts an absent option for "is not set"', () => {
    const merged = mergeFragments(new Map(), [
      {
        name: 'tools/testing/selftests/bpf/config',
        text: 'CONFIG_BPF_LSM=y\nCONFIG_BPF_JIT=y\n# CONFIG_KVM is not set\nCONFIG_NR_CPUS=8\n',
      },
    ]);
    const final = parseConfig('CONFIG_BPF_JIT=y\nCONFIG_NR_CPUS=64\n');
    const dropped = droppedOptions(merged, final);
    expect(dropped.map((d) => [d.option, d.requested, d.actual, d.line])).toEqual([
      ['CONFIG_BPF_LSM', 'y', undefined, 1],
      ['CONFIG_NR_CPUS', '8', '64', 4],
    ]);
    expect(describeDropped(dropped[0]!)).toMatch(
      /^CONFIG_BPF_LSM requested as y by tools\/testing\/selftests\/bpf\/config but is absent/,
    );
  });
});

describe('diffConfig', () => {
  it('prints added, removed and changed options like scripts/diffconfig', () => {
    const before = parseConfig('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\n');
    const after = parseConfig('CONFIG_B=y\nCONFIG_C=y\nCONFIG_D="x"\n');
    expect(diffConfig(before, after)).toEqual(['-A y', ' B m -> y', ' C n -> y', '+D "x"']);
    expect(diffConfig(after, after)).toEqual([]);
  });
});
