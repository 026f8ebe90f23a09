// A hostile guest, as a shell snippet for a `guestShell` runner: it looks for a file planted in the
// host's home and for a variable planted in the environment of the process running QEMU, the way
// a pull request's selftests running as root could. Used by test/e2e/vm-faults.test.ts in a boot
// it already makes. The snippet names what it looks for, never the secret values: those may only
// show up in the output if the guest really read them.
import { shellQuote } from '@bpf-ci/domain';

export interface PlantedSecrets {
  /** Absolute host path of the planted file. */
  file: string;
  /** Name of the planted environment variable. */
  envName: string;
}

/** Every path the file could have inside a share rooted at one of its ancestors. */
function suffixes(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, i) => parts.slice(i).join('/'));
}

export function hostileGuestProbe(secrets: PlantedSecrets): string {
  const q = shellQuote;
  const name = secrets.file.split('/').at(-1) ?? '';
  const fileSuffixes = suffixes(secrets.file).map(q).join(' ');
  const procSuffixes = suffixes('/proc/1/environ').map(q).join(' ');
  return [
    'found=0',
    'hit() { echo "FOUND $*"; found=1; }',
    // Strip the runners' root to the bare shares: a guest can unmount what init mounted over them.
    'for m in $(awk \'$3 != "9p" && $2 ~ "^/host/" {print $2}\' /proc/mounts | sort -r); do umount -l "$m"; done',
    // Mount every 9p export the machine offers, whatever init did with it.
    'tags=0; for f in /sys/bus/virtio/devices/*/mount_tag; do [ -e "$f" ] || continue; t=$(tr -d "\\000" < "$f"); tags=$((tags+1)); mkdir -p "/probe/$t"; mount -t 9p -o trans=virtio,version=9p2000.L "$t" "/probe/$t" 2>/dev/null && echo "mounted $t" || echo "tag $t in use"; done',
    'echo "9p tags: $tags"',
    'mounts=$(awk \'$3 == "9p" {print $2}\' /proc/mounts)',
    'echo "9p mounts:" $mounts',
    // The planted file at its own path, and at every path it would have in any share.
    `for p in ${q(secrets.file)} /host${q(secrets.file)}; do [ -e "$p" ] && hit "$p: $(head -c 200 "$p")"; done`,
    `for m in $mounts; do for s in ${fileSuffixes}; do [ -e "$m/$s" ] && hit "$m/$s: $(head -c 200 "$m/$s")"; done; done`,
    // Host processes' environments: only a host procfs reached through a share would show them.
    `for m in $mounts; do for s in ${procSuffixes}; do [ -e "$m/$s" ] && hit "host procfs at $m/$s"; done; done`,
    `for e in /proc/*/environ; do tr "\\000" "\\n" < "$e" 2>/dev/null | grep -F ${q(`${secrets.envName}=`)} | while read -r l; do hit "$e: $l"; done; done`,
    // And by name anywhere but the big system tree (whose paths the suffixes above covered).
    `for m in /host /probe $mounts; do find "$m" -xdev -path /host/usr -prune -o -name ${q(name)} -print 2>/dev/null; done | sort -u | while read -r p; do hit "$p: $(head -c 200 "$p")"; done`,
    'echo "guest probe finished: found=$found"',
    'true',
  ].join('\n');
}
