import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Makes `finalDir` by filling a temporary sibling folder and renaming it into place, so an
 * interrupted run never leaves a half-filled cache entry: either the folder exists and is
 * complete, or it does not exist. A lock file next to it makes a second process (another test,
 * another helper) wait for the first instead of doing the same slow work twice.
 * Returns true when it was built now, false when it was already there.
 */
export async function ensureDir(
  finalDir: string,
  fill: (tmpDir: string) => Promise<void>,
  onWait?: (holder: number) => void,
): Promise<boolean> {
  if (existsSync(finalDir)) return false;
  const parent = dirname(finalDir);
  await mkdir(parent, { recursive: true });
  const release = await lock(`${finalDir}.lock`, onWait);
  try {
    if (existsSync(finalDir)) return false;
    const tmp = join(parent, `.tmp-${basename(finalDir)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp);
    try {
      await fill(tmp);
      await rename(tmp, finalDir);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return true;
  } finally {
    await release();
  }
}

/** An exclusive lock file holding the owner's pid; a lock whose owner died is taken over. */
async function lock(path: string, onWait?: (holder: number) => void): Promise<() => Promise<void>> {
  let told = false;
  let empty = 0;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
    const text = (await readFile(path, 'utf8').catch(() => '')).trim();
    // The owner creates the file then writes its pid: an empty file is usually a lock being taken.
    if (text === '' && ++empty < 10) {
      await sleep(100);
      continue;
    }
    const holder = Number(text);
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      await rm(path, { force: true });
      continue;
    }
    if (!told) onWait?.(holder);
    told = true;
    await sleep(2000);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}
