// A build folder restored from a cache next to a fresh checkout: every source file has the time of
// the checkout, so make would recompile everything. The folder keeps the git blob id of each
// source file as it was built; files whose blob is unchanged get an old time (older than any
// object), changed, new and locally modified ones get the current time, and make rebuilds only
// what they affect. Trees that are not git checkouts (Debian's linux-source) keep their times.
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capture } from './exec.ts';

const MANIFEST = '.bpf-ci-source-blobs';
/** Older than any object a build writes. */
const UNCHANGED_TIME = new Date('2000-01-01T00:00:00Z');

/** `git ls-files -s -z` → path → blob id (staged entries only: conflicts are stage 1-3, skipped). */
export function parseLsFiles(output: string): Map<string, string> {
  const blobs = new Map<string, string>();
  for (const entry of output.split('\0')) {
    const m = /^\d+ ([0-9a-f]+) 0\t(.+)$/s.exec(entry);
    if (m?.[1] && m[2]) blobs.set(m[2], m[1]);
  }
  return blobs;
}

/** The paths whose times must say "changed": a different or new blob, or modified in the work tree. */
export function changedPaths(
  built: ReadonlyMap<string, string>,
  now: ReadonlyMap<string, string>,
  modified: ReadonlySet<string>,
): Set<string> {
  const changed = new Set<string>();
  for (const [path, blob] of now) if (built.get(path) !== blob || modified.has(path)) changed.add(path);
  return changed;
}

async function gitBlobs(sourceDir: string): Promise<{ blobs: Map<string, string>; modified: Set<string> }> {
  const blobs = parseLsFiles(await capture('git', ['-C', sourceDir, 'ls-files', '-s', '-z']));
  const diff = await capture('git', ['-C', sourceDir, 'diff', '--name-only', '-z']);
  return { blobs, modified: new Set(diff.split('\0').filter(Boolean)) };
}

async function isGitTree(sourceDir: string): Promise<boolean> {
  try {
    return (await capture('git', ['-C', sourceDir, 'rev-parse', '--show-prefix'])).trim() === '';
  } catch {
    return false;
  }
}

export type SourceTimes =
  { kind: 'not-git' } | { kind: 'no-record' } | { kind: 'aligned'; unchanged: number; changed: number };

/**
 * Before an incremental build: give unchanged files an old time and changed ones now (see above).
 * `no-record` when the build folder has no blob list (made before this existed, or not from git):
 * the times are left alone and make decides as usual.
 */
export async function alignSourceTimes(sourceDir: string, buildDir: string): Promise<SourceTimes> {
  if (!(await isGitTree(sourceDir))) return { kind: 'not-git' };
  let built: Map<string, string>;
  try {
    built = parseLsFiles(await readFile(join(buildDir, MANIFEST), 'utf8'));
  } catch {
    return { kind: 'no-record' };
  }
  const { blobs, modified } = await gitBlobs(sourceDir);
  const changed = changedPaths(built, blobs, modified);
  // Until this build completes, a changed file's object may be from either version: forget its
  // entry now, so an interrupted build leaves it counted as changed next time.
  await writeManifest(
    buildDir,
    [...built].filter(([path]) => !changed.has(path)),
  );
  const now = new Date();
  let unchanged = 0;
  for (const path of blobs.keys()) {
    const time = changed.has(path) ? now : UNCHANGED_TIME;
    if (!changed.has(path)) unchanged++;
    // A path in the index but deleted from the work tree (or a submodule) has nothing to touch.
    await utimes(join(sourceDir, path), time, time).catch(() => undefined);
  }
  return { kind: 'aligned', unchanged, changed: changed.size };
}

/**
 * After a complete build: remember each source file's blob id as built. A file modified in the
 * work tree gets no entry, so the next build counts it as changed.
 */
export async function recordSourceBlobs(sourceDir: string, buildDir: string): Promise<boolean> {
  if (!(await isGitTree(sourceDir))) return false;
  const { blobs, modified } = await gitBlobs(sourceDir);
  await writeManifest(
    buildDir,
    [...blobs].filter(([path]) => !modified.has(path)),
  );
  return true;
}

/** In `git ls-files -s -z` form, so one parser reads both. */
async function writeManifest(buildDir: string, entries: Iterable<[string, string]>): Promise<void> {
  const lines: string[] = [];
  for (const [path, blob] of entries) lines.push(`100644 ${blob} 0\t${path}\0`);
  await writeFile(join(buildDir, MANIFEST), lines.join(''));
}

/** What the log says about it. */
export function describeSourceTimes(result: SourceTimes): string | undefined {
  switch (result.kind) {
    case 'aligned':
      return `Source times: ${result.changed} files changed since the cached build (now), ${result.unchanged} unchanged (kept older than their objects)`;
    case 'no-record':
      return 'Source times: the build folder has no record of the sources it was built from; make decides by file times';
    default:
      return undefined;
  }
}
