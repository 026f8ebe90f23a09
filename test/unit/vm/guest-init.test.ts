import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { shellQuote } from '@bpf-ci/domain';
import { foreignSystemEntries, guestInit, type RunPlan } from '@bpf-ci/vm';

const plan: RunPlan = {
  schemaVersion: 1,
  cwd: '/work/selftests/bpf',
  runners: [
    { name: 'test_verifier', kind: 'test_verifier', argv: ['./test_verifier'], timeoutSec: 600 },
    {
      name: 'test_progs',
      kind: 'test_progs',
      argv: ['./test_progs', '-a', "it's,$(reboot),`id`,a b"],
      listArgv: ['./test_progs', '-a', "it's,$(reboot),`id`,a b", '-l'],
      knownListArgv: ['./test_progs', '-l'],
      timeoutSec: 900,
    },
  ],
};

// Characters a shell treats specially, plus ordinary and non-ASCII ones.
const shellSpecial = fc.constantFrom(
  "'",
  '"',
  '$',
  '`',
  '\\',
  ' ',
  '\n',
  '\t',
  '(',
  ')',
  ',',
  '*',
  '!',
  ';',
  '&',
  '|',
  'a',
  'é',
  '#',
  '~',
);

describe('guest init script', () => {
  it('quotes any word so busybox sh hands it back unchanged', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: shellSpecial }), { minLength: 1, maxLength: 4 }), (words) => {
        const script = `printf '%s\\0' ${words.map(shellQuote).join(' ')}`;
        const out = execFileSync('busybox', ['sh', '-c', script], { encoding: 'utf8' });
        expect(out).toBe(words.map((w) => `${w}\0`).join(''));
      }),
      { numRuns: 60 },
    );
  });

  it('is valid busybox sh and runs each runner in order with its timeout, output and exit files', () => {
    const script = guestInit({
      plan,
      nonce: 'bpfci-abc',
      modules: ['virtio.ko', '9p.ko'],
      kernelRelease: '6.1.0-56-amd64',
      systemView: [
        { kind: 'share', tag: 'bpfci-sys-usr', guestPath: '/usr', hostPath: '/usr' },
        { kind: 'symlink', guestPath: '/bin', target: 'usr/bin' },
        { kind: 'share', tag: 'bpfci-etc', guestPath: '/etc', hostPath: '/tmp/x/etc' },
      ],
    });
    execFileSync('busybox', ['sh', '-n', '-c', script]);
    expect(script.indexOf('insmod /modules/virtio.ko')).toBeLessThan(script.indexOf('insmod /modules/9p.ko'));
    for (const fs of ['proc', 'sysfs', 'devtmpfs', 'debugfs', 'tracefs', 'bpf', 'cgroup2', 'tmpfs']) {
      expect(script).toMatch(new RegExp(`mount -t ${fs} `));
    }
    expect(script).toContain('ip link set lo up');
    expect(script).toContain(
      'mount -t 9p -o ro,cache=loose,trans=virtio,version=9p2000.L,msize=512000 bpfci-sys-usr /host/usr',
    );
    expect(script).toContain('ln -s usr/bin /host/bin');
    // The selftests tree at its own path, after the guest's tmpfs folders so /tmp/... works too.
    expect(script.indexOf('bpfci-selftests /host/work/selftests/bpf')).toBeGreaterThan(
      script.indexOf('mount -t tmpfs tmp /host/tmp'),
    );
    // Runners (chrooted into the shared root) see the writable output folder.
    expect(script).toContain('mount -o bind /out /host/tmp/.bpf-ci/out');
    expect(script).toMatch(
      /timeout -s TERM 600 chroot .*\.\/test_verifier 2>&1 \| tee \/out\/test_verifier\.log/,
    );
    expect(script.indexOf('say begin test_verifier')).toBeLessThan(script.indexOf('say begin test_progs'));
    expect(script).toContain("./test_progs -a 'it'\\''s,$(reboot),`id`,a b'");
    // Before the runner: what it will run (filtered) and every test it has (unfiltered, for deny entries).
    expect(script).toMatch(/timeout 120 chroot .* \.\/test_progs -l > \/out\/test_progs\.known/);
    expect(script.indexOf('/out/test_progs.known')).toBeLessThan(script.indexOf('say begin test_progs'));
    // QEMU runs with -no-reboot: a reboot ends it even where poweroff would only halt.
    expect(script.trimEnd().split('\n').slice(-2)).toEqual(['reboot -f', 'sleep 5']);
  });

  it("gives a foreign-arch guest a root of its own: the initramfs's static busybox in /usr/bin, no host binaries", () => {
    const systemView = foreignSystemEntries('/tmp/x/etc');
    expect(systemView.filter((e) => e.kind === 'share').map((e) => e.guestPath)).toEqual(['/etc']);
    const script = guestInit({ plan, nonce: 'bpfci-abc', modules: [], systemView });
    execFileSync('busybox', ['sh', '-n', '-c', script]);
    expect(script).toContain(
      "mkdir -p /host/usr/bin && cp /bin/busybox /host/usr/bin/busybox && /bin/busybox --install -s /host/usr/bin || die 'cannot install busybox in /usr/bin'",
    );
    expect(script).toContain('ln -s usr/bin /host/bin');
    expect(script).toContain('ln -s usr/bin /host/sbin');
    expect(script).not.toContain('bpfci-sys-');
    // The root is in place before the first runner chroots into it.
    expect(script.indexOf('/host/usr/bin/busybox')).toBeLessThan(script.indexOf('say begin'));
  });
});
