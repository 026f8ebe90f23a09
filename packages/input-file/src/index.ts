// Reading files bpf-ci did not write itself: what the guest left in the output folder (it runs the
// pull request's kernel as root and can put anything there), logs, CSVs, configs and lists from a
// checkout. Only regular files, never through a symlink, never more than a stated size: a FIFO
// would block for ever, /dev/zero would fill the memory, and a symlink could point at any file of
// the host. Opened with O_NOFOLLOW | O_NONBLOCK and checked with fstat on the open descriptor, so
// nothing can swap the file between the check and the read.
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export const MiB = 2 ** 20;

/** Limits by kind of input: generous for real outputs, far below what would exhaust a runner. */
export const INPUT_LIMITS = {
  /** A selftest log or console log (a full test_progs run with failure logs is tens of MiB). */
  log: 512 * MiB,
  /** A -J JSON summary, a veristat CSV. */
  data: 64 * MiB,
  /** A config or a list file. */
  config: 1 * MiB,
  /** A one-line file such as NAME.exit. */
  small: 64 * 1024,
} as const;

export interface InputFileOptions {
  /** At most this many bytes (default INPUT_LIMITS.log). */
  maxBytes?: number;
  /** What the file is, for the message: "selftest log", "bpf-ci config". */
  what?: string;
}

/** A file refused before reading: not a regular file, a symlink, or too large. */
export class InputFileError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'InputFileError';
    this.path = path;
  }
}

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${n} bytes`;
}

/** The error for a refused file, or undefined when `st` is a regular file within the limit. */
function refusal(path: string, st: Stats, options: InputFileOptions): InputFileError | undefined {
  const what = options.what ?? 'input file';
  const max = options.maxBytes ?? INPUT_LIMITS.log;
  if (!st.isFile())
    return new InputFileError(path, `is ${kindOf(st)}, not a regular file: not read as a ${what}`);
  if (st.size > max)
    return new InputFileError(
      path,
      `${formatBytes(st.size)}, over the ${formatBytes(max)} limit for a ${what}: not read`,
    );
  return undefined;
}

function openError(path: string, err: unknown): unknown {
  // O_NOFOLLOW on a symlink: ELOOP. Say where it points, which is usually the whole story.
  if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
    let target = 'somewhere';
    try {
      target = realpathSync(path);
    } catch {
      target = 'a missing file';
    }
    return new InputFileError(path, `is a symbolic link (to ${target}): not followed`);
  }
  return err;
}

/** Open for reading after the checks; the caller closes the handle. ENOENT and the like pass through. */
export async function openInputFile(path: string, options: InputFileOptions = {}): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, FLAGS);
  } catch (err) {
    throw openError(path, err);
  }
  const problem = refusal(path, await handle.stat(), options);
  if (problem) {
    await handle.close();
    throw problem;
  }
  return handle;
}

export async function readInputFile(path: string, options: InputFileOptions = {}): Promise<string> {
  const handle = await openInputFile(path, options);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

export function readInputFileSync(path: string, options: InputFileOptions = {}): string {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const st = fstatSync(fd);
    const problem = refusal(path, st, options);
    if (problem) throw problem;
    const buffer = Buffer.alloc(st.size);
    let read = 0;
    while (read < st.size) {
      const n = readSync(fd, buffer, read, st.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
}

/**
 * `path` (relative to `root`) as a real path inside `root`, symlinks resolved. Absolute paths and
 * paths that leave `root`, by `..` or through a symlink, are refused.
 */
export function confinedPath(path: string, root: string, what = 'file'): string {
  if (isAbsolute(path)) throw new InputFileError(path, `the ${what} path must be relative to ${root}`);
  const realRoot = realpathSync(root);
  let real: string;
  try {
    real = realpathSync(resolve(realRoot, path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      // Not there (lists are optional): still refuse a path that would leave the root.
      real = resolve(realRoot, path);
      if (!inside(realRoot, real)) throw new InputFileError(path, `the ${what} path leaves ${root}`);
    }
    throw err;
  }
  if (!inside(realRoot, real))
    throw new InputFileError(path, `the ${what} path leaves ${root} (it resolves to ${real})`);
  return real;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Write a file into a folder someone else can write too (the guest's output share): whatever is
 * at the name (a symlink to a host file, a FIFO, a directory) is removed first, rm never following
 * a symlink, and the file is created with O_EXCL, so the write never lands outside the folder.
 */
export function writeOutputFile(path: string, content: string): void {
  rmSync(path, { force: true, recursive: true });
  writeFileSync(path, content, { flag: 'wx' });
}
