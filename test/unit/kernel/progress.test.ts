import { describe, expect, it } from 'vitest';
import { MakeProgress } from '../../../packages/kernel/src/progress.ts';

describe('MakeProgress', () => {
  it('counts kbuild steps and speaks on a new phase or after the interval', () => {
    const p = new MakeProgress(0, 10_000);
    expect(p.feed('  CC      kernel/bpf/core.o', 1)).toBe('1 steps done, now CC core.o');
    expect(p.feed('  CC      kernel/bpf/verifier.o', 2)).toBeUndefined();
    expect(p.feed("make[1]: Entering directory '/x'", 3)).toBeUndefined();
    expect(p.feed('  CLNG-BPF [test_maps] atomics.bpf.o', 4)).toBe(
      '3 steps done, now CLNG-BPF atomics.bpf.o',
    );
    // Back to a phase already seen: quiet until the interval passes.
    expect(p.feed('  CC      kernel/bpf/btf.o', 5)).toBeUndefined();
    expect(p.feed('  CC      kernel/bpf/map.o', 10_005)).toBe('5 steps done, now CC map.o');
    expect(p.steps).toBe(5);
    expect(p.summary()).toBe('CC 4, CLNG-BPF 1');
  });

  it('does not count compiler output or make errors as steps', () => {
    const p = new MakeProgress(0);
    p.feed('kernel/bpf/core.c:10:5: error: boom', 1);
    p.feed('   10 |         return x;', 2);
    p.feed('make[2]: *** [scripts/Makefile.build:250: kernel/bpf/core.o] Error 1', 3);
    expect(p.steps).toBe(0);
  });
});
