// What of the host the guest may see. The guest runs the pull request's kernel and selftests as
// root and its console is public, so it gets no view of the host root: only the system
// directories the selftests' binaries and scripts need (read-only), a copy of /etc holding only
// what any unprivileged user could read (minus known secrets), the selftests tree at its own path
// (read-only) and one writable output folder. Never /proc, /sys, /home, /root, /run, /tmp, /var or
// the runner's work and temp folders: the guest mounts its own proc/sys/dev and empty tmpfs there.
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  symlinkSync,
  type Stats,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

/**
 * The host's system directories the guest's runners use (shells, libc, iproute2, the dynamic
 * loader). A merged-/usr host has /bin, /lib... as symlinks into /usr: the guest gets the same
 * symlinks; a split host gets each as its own read-only share.
 */
export const SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const;

/**
 * One thing in the guest's root (a tmpfs): a read-only 9p share, a symlink, or a folder holding the
 * initramfs's own static busybox (the guest arch's) with a link for each of its applets.
 */
export type GuestRootEntry =
  | { kind: 'share'; tag: string; guestPath: string; hostPath: string }
  | { kind: 'symlink'; guestPath: string; target: string }
  | { kind: 'busybox'; guestPath: string };

/** How a host path looks, for the pure decision below (lstat, not stat: a symlink stays one). */
export type PathKind = { type: 'dir' } | { type: 'symlink'; target: string } | { type: 'other' };

export function pathKind(path: string): PathKind | undefined {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return undefined;
  }
  if (st.isSymbolicLink()) return { type: 'symlink', target: readlinkSync(path) };
  return st.isDirectory() ? { type: 'dir' } : { type: 'other' };
}

/** The guest's system entries from how the host's look (pure: `kindOf` is the only I/O). */
export function systemEntries(
  etcCopy: string,
  kindOf: (path: string) => PathKind | undefined = pathKind,
): GuestRootEntry[] {
  const entries: GuestRootEntry[] = [];
  for (const name of SYSTEM_DIRS) {
    const kind = kindOf(`/${name}`);
    if (kind?.type === 'dir') {
      entries.push({ kind: 'share', tag: `bpfci-sys-${name}`, guestPath: `/${name}`, hostPath: `/${name}` });
    } else if (kind?.type === 'symlink') {
      // Resolved by the guest inside its own view: it can only ever land on another entry here.
      entries.push({ kind: 'symlink', guestPath: `/${name}`, target: kind.target });
    }
  }
  entries.push({ kind: 'share', tag: 'bpfci-etc', guestPath: '/etc', hostPath: etcCopy });
  return entries;
}

/**
 * The system part of a foreign-arch guest's root (an arm64 or s390x guest on an x86_64 host): the
 * host's binaries cannot run there, so the runners get the guest arch's static busybox in /usr/bin
 * (merged-/usr links for /bin and /sbin) and the public /etc copy. The selftests they run are
 * statically linked, so nothing else is needed.
 */
export function foreignSystemEntries(etcCopy: string): GuestRootEntry[] {
  return [
    { kind: 'busybox', guestPath: '/usr/bin' },
    { kind: 'symlink', guestPath: '/bin', target: 'usr/bin' },
    { kind: 'symlink', guestPath: '/sbin', target: 'usr/bin' },
    { kind: 'share', tag: 'bpfci-etc', guestPath: '/etc', hostPath: etcCopy },
  ];
}

/**
 * Secrets that must not reach the guest even where a host made them world-readable by mistake:
 * password hashes, private keys, keytabs, sudo rules, and anything named like a credential.
 * Everything else unreadable by "others" is withheld by the mode rule in copyPublicEtc.
 */
const ETC_SECRET = new RegExp(
  [
    String.raw`(^|/)g?shadow-?$`,
    String.raw`(^|/)sudoers(\.d)?(/|$)`,
    String.raw`(^|/)\.pwd\.lock$`,
    String.raw`(^|/)ssh/ssh_host_[^/]*_key$`,
    String.raw`\.key$`,
    String.raw`(^|/)private(/|$)`,
    String.raw`keytab`,
    String.raw`secret`,
    String.raw`credential`,
    String.raw`token`,
  ].join('|'),
  'i',
);

export function isEtcSecret(relativePath: string): boolean {
  return ETC_SECRET.test(relativePath);
}

const OTHERS_READ = 0o004;
const OTHERS_READ_EXEC = 0o005;

export interface EtcCopy {
  files: number;
  /** Relative paths left out (not readable by others, a known secret, or not a file/dir/symlink). */
  withheld: string[];
}

/**
 * Copy of `src` (the host's /etc) holding what any unprivileged user could read: world-readable
 * files, directories others may enter, and symlinks as they are (the guest resolves them in its
 * own view; /etc/alternatives needs them). Known secrets are left out whatever their mode.
 */
export function copyPublicEtc(src: string, dest: string): EtcCopy {
  const result: EtcCopy = { files: 0, withheld: [] };
  const walk = (rel: string): void => {
    const from = join(src, rel);
    const to = join(dest, rel);
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(from, name));
      if (isEtcSecret(childRel)) {
        result.withheld.push(childRel);
      } else if (st.isSymbolicLink()) {
        symlinkSync(readlinkSync(join(from, name)), join(to, name));
      } else if (st.isDirectory() && (st.mode & OTHERS_READ_EXEC) === OTHERS_READ_EXEC) {
        walk(childRel);
      } else if (st.isFile() && (st.mode & OTHERS_READ) !== 0) {
        copyFileSync(join(from, name), join(to, name));
        result.files++;
      } else {
        result.withheld.push(childRel);
      }
    }
  };
  walk('');
  return result;
}

/** Host folders whose contents are the runner's or other jobs': never inside a share. */
function privateFolders(env: NodeJS.ProcessEnv): string[] {
  return [homedir(), env.RUNNER_TEMP, env.RUNNER_TOOL_CACHE, env.HOME].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
}

function contains(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

/**
 * The selftests tree the guest sees at its own path. It is the pull request's anyway; refused when
 * exporting it would also export the host's root, a top-level folder, a home or the runner's temp
 * folder, or the kernel's own file systems.
 */
export function checkSelftestsShare(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  let real: string;
  try {
    real = realpathSync(cwd);
  } catch {
    real = resolve(cwd);
  }
  const problem = (why: string): Error =>
    new Error(`the selftests directory ${cwd} cannot be shared with the guest: ${why}; move it`);
  if (real.split('/').filter(Boolean).length < 2) throw problem('it is the host root or a top-level folder');
  if (/^\/(proc|sys|dev|etc)(\/|$)/.test(real)) throw problem(`${real} is a system folder`);
  for (const folder of privateFolders(env)) {
    if (contains(real, folder)) throw problem(`it holds ${folder}, which the guest must not see`);
  }
  return real;
}
