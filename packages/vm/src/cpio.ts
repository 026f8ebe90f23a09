// The "newc" cpio format the kernel unpacks an initramfs from (Documentation/driver-api/early-userspace).
// Written here rather than by spawning cpio so the archive is built from memory, byte for byte
// reproducible (fixed mtimes and inode numbers).

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

function header(fields: {
  ino: number;
  mode: number;
  nlink: number;
  fileSize: number;
  rdevMajor: number;
  rdevMinor: number;
  nameSize: number;
}): string {
  return (
    '070701' +
    hex8(fields.ino) +
    hex8(fields.mode) +
    hex8(0) + // uid
    hex8(0) + // gid
    hex8(fields.nlink) +
    hex8(0) + // mtime
    hex8(fields.fileSize) +
    hex8(0) + // devmajor
    hex8(0) + // devminor
    hex8(fields.rdevMajor) +
    hex8(fields.rdevMinor) +
    hex8(fields.nameSize) +
    hex8(0) // check
  );
}

/** One newc archive from the entries, parents before children as the caller lists them. */
export function buildCpio(entries: readonly CpioEntry[]): Buffer {
  const chunks: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, data: Uint8Array, rdev: [number, number] = [0, 0]): void => {
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const head = Buffer.from(
      header({
        ino: ino++,
        mode,
        nlink: (mode & S_IFDIR) === S_IFDIR ? 2 : 1,
        fileSize: data.length,
        rdevMajor: rdev[0],
        rdevMinor: rdev[1],
        nameSize: nameBytes.length,
      }),
      'ascii',
    );
    chunks.push(head, nameBytes, Buffer.alloc(pad4(head.length + nameBytes.length)));
    chunks.push(Buffer.from(data), Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (name === '') throw new Error('cpio entry with an empty path');
    switch (e.type) {
      case 'dir':
        push(name, S_IFDIR | (e.mode ?? 0o755), new Uint8Array());
        break;
      case 'file':
        push(name, S_IFREG | (e.mode ?? 0o644), e.data);
        break;
      case 'symlink':
        push(name, S_IFLNK | 0o777, Buffer.from(e.target, 'utf8'));
        break;
      case 'chardev':
        push(name, S_IFCHR | (e.mode ?? 0o600), new Uint8Array(), [e.major, e.minor]);
        break;
    }
  }
  ino = 0;
  push('TRAILER!!!', 0, new Uint8Array());
  return Buffer.concat(chunks);
}
