// Debian packages without installing them: apt-get download + dpkg-deb -x into a cache folder,
// and pure readers for apt's text output, so package resolution is testable without apt.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDir } from './atomic.ts';

const execFileAsync = promisify(execFile);

/**
 * The packages a package depends on, from `apt-cache depends NAME` output. A foreign-arch query
 * prints an arch-all dependency as `<name:arch>` (no such package for that arch) followed by the
 * real package on an indented line; both forms give the bare name.
 */
export function parseAptDepends(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\|?Depends:\s*(\S+)/.exec(line);
    const name = m?.[1];
    if (!name) continue;
    const bracketed = /^<([^:>]+)(?::[^>]+)?>$/.exec(name);
    if (bracketed?.[1]) out.push(bracketed[1]);
    else if (!name.startsWith('<')) out.push(name);
  }
  return out;
}

/** The `Version:` field of the first stanza of `apt-cache show` output. */
export function parseAptVersion(text: string): string | undefined {
  return /^Version:\s*(\S+)/m.exec(text)?.[1];
}

/** Runs apt-cache (e.g. `depends NAME`, `show NAME`) and returns its stdout. */
export async function aptCache(args: readonly string[], hint = ''): Promise<string> {
  try {
    return (await execFileAsync('apt-cache', args, { maxBuffer: 64 * 2 ** 20 })).stdout;
  } catch (err) {
    throw new Error(`apt-cache ${args.join(' ')} failed: ${commandMessage(err)}${hint ? `\n${hint}` : ''}`, {
      cause: err,
    });
  }
}

/** Downloads one .deb with `apt-get download` into `dir` (no install, no root) and returns its path. */
export async function aptDownload(pkg: string, dir: string): Promise<string> {
  await runTool('apt-get', ['download', '-q', pkg], dir);
  const deb = (await readdir(dir)).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${dir}`);
  return join(dir, deb);
}

/** Unpacks a .deb's files into `dir` (dpkg-deb -x: no maintainer scripts, no root). */
export async function unpackDeb(deb: string, dir: string): Promise<void> {
  await runTool('dpkg-deb', ['-x', deb, dir]);
}

/**
 * One Debian package's files unpacked into `dir` once (`apt-get download` + `dpkg-deb -x`: no
 * install, no root). `pkg` may name an architecture (`busybox-static:arm64`). Returns `dir`.
 */
export async function ensureDebianPackage(pkg: string, dir: string): Promise<string> {
  await ensureDir(dir, async (tmp) => {
    const debDir = join(tmp, '.download');
    await mkdir(debDir);
    await unpackDeb(await aptDownload(pkg, debDir), tmp);
    await rm(debDir, { recursive: true, force: true });
  });
  return dir;
}

async function runTool(command: string, args: readonly string[], cwd?: string): Promise<void> {
  try {
    await execFileAsync(command, args, { maxBuffer: 64 * 2 ** 20, ...(cwd ? { cwd } : {}) });
  } catch (err) {
    throw new Error(`${command} ${args.join(' ')} failed: ${commandMessage(err)}`, { cause: err });
  }
}

function commandMessage(err: unknown): string {
  const e = err as { stderr?: unknown; message?: unknown };
  const stderr = typeof e.stderr === 'string' ? e.stderr.trim() : '';
  return stderr || String(e.message ?? err);
}
