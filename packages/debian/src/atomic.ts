import { existsSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Makes `finalDir` by filling a temporary sibling folder and renaming it into place, so an
 * interrupted run never leaves a half-filled cache entry: either the folder exists and is
 * complete, or it does not exist. A lock file next to it makes a second process (another test,
 * another CI job on the same machine) wait for the first instead of doing the same slow work twice.
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
  return withLock(
    `${finalDir}.lock`,
    async () => {
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
    },
    onWait,
  );
}

/**
 * Runs `body` holding an exclusive lock file at `path` (holding the owner's pid), across processes.
 * A lock whose owner died is taken over. Race-free: the lock file is created complete in one step
 * (link(2) of a file already holding the pid, which fails if the lock exists), and a dead owner's
 * lock is only removed under a second, short-lived lock (`path.break`) after reading it again, so
 * a waiter never removes a lock that another waiter has just taken.
 */
export async function withLock<T>(
  path: string,
  body: () => Promise<T>,
  onWait?: (holder: number) => void,
): Promise<T> {
  await acquire(path, onWait);
  try {
    return await body();
  } finally {
    await rm(path, { force: true });
  }
}

async function acquire(path: string, onWait?: (holder: number) => void): Promise<void> {
  let told = false;
  for (;;) {
    if (await createWithPid(path)) return;
    const holder = await readPid(path);
    if (holder === undefined) continue; // released between our attempt and the read: try again
    if (holder === 0 && (await youngerThan(path, 5_000))) {
      // Written by an older bpf-ci that creates the file before writing its pid: let it finish.
      await sleep(100);
      continue;
    }
    if (!alive(holder)) {
      await breakStale(path, holder);
      continue;
    }
    if (!told) onWait?.(holder);
    told = true;
    await sleep(500);
  }
}

/** Creates `path` holding this process's pid, atomically; false when it already exists. */
async function createWithPid(path: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'wx');
  try {
    await handle.writeFile(String(process.pid));
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp);
  }
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const pid = Number(text.trim());
  // A lock file is always written whole (createWithPid), so anything else is not a live owner.
  return Number.isInteger(pid) && pid > 0 ? pid : 0;
}

/** A breaker held longer than this was left by a process that died while holding it. */
const BREAKER_STALE_MS = 10_000;

/** Removes the lock at `path` if it still belongs to the dead `holder`. */
async function breakStale(path: string, holder: number): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await createWithPid(breaker))) {
    // Someone else is breaking it (for microseconds); a breaker that old was orphaned.
    const age = await stat(breaker).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > BREAKER_STALE_MS) await rm(breaker, { force: true });
    else await sleep(50);
    return;
  }
  try {
    if ((await readPid(path)) === holder) await rm(path, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

async function youngerThan(path: string, ms: number): Promise<boolean> {
  return stat(path).then(
    (s) => Date.now() - s.mtimeMs < ms,
    () => false,
  );
}

function alive(pid: number): boolean {
  if (pid === 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}
