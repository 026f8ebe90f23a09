// A fresh Debian 12 machine as a new user gets it: a minimal root made by debootstrap (its tarball
// cached for reruns), with only Node 24 (and the npm that comes with Node) and a copy of this
// repository. Commands run in it through chroot with /proc mounted; unmounting is checked.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDir } from '@bpf-ci/debian';

const execFileP = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');

/** The Debian mirror this machine's apt uses (debootstrap needs one), else Debian's CDN. */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const file of files.filter((f) => existsSync(f))) {
    const text = readFileSync(file, 'utf8');
    const deb822 = /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text)?.[1];
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+bookworm\s/m.exec(text)?.[1];
    if (deb822 ?? oneLine) return (deb822 ?? oneLine) as string;
  }
  return 'http://deb.debian.org/debian';
}

/** debootstrap's minimal Debian 12 root as a tarball in the cache, made once. */
export async function debianTarball(cache: string, log: (line: string) => void): Promise<string> {
  const dir = join(cache, 'host-e2e', 'debian12-minbase-amd64');
  await ensureDir(dir, async (tmp) => {
    const started = Date.now();
    log(`debootstrap --variant=minbase bookworm from ${debianMirror()} (about a minute, once)`);
    await execFileP('debootstrap', ['--variant=minbase', 'bookworm', join(tmp, 'root'), debianMirror()], {
      maxBuffer: 64 * 1024 * 1024,
    });
    await execFileP('tar', ['--zstd', '-cf', join(tmp, 'root.tar.zst'), '-C', join(tmp, 'root'), '.']);
    rmSync(join(tmp, 'root'), { recursive: true, force: true });
    log(`debootstrap root cached in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  return join(dir, 'root.tar.zst');
}

export interface FreshMachine {
  root: string;
  /** Runs `script` with sh inside the machine, in the repository copy, as root. */
  run(script: string, timeoutMs: number): { code: number; stdout: string; stderr: string };
  close(): void;
}

/**
 * Unpacks the root, copies Node 24 (the running node), the npm beside it, DNS settings and the
 * repository's files (tracked and new, not node_modules or caches) in, and mounts /proc.
 */
export function freshMachine(tarball: string): FreshMachine {
  const root = join(mkdtempSync(join(tmpdir(), 'bpf-ci-fresh-debian-')), 'root');
  try {
    populate(root, tarball);
  } catch (err) {
    rmSync(dirname(root), { recursive: true, force: true });
    throw err;
  }
  const proc = join(root, 'proc');
  execFileSync('mount', ['-t', 'proc', 'proc', proc]);
  return {
    root,
    run(script, timeoutMs) {
      const r = spawnSync(
        'chroot',
        [
          root,
          '/usr/bin/env',
          '-i',
          'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
          'HOME=/root',
          'LANG=C.UTF-8',
          ...(existsSync(join(root, CA_INSIDE)) ? [`NODE_EXTRA_CA_CERTS=${CA_INSIDE}`] : []),
          'sh',
          '-c',
          `cd /work/bpf-ci && ${script}`,
        ],
        { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      );
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    close() {
      if (mounted(proc)) {
        try {
          execFileSync('umount', [proc]);
        } catch {
          execFileSync('umount', ['--lazy', proc]);
        }
      }
      // Never delete through a mount point: only once /proc is really gone from the root.
      if (mounted(proc)) throw new Error(`${proc} is still mounted; not removing ${root}`);
      rmSync(dirname(root), { recursive: true, force: true });
    },
  };
}

const CA_INSIDE = '/etc/host-extra-ca.pem';

function populate(root: string, tarball: string): void {
  mkdirSync(root);
  execFileSync('tar', ['--zstd', '-xf', tarball, '-C', root]);

  // Node 24 (this process's binary) and npm: what "install Node 24" gives a user.
  copyFileSync(process.execPath, join(root, 'usr', 'local', 'bin', 'node'));
  const npmDir = npmPackageDir();
  cpSync(npmDir, join(root, 'usr', 'local', 'lib', 'node_modules', 'npm'), { recursive: true });
  for (const [name, script] of [
    ['npm', 'npm-cli.js'],
    ['npx', 'npx-cli.js'],
  ] as const) {
    execFileSync('ln', [
      '-s',
      `../lib/node_modules/npm/bin/${script}`,
      join(root, 'usr', 'local', 'bin', name),
    ]);
  }
  // The host's network settings go in with it: DNS, and the extra CA a TLS-inspecting network
  // gives Node (NODE_EXTRA_CA_CERTS), without which npm cannot reach the registry from there.
  copyFileSync('/etc/resolv.conf', join(root, 'etc', 'resolv.conf'));
  const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
  if (extraCa && existsSync(extraCa)) copyFileSync(extraCa, join(root, CA_INSIDE));

  const repoCopy = join(root, 'work', 'bpf-ci');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && existsSync(join(REPO, f)));
  for (const file of files) {
    mkdirSync(dirname(join(repoCopy, file)), { recursive: true });
    cpSync(join(REPO, file), join(repoCopy, file), { verbatimSymlinks: true });
  }
}

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[1] === path);
}

/** npm's own package folder, next to the running node or on PATH. */
function npmPackageDir(): string {
  const candidates = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'),
    '/usr/lib/node_modules/npm',
    '/usr/local/lib/node_modules/npm',
  ];
  const found = candidates.find((d) => existsSync(join(d, 'bin', 'npm-cli.js')));
  if (!found) throw new Error(`no npm package folder in ${candidates.join(', ')}`);
  return found;
}

/** Debian packages installed in the machine (dpkg's own view, to cross-check the doctor). */
export function installedPackages(machine: FreshMachine): Set<string> {
  const r = machine.run("dpkg-query -W -f='${Package} ${Status}\\n'", 60_000);
  return new Set(
    r.stdout
      .split('\n')
      .filter((l) => l.endsWith('install ok installed'))
      .map((l) => l.split(' ')[0] ?? ''),
  );
}
