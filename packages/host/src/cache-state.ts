// What the set-up cache holds: its entries and their sizes, set-ups in progress, and temporary
// folders left by interrupted ones (which can hold gigabytes and are never reused).
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { temporaryFolders, type TemporaryFolder } from '@bpf-ci/debian';
import type { Logger } from '@bpf-ci/logger';

const execFileP = promisify(execFile);

export interface CacheState {
  root: string;
  exists: boolean;
  /** Top-level folders (debian-kernel, linux-source, selftests, ...): entries inside and size. */
  kinds: { name: string; entries: number; bytes?: number }[];
  temporaries: TemporaryFolder[];
}

/**
 * ensureDir makes its temporary folders next to the entry: in the cache root's top-level folders
 * (debian-kernel/, selftests/) or one level down (busybox-static/arm64). Only those are searched,
 * never inside entries (a kernel source tree has tens of thousands of files).
 */
export async function findTemporaries(root: string): Promise<TemporaryFolder[]> {
  const kinds = await subfolders(root);
  const found = await Promise.all([root, ...kinds.map((k) => join(root, k))].map(temporaryFolders));
  return found.flat();
}

export async function cacheState(root: string, options: { sizes?: boolean } = {}): Promise<CacheState> {
  const names = await subfolders(root);
  const exists =
    names.length > 0 ||
    (await readdir(root).then(
      () => true,
      () => false,
    ));
  const kinds = await Promise.all(
    names.map(async (name) => {
      const entries = (await subfolders(join(root, name))).filter((e) => !e.startsWith('.tmp-')).length;
      const bytes = options.sizes ? await diskUsage(join(root, name)) : undefined;
      return bytes === undefined ? { name, entries } : { name, entries, bytes };
    }),
  );
  return { root, exists, kinds, temporaries: await findTemporaries(root) };
}

/**
 * Removes the temporary folders no live process holds, saying so: the set-up they belonged to was
 * interrupted and is rebuilt when next needed.
 */
export async function removeStaleTemporaries(root: string, logger: Logger): Promise<TemporaryFolder[]> {
  const stale = (await findTemporaries(root)).filter((t) => !t.live);
  for (const t of stale) {
    logger.info(
      `An earlier set-up was interrupted (process ${t.pid}); removing its temporary folder ${t.path}`,
    );
    await rm(t.path, { recursive: true, force: true });
  }
  return stale;
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** `du -sk`: a walk in JavaScript would be slower over a kernel tree. */
async function diskUsage(dir: string): Promise<number | undefined> {
  try {
    const { stdout } = await execFileP('du', ['-sk', dir], { timeout: 60_000 });
    const kib = Number(stdout.split(/\s/)[0]);
    return Number.isFinite(kib) ? kib * 1024 : undefined;
  } catch {
    return undefined;
  }
}
