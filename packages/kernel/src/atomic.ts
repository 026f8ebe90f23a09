import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@bpf-ci/logger';

/**
 * Makes `finalDir` by filling a temporary sibling folder and renaming it into place, so an
 * interrupted run never leaves a half-filled cache entry: either the folder exists and is
 * complete, or it does not exist. A lock file next to it makes a second process (another test,
 * another helper) wait for the first instead of doing the same slow work twice.
 * A temporary folder left by a killed process (it can hold gigabytes) is removed before the
 * rebuild, and `onInterrupted` is told so the rebuild is not silent.
 * Returns true when it was built now, false when it was already there.
 */
export async function ensureDir(
  finalDir: string,
  fill: (tmpDir: string) => Promise<void>,
  onWait?: (holder: number) => void,
  onInterrupted?: (stale: string[]) => void,
): Promise<boolean> {
  if (existsSync(finalDir)) return false;
  const parent = dirname(finalDir);
  await mkdir(parent, { recursive: true });
  const release = await lock(lockPath(finalDir), onWait);
  try {
    if (existsSync(finalDir)) return false;
    // We hold the lock, and only the lock holder fills a temporary folder: any other one for this
    // entry belongs to a process that died before renaming it into place.
    const stale = (await temporaryFolders(parent)).filter((t) => t.finalDir === finalDir).map((t) => t.path);
    if (stale.length) {
      onInterrupted?.(stale);
      await Promise.all(stale.map((s) => rm(s, { recursive: true, force: true })));
    }
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

/** ensureDir's onInterrupted that says so: "an earlier set-up was interrupted; rebuilding ...". */
export function sayInterrupted(logger: Logger, what: string): (stale: string[]) => void {
  return (stale) =>
    logger.info(`An earlier set-up was interrupted; rebuilding ${what} (removing ${stale.join(', ')})`);
}

function lockPath(finalDir: string): string {
  return `${finalDir}.lock`;
}

const TEMPORARY = /^\.tmp-(.+)-(\d+)-[0-9a-f]{8}$/;

/** A temporary folder of ensureDir's, and whether a live process is still filling it. */
export interface TemporaryFolder {
  path: string;
  /** The cache entry it was meant to become. */
  finalDir: string;
  pid: number;
  live: boolean;
}

/**
 * ensureDir's temporary folders directly inside `parent`. One is live only while its process is
 * alive and still holds the entry's lock: a folder whose pid was reused by an unrelated process,
 * or whose lock was taken over, is stale.
 */
export async function temporaryFolders(parent: string): Promise<TemporaryFolder[]> {
  const names = await readdir(parent).catch(() => [] as string[]);
  const out: TemporaryFolder[] = [];
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (!m?.[1] || !m[2]) continue;
    const pid = Number(m[2]);
    const finalDir = join(parent, m[1]);
    const holder = Number((await readFile(lockPath(finalDir), 'utf8').catch(() => '')).trim());
    out.push({ path: join(parent, name), finalDir, pid, live: holder === pid && alive(pid) });
  }
  return out;
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
