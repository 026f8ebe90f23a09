import { describe, expect, it } from 'vitest';
import { CommandError, childCpuSeconds, run } from '../../../packages/kernel/src/exec.ts';

describe('childCpuSeconds', () => {
  it('reads cutime + cstime from /proc/self/stat, even with a command name holding spaces and parentheses', () => {
    // A real line (cat /proc/self/stat), with the name changed and cutime 1250, cstime 310.
    const stat =
      '18765 (node (a) b) R 18764 18765 18764 0 -1 4194304 93 0 0 0 0 0 1250 310 20 0 1 0 345867 5791744 224 18446744073709551615 94578631639040 94578631656513 140727063327616 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 94578631672656 94578631674080 94578658521088 140727063333595 140727063333615 140727063333615 140727063339001 0';
    expect(childCpuSeconds(() => stat)).toBe(15.6);
    expect(
      childCpuSeconds(() => {
        throw new Error('no /proc');
      }),
    ).toBeUndefined();
  });

  it('grows when a child has burnt CPU', async () => {
    const before = childCpuSeconds() ?? 0;
    await run('sh', ['-c', 'i=0; while [ $i -lt 50000 ]; do i=$((i+1)); done']);
    expect((childCpuSeconds() ?? 0) - before).toBeGreaterThan(0);
  });
});

describe('run', () => {
  it('streams lines and keeps the tail of a failing command for its error', async () => {
    const seen: string[] = [];
    const error = await run('sh', ['-c', 'echo one; echo two >&2; exit 3'], {
      onLine: (l) => seen.push(l),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).code).toBe(3);
    expect((error as CommandError).tail.sort()).toEqual(['one', 'two']);
    expect(seen.sort()).toEqual(['one', 'two']);
  });
});
