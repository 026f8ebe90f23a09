// A static busybox for the guest's arch: the host's own when the arches match, otherwise Debian's
// busybox-static for that arch, unpacked once into the cache (the shared root's binaries cannot
// run in a guest of another arch).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { cacheRoot, ensureDebianPackage } from '@bpf-ci/debian';
import { ARCH_NAMES, hostArch, type Arch } from '@bpf-ci/domain';

const HOST_BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

export async function busyboxFor(arch: Arch, logger: Logger): Promise<string> {
  if (arch === hostArch()) {
    const local = HOST_BUSYBOX.find((p) => existsSync(p));
    if (!local) throw new Error('no busybox on this machine: apt-get install busybox-static');
    return local;
  }
  const debArch = ARCH_NAMES[arch].debian;
  const dir = join(cacheRoot(), 'busybox-static', debArch);
  const binary = join(dir, 'bin', 'busybox');
  if (existsSync(binary)) return binary;
  logger.info(`Downloading busybox-static:${debArch} for the ${arch} guest`);
  try {
    await ensureDebianPackage(`busybox-static:${debArch}`, dir);
  } catch (err) {
    throw new Error(
      `cannot get busybox-static:${debArch}: ${err instanceof Error ? err.message : String(err)}\n` +
        `Enable the architecture first: dpkg --add-architecture ${debArch} && apt-get update`,
      { cause: err },
    );
  }
  if (!existsSync(binary)) throw new Error(`busybox-static:${debArch} has no bin/busybox (looked in ${dir})`);
  return binary;
}
