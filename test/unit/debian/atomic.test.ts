import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureDir } from '@bpf-ci/debian';

describe('ensureDir', () => {
  it('leaves nothing behind when filling fails, and builds once when it succeeds', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-atomic-'));
    const target = join(root, 'entry');
    await expect(
      ensureDir(target, (tmp) => {
        writeFileSync(join(tmp, 'half'), 'x');
        return Promise.reject(new Error('interrupted'));
      }),
    ).rejects.toThrow('interrupted');
    expect(readdirSync(root)).toEqual([]);

    let fills = 0;
    const fill = (tmp: string): Promise<void> => {
      fills++;
      writeFileSync(join(tmp, 'data'), 'complete');
      return Promise.resolve();
    };
    expect(await ensureDir(target, fill)).toBe(true);
    expect(await ensureDir(target, fill)).toBe(false);
    expect(fills).toBe(1);
    expect(readFileSync(join(target, 'data'), 'utf8')).toBe('complete');
    expect(readdirSync(root)).toEqual(['entry']);
  });

  it('makes a concurrent caller wait for the first one instead of filling twice', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-atomic-'));
    const target = join(root, 'entry');
    let fills = 0;
    const waits: number[] = [];
    // Whichever caller takes the lock fills only once the other one says it is waiting, so the
    // test does not depend on how the two calls interleave on a busy machine.
    let otherIsWaiting!: () => void;
    const waiting = new Promise<void>((resolve) => (otherIsWaiting = resolve));
    const onWait = (holder: number): void => {
      waits.push(holder);
      otherIsWaiting();
    };
    const slowFill = async (tmp: string): Promise<void> => {
      fills++;
      await waiting;
      writeFileSync(join(tmp, 'data'), 'x');
    };
    const results = await Promise.all([
      ensureDir(target, slowFill, onWait),
      ensureDir(target, slowFill, onWait),
    ]);
    expect(results.sort()).toEqual([false, true]);
    expect(fills).toBe(1);
    expect(waits).toEqual([process.pid]);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
