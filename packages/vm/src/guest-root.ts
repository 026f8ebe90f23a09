// What the runners' root is made of, recorded next to the results (guest-root.json) so a run
// says exactly which userland its tests ran with: the host's system folders for a guest of the
// host's arch, or the guest arch's own static busybox (hashed) for a foreign one.
import { sha256File } from '@bpf-ci/debian';
import type { Arch } from '@bpf-ci/domain';

export const GUEST_ROOT_FILE = 'guest-root.json';

export interface GuestRootRecord {
  arch: Arch;
  /** `host-system`: the host's /usr, /bin... read-only; `own-busybox`: the guest arch's busybox. */
  kind: 'host-system' | 'own-busybox';
  /** The initramfs's busybox (and, for `own-busybox`, the runners' /usr/bin/busybox). */
  busybox: { path: string; sha256: string };
}

export async function describeGuestRoot(
  arch: Arch,
  foreign: boolean,
  busybox: string,
): Promise<GuestRootRecord> {
  return {
    arch,
    kind: foreign ? 'own-busybox' : 'host-system',
    busybox: { path: busybox, sha256: await sha256File(busybox) },
  };
}
