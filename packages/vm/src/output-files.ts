// Host writes into the output folder, which the guest shares read-write and may have filled with
// anything: a symlink named results.json pointing at a file of the host, a FIFO, a directory.
// Whatever is at the name is removed first (rm never follows a symlink), and the file is created
// with O_EXCL, so a write never lands outside the folder.
import { rmSync, writeFileSync } from 'node:fs';

export function writeOutputFile(path: string, content: string): void {
  rmSync(path, { force: true, recursive: true });
  writeFileSync(path, content, { flag: 'wx' });
}
