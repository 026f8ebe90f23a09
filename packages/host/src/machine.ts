// Facts about this machine beyond packages: Node, /dev/kvm, free disk for the cache, who may
// install packages. Each is a small I/O function whose result the doctor and the pre-check print.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { kvmOpens } from '@bpf-ci/vm';
import { systemProbes, which } from './check.ts';
import type { InstallFacts } from './plan.ts';

const execFileP = promisify(execFile);

export interface Verdict {
  ok: boolean;
  /** One line: what was found, and when not ok, why and what to do. */
  detail: string;
}

/** The Node major the repository's package.json `engines.node` asks for (">=24"). */
export function requiredNodeMajor(): number {
  const rootPackage = new URL('../../../package.json', import.meta.url);
  try {
    const engines = (JSON.parse(readFileSync(rootPackage, 'utf8')) as { engines?: { node?: string } })
      .engines;
    const m = /(\d+)/.exec(engines?.node ?? '');
    if (m?.[1]) return Number(m[1]);
  } catch {
    // Not in the repository layout: fall through to the version these sources are written for.
  }
  return 24;
}

export function checkNode(version: string = process.versions.node, major = requiredNodeMajor()): Verdict {
  const have = Number(version.split('.')[0]);
  return have >= major
    ? { ok: true, detail: `Node ${version}` }
    : {
        ok: false,
        detail: `Node ${version} is older than ${major}: npm install --prefix ~/.node${major} node@${major} and put ~/.node${major}/node_modules/.bin first on PATH`,
      };
}

/**
 * Whether QEMU can use KVM, and why not. Not having KVM is not an error: QEMU then emulates the
 * CPU (TCG), running the same tests several times slower. Each run still confirms KVM with a
 * probe boot before trusting it.
 */
export function checkKvm(device = '/dev/kvm'): Verdict {
  const opened = kvmOpens(device);
  if (opened.ok) return { ok: true, detail: `${device} opens: QEMU uses KVM` };
  const slow = 'QEMU falls back to TCG (emulation, several times slower)';
  if (!existsSync(device)) {
    return {
      ok: false,
      detail: `no ${device}: hardware virtualisation is off in the firmware, the kvm module is not loaded, or this is a VM without nested virtualisation; ${slow}`,
    };
  }
  if (opened.why.includes('EACCES')) {
    return {
      ok: false,
      detail: `${opened.why}: this user is not in the kvm group (sudo usermod -aG kvm $USER, then log in again); ${slow}`,
    };
  }
  return { ok: false, detail: `${opened.why}; ${slow}` };
}

/** Free bytes on the file system that holds `path` (or its nearest existing parent). */
export async function freeBytes(path: string): Promise<number> {
  let at = path;
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  const s = await statfs(at);
  return s.bavail * s.bsize;
}

export function formatBytes(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${gib.toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

/** Who may install packages here, read from the machine. */
export async function installFacts(env: NodeJS.ProcessEnv, noInstall: boolean): Promise<InstallFacts> {
  const probes = systemProbes(env);
  const uid = process.getuid?.() ?? -1;
  const dpkg = async (flag: string): Promise<string[]> => {
    if (!which('dpkg', probes)) return [];
    try {
      return (await execFileP('dpkg', [flag], { timeout: 10_000 })).stdout.split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  };
  const sudoWorks =
    uid !== 0 &&
    which('sudo', probes) !== undefined &&
    (await execFileP('sudo', ['-n', 'true'], { timeout: 10_000 }).then(
      () => true,
      () => false,
    ));
  const native = (await dpkg('--print-architecture'))[0];
  return {
    uid,
    sudoWorks,
    inGitHubActions: env['GITHUB_ACTIONS'] === 'true',
    noInstall,
    hasApt: which('apt-get', probes) !== undefined,
    ...(native ? { nativeArchitecture: native } : {}),
    foreignArchitectures: await dpkg('--print-foreign-architectures'),
  };
}
