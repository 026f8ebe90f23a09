// Threat: the guest runs the pull request's kernel and selftests as root and its console is public.
// Whatever the host exports over 9p, the guest can read and print. So the exports are a short,
// read-only list (system directories, a public /etc, the selftests tree) plus one writable output
// folder; never the host root, homes, /proc, /sys, /run, /tmp, /var or the runner's folders.
// The same promise is checked inside a real guest by test/e2e/vm-faults.test.ts ("guest visibility").
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { checkSelftestsShare, copyPublicEtc, prepareVm, systemEntries, type RunPlan } from '@bpf-ci/vm';

const FORBIDDEN = ['/', '/proc', '/sys', '/home', '/root', '/run', '/tmp', '/var', homedir()];

function inside(parent: string, child: string): boolean {
  return parent === '/' ? true : child === parent || child.startsWith(`${parent}/`);
}

describe('what the host exports to the guest', () => {
  it('a real prepared VM exports no forbidden folder, and only the output folder writable', async () => {
    const work = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-view-'));
    const selftests = join(work, 'linux', 'tools', 'testing', 'selftests', 'bpf');
    mkdirSync(selftests, { recursive: true });
    const kernel = join(work, 'bzImage');
    writeFileSync(kernel, 'not booted here');
    const plan: RunPlan = {
      schemaVersion: 1,
      cwd: selftests,
      runners: [{ name: 'x', kind: 'command', argv: ['true'], timeoutSec: 10 }],
    };
    const vm = await prepareVm(
      { arch: 'x86_64', kernelImage: kernel, plan, outputDir: join(work, 'out'), accelerator: 'tcg' },
      new MemoryLogger(),
    );
    try {
      const fsdevs = vm.args.filter((_, i) => vm.args[i - 1] === '-fsdev');
      const shares = fsdevs.map((f) => ({
        path: /,path=((?:[^,]|,,)*)/.exec(f)?.[1]?.replaceAll(',,', ',') ?? '',
        readonly: f.includes(',readonly=on'),
      }));
      expect(shares.length).toBeGreaterThanOrEqual(4);
      for (const share of shares) {
        for (const forbidden of FORBIDDEN) {
          // A share may live under /tmp (our scratch copy of /etc, the selftests here), but it
          // must never BE one of these folders nor hold one.
          expect(inside(share.path, forbidden), `${share.path} exposes ${forbidden}`).toBe(false);
        }
      }
      expect(shares.filter((s) => !s.readonly).map((s) => s.path)).toEqual([join(work, 'out')]);
      expect(shares.map((s) => s.path)).toContain(selftests);
      expect(shares.map((s) => s.path)).not.toContain('/etc');
    } finally {
      vm.cleanup();
    }
  });

  it('system folders: a share per real folder, symlinks stay symlinks, /etc is the public copy', () => {
    const view = systemEntries('/scratch/etc', (path) =>
      path === '/usr'
        ? { type: 'dir' }
        : path === '/bin'
          ? { type: 'symlink', target: 'usr/bin' }
          : undefined,
    );
    expect(view).toEqual([
      { kind: 'share', tag: 'bpfci-sys-usr', guestPath: '/usr', hostPath: '/usr' },
      { kind: 'symlink', guestPath: '/bin', target: 'usr/bin' },
      { kind: 'share', tag: 'bpfci-etc', guestPath: '/etc', hostPath: '/scratch/etc' },
    ]);
  });

  it('the public /etc holds what any user may read, never password hashes or private keys', () => {
    const root = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-etc-'));
    const etc = join(root, 'etc');
    const file = (rel: string, mode: number): void => {
      mkdirSync(join(etc, rel, '..'), { recursive: true });
      writeFileSync(join(etc, rel), 'x');
      chmodSync(join(etc, rel), mode);
    };
    file('passwd', 0o644);
    file('ld.so.cache', 0o644);
    file('shadow', 0o640);
    file('gshadow', 0o644); // world-readable by mistake: still withheld by name
    file('ssh/ssh_host_ed25519_key', 0o600);
    file('ssh/ssh_host_rsa_key', 0o644); // likewise
    file('ssh/ssh_host_ed25519_key.pub', 0o644);
    file('ssl/private/runner.pem', 0o644);
    file('sudoers', 0o440);
    file('locked/inner', 0o644);
    chmodSync(join(etc, 'locked'), 0o700);
    mkdirSync(join(etc, 'alternatives'));
    symlinkSync('/usr/sbin/iptables-nft', join(etc, 'alternatives', 'iptables'));

    const copy = copyPublicEtc(etc, join(root, 'copy'));
    const listed = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
    expect(listed(join(root, 'copy'))).toEqual([
      'alternatives',
      'alternatives/iptables',
      'ld.so.cache',
      'passwd',
      'ssh',
      'ssh/ssh_host_ed25519_key.pub',
      'ssl',
    ]);
    expect(copy.withheld.sort()).toEqual([
      'gshadow',
      'locked',
      'shadow',
      'ssh/ssh_host_ed25519_key',
      'ssh/ssh_host_rsa_key',
      'ssl/private',
      'sudoers',
    ]);
  });

  it('refuses a selftests folder whose export would also export the host root, a home or /proc', () => {
    expect(() => checkSelftestsShare('/')).toThrow(/host root or a top-level folder/);
    expect(() => checkSelftestsShare('/home')).toThrow(/top-level/);
    expect(() => checkSelftestsShare('/proc/self')).toThrow(/system folder/);
    const home = join(mkdtempSync(join(tmpdir(), 'bpf-ci-sec-home-')), 'home', 'runner');
    mkdirSync(home, { recursive: true });
    expect(() => checkSelftestsShare(join(home, '..'), { HOME: home })).toThrow(/holds .* which the guest/);
    expect(() => checkSelftestsShare(home, { RUNNER_TEMP: join(home, '_temp') })).toThrow(/_temp/);
    expect(checkSelftestsShare(join(home, 'linux/tools/testing/selftests/bpf'), { HOME: home })).toBe(
      join(home, 'linux/tools/testing/selftests/bpf'),
    );
  });
});
