// A static busybox for the guest's arch: the host's own when the arches match, otherwise Debian's
// busybox-static for that arch, downloaded once into the cache (the shared root's binaries cannot
// run in a guest of another arch).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { cacheRoot } from '@bpf-ci/kernel';
import { ARCH_PROFILES, hostArch, type Arch } from './arch.ts';

const HOST_BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

/** The e_machine field of an ELF header (62 x86_64, 183 aarch64, 22 s390x). */
export function elfMachine(header: Buffer): number | undefined {
  if (header.length < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const littleEndian = header[5] === 1;
  return littleEndian ? header.readUInt16LE(18) : header.readUInt16BE(18);
}

export function busyboxFor(arch: Arch, logger: Logger): string {
  if (arch === hostArch()) {
    const local = HOST_BUSYBOX.find((p) => existsSync(p));
    if (!local) throw new Error('no busybox on this machine: apt-get install busybox-static');
    return local;
  }
  const debArch = ARCH_PROFILES[arch].debianArch;
  const dir = join(cacheRoot(), 'busybox-static', debArch);
  const binary = join(dir, 'bin', 'busybox');
  if (existsSync(binary)) return binary;
  logger.info(`Downloading busybox-static:${debArch} for the ${arch} guest`);
  mkdirSync(join(cacheRoot(), 'busybox-static'), { recursive: true });
  const tmp = mkdtempSync(join(cacheRoot(), 'busybox-static', `.${debArch}-`));
  try {
    execFileSync('apt-get', ['download', '-q', `busybox-static:${debArch}`], { cwd: tmp, stdio: 'pipe' });
    const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download left no .deb');
    execFileSync('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'root')]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'root'), dir);
  } catch (err) {
    throw new Error(
      `cannot get busybox-static:${debArch}: ${err instanceof Error ? err.message : String(err)}\n` +
        `Enable the architecture first: dpkg --add-architecture ${debArch} && apt-get update`,
      { cause: err },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return binary;
}
