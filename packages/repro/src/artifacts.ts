// A job's artifacts on disk: unpacking the downloaded zips (and the build's tar.zst inside) into a
// folder, and finding the job manifest, the job's results and its build in such a folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { JOB_MANIFEST_FILE } from '@bpf-ci/model';
import { ReproError } from './github.ts';

/** Unzip into `dir`; an entry naming a path outside it (absolute, ..) is refused. */
export function unzipInto(zip: Uint8Array, dir: string, what: string): string[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (err) {
    throw new ReproError(
      `${what} is not a readable zip (${err instanceof Error ? err.message : String(err)}): download it again`,
    );
  }
  const root = resolve(dir);
  const written: string[] = [];
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    const path = resolve(root, name);
    if (!path.startsWith(`${root}/`))
      throw new ReproError(`${what} holds ${JSON.stringify(name)}, a path outside its folder: refused`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    written.push(path);
  }
  return written;
}

/** kernel-build's artifact is one .tar.zst: unpack it where it lies (tar keeps it inside). */
export function unpackBuildTarballs(dir: string, say: (line: string) => void): void {
  for (const name of readdirSync(dir)) {
    if (!/\.tar\.(zst|zstd)$/.test(name)) continue;
    say(`Unpacking ${name}`);
    execFileSync('tar', ['--zstd', '-xf', join(dir, name), '-C', dir, '--no-same-owner'], {
      stdio: 'ignore',
    });
  }
}

/** A file named `name` in `dir` or in its sub-folders, at most `depth` levels down; preferred first. */
export function findFile(
  dir: string,
  name: string,
  prefer: readonly string[] = [],
  depth = 2,
): string | undefined {
  for (const sub of prefer) {
    const p = join(dir, sub, name);
    if (existsSync(p)) return p;
  }
  if (existsSync(join(dir, name))) return join(dir, name);
  if (depth === 0) return undefined;
  for (const entry of readdirSync(dir).sort()) {
    const sub = join(dir, entry);
    if (!statSync(sub).isDirectory()) continue;
    const found = findFile(sub, name, [], depth - 1);
    if (found) return found;
  }
  return undefined;
}

export interface JobFolder {
  manifest: string;
  results: string;
}

/**
 * The job manifest and the job's results.json in an artifacts folder: the test job's artifact
 * holds vmtest/ (the runner's files) and results/ (result-parser's results.json); a local
 * `bpf-ci vmtest` output folder holds both at its top.
 */
export function findJobFiles(folder: string): JobFolder {
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new ReproError(
      `${folder} is not a folder: give a job URL or the folder its artifacts were unpacked into`,
    );
  const manifest = findFile(folder, JOB_MANIFEST_FILE, ['vmtest']);
  if (!manifest)
    throw new ReproError(
      `${folder} has no ${JOB_MANIFEST_FILE}: give the folder of a test job's results artifact (results-...-attempt-N, ` +
        'with vmtest/ and results/ in it), or a `bpf-ci vmtest` output folder; jobs run before bpf-ci wrote manifests cannot be reproduced',
    );
  const results = findFile(folder, 'results.json', ['results', 'vmtest']);
  if (!results) throw new ReproError(`${folder} has no results.json: the job's artifact is incomplete`);
  return { manifest, results };
}
