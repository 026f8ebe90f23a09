// A real kernel built from Debian's linux-source-6.1 with gcc and a small QEMU-ready config
// (tinyconfig + packages/kernel/configs/qemu-minimal.config: virtio, 9p, serial console, BPF, BTF,
// all built in), booted under QEMU to userspace. Then: an unchanged config builds incrementally, a
// compile error becomes an annotation on the file and line, and config assembly reports dropped
// options and rebuilds from scratch when a fragment changes.
//
// The build folder lives in $BPF_CI_CACHE/kernel-e2e and is kept: the benchmark reuses it.
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  BuildError,
  buildKernel,
  ensureDefaultSelftests,
  fetchLinuxSource,
  packageArtifact,
  parseConfig,
  unpackArtifact,
  type KernelBuild,
} from '@bpf-ci/kernel';
import { E2E_DIR, E2E_TREE, qemuKernelOptions } from './kernel-e2e-setup.ts';

/** A busybox initramfs whose /init prints what the test checks, then reboots (QEMU exits: -no-reboot). */
function busyboxInitramfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'bpf-ci-initramfs-'));
  for (const d of ['bin', 'proc', 'sys', 'dev']) mkdirSync(join(root, d));
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s /bin',
    'mount -t proc proc /proc',
    'mount -t sysfs sysfs /sys',
    'echo "BPF-CI userspace $(uname -r)"',
    '[ -r /sys/kernel/btf/vmlinux ] && echo "BPF-CI btf $(wc -c < /sys/kernel/btf/vmlinux)"',
    'mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf && echo "BPF-CI bpffs mounted"',
    'echo "BPF-CI jit $(cat /proc/sys/net/core/bpf_jit_enable)"',
    'reboot -f',
    '',
  ].join('\n');
  writeFileSync(join(root, 'init'), init);
  chmodSync(join(root, 'init'), 0o755);
  const files = execFileSync('find', ['.', '-print0'], { cwd: root });
  const cpio = execFileSync('cpio', ['--null', '-o', '-H', 'newc', '--quiet'], { cwd: root, input: files });
  const path = join(root, '..', `${root.split('/').pop()}.cpio`);
  writeFileSync(path, cpio);
  return path;
}

function boot(image: string, initramfs: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      'qemu-system-x86_64',
      [
        '-m',
        '512',
        '-nographic',
        '-no-reboot',
        '-accel',
        'tcg',
        '-kernel',
        image,
        '-initrd',
        initramfs,
        '-append',
        'console=ttyS0 panic=-1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    qemu.stdout.on('data', (d: Buffer) => (out += d.toString()));
    qemu.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      qemu.kill('SIGKILL');
      reject(new Error(`QEMU did not exit within ${timeoutMs} ms; console:\n${out.slice(-3000)}`));
    }, timeoutMs);
    qemu.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** The e2e's own copy of linux-source-6.1: hard links, so making it costs only directory entries. */
async function ensureTree(): Promise<void> {
  const source = await fetchLinuxSource(new MemoryLogger());
  if (!existsSync(E2E_TREE)) {
    mkdirSync(E2E_DIR, { recursive: true });
    // The test edits one file by replacing it (a new inode), never through a link into the cache.
    execFileSync('cp', ['-al', source, E2E_TREE]);
  }
}

// The full small-kernel build (tinyconfig + qemu-minimal.config, DEBUG_INFO_BTF) has not yet been
// measured on an idle 2-core machine; under this session's load it ran for over 90 minutes. Until it is
// measured to fit CI's budget it runs only when asked: BPF_CI_E2E_KERNEL_BUILD=1 npm run test:e2e.
const fullKernelBuild = process.env['BPF_CI_E2E_KERNEL_BUILD'] === '1';

describe.runIf(fullKernelBuild)('kernel build from source', () => {
  let first: KernelBuild;
  const firstLog = new MemoryLogger();

  beforeAll(async () => {
    await ensureTree();
    first = await buildKernel(qemuKernelOptions(), firstLog);
  });

  it('builds a small QEMU-ready kernel with gcc, recording the toolchain and keeping every option asked for', () => {
    expect(existsSync(first.image)).toBe(true);
    expect(first.toolchain.name).toBe('gcc');
    expect(first.toolchain.version).toMatch(/^gcc .*\d+\.\d+/);
    expect(first.release).toMatch(/^6\.1\.\d+/);
    expect(first.dropped).toEqual([]);
    const config = parseConfig(readFileSync(first.config, 'utf8'));
    for (const option of [
      'CONFIG_BPF_SYSCALL',
      'CONFIG_BPF_JIT',
      'CONFIG_DEBUG_INFO_BTF',
      'CONFIG_9P_FS',
      'CONFIG_VIRTIO_PCI',
    ]) {
      expect(config.get(option), option).toBe('y');
    }
    expect(execFileSync('readelf', ['-S', first.vmlinux], { encoding: 'utf8' })).toContain('.BTF');
    // Progress was visible while it built.
    expect(firstLog.messages('info').some((m) => /^\[kernel \d+s\] \d+ steps done/.test(m))).toBe(true);
    process.stderr.write(`kernel e2e: ${first.reason}; ${first.seconds.toFixed(0)} s\n`);
  });

  it('boots under QEMU to userspace with BTF at /sys/kernel/btf/vmlinux and BPF available', async () => {
    const console = await boot(first.image, busyboxInitramfs(), 180_000);
    expect(console).toContain(`Linux version ${first.release}`);
    expect(console).toContain(`BPF-CI userspace ${first.release}`);
    expect(console).toMatch(/BPF-CI btf [1-9]\d{4,}/);
    expect(console).toContain('BPF-CI bpffs mounted');
    expect(console).toContain('BPF-CI jit 1');
  });

  it('builds incrementally when the config and toolchain are unchanged', async () => {
    const logger = new MemoryLogger();
    const again = await buildKernel(qemuKernelOptions(), logger);
    expect(again.incremental).toBe(true);
    expect(logger.messages('info')).toContain(again.reason);
    expect(again.reason).toMatch(/^Config and toolchain unchanged: incremental build/);
    expect(logger.messages('group')).toContain('Config diff against the previous build (0 changes)');
  });

  it('turns a compile error in a kernel source file into an annotation on that file and line', async () => {
    const file = join(E2E_TREE, 'kernel', 'bpf', 'core.c');
    const original = readFileSync(file, 'utf8');
    const lines = original.split('\n');
    const at = lines.findIndex((l) => l.startsWith('void __bpf_prog_free(struct bpf_prog *fp)'));
    expect(at).toBeGreaterThan(0);
    // Replace the file (new inode) rather than write through the hard link into the cached tree.
    const broken = [
      ...lines.slice(0, at + 2),
      '\tbpf_ci_undeclared_identifier++;',
      ...lines.slice(at + 2),
    ].join('\n');
    const saved = `${file}.bpf-ci-orig`;
    renameSync(file, saved);
    writeFileSync(file, broken);
    const logger = new MemoryLogger();
    try {
      const error = await buildKernel(qemuKernelOptions(), logger).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(BuildError);
      expect((error as Error).message).toContain(`kernel/bpf/core.c:${at + 3}:`);
      const annotation = logger.entries.find(
        (e) => e.level === 'error' && e.properties?.file === 'kernel/bpf/core.c',
      );
      expect(annotation?.properties?.line).toBe(at + 3);
      expect(annotation?.message).toContain('bpf_ci_undeclared_identifier');
      expect(annotation?.properties?.title).toBe('Compiler error');
    } finally {
      renameSync(saved, file);
    }
  });

  it('packs the kernel and the selftests into an artifact with a manifest the runner can read', async () => {
    const logger = new MemoryLogger();
    const selftests = await ensureDefaultSelftests(logger);
    const out = mkdtempSync(join(tmpdir(), 'bpf-ci-artifact-'));
    const { path, manifest } = await packageArtifact(
      {
        arch: first.arch,
        toolchain: { name: first.toolchain.name, version: first.toolchain.version },
        release: first.release,
        configHash: first.configHash,
        image: first.image,
        vmlinux: first.vmlinux,
        config: first.config,
        selftestsDir: selftests.dir,
        source: { version: '6.1.192' },
        outDir: out,
      },
      logger,
    );
    const unpacked = await unpackArtifact(path, join(out, 'unpacked'));
    expect(unpacked.manifest).toEqual(manifest);
    expect(manifest.kernelRelease).toBe(first.release);
    expect(manifest.toolchain.version).toBe(first.toolchain.version);
    const sections = execFileSync('readelf', ['-S', join(unpacked.dir, 'vmlinux')], { encoding: 'utf8' });
    expect(sections).toContain('.BTF');
    expect(sections).not.toContain('.debug_info');
    expect(readFileSync(join(unpacked.dir, 'config'), 'utf8')).toContain('CONFIG_DEBUG_INFO_BTF=y');
    for (const f of [
      'bzImage',
      'selftests/test_progs',
      'selftests/test_verifier',
      'selftests/bpf_testmod.ko',
    ]) {
      expect(existsSync(join(unpacked.dir, f)), f).toBe(true);
    }
    expect(readdirSync(join(unpacked.dir, 'selftests', 'no_alu32')).some((f) => f.endsWith('.bpf.o'))).toBe(
      true,
    );
  });
});

describe('kernel config assembly and rebuild decisions', () => {
  beforeAll(ensureTree);

  it('reports an option that cannot be set by name, and rebuilds from scratch when a fragment changes', async () => {
    const dir = join(E2E_DIR, 'config-check');
    const targets = ['scripts_basic'];
    const base = qemuKernelOptions(dir);
    const fragment = (text: string) => ({
      ...base,
      targets,
      fragments: [...base.fragments, { name: 'extra.config', text }],
    });

    // NET_CLS_BPF needs NET_SCHED, which nothing enables: olddefconfig drops it.
    const logger = new MemoryLogger();
    const one = await buildKernel(fragment('CONFIG_NET_CLS_BPF=y\n'), logger);
    expect(one.dropped.map((d) => d.option)).toEqual(['CONFIG_NET_CLS_BPF']);
    const warning = logger.entries.find(
      (e) => e.level === 'warning' && e.message.startsWith('CONFIG_NET_CLS_BPF'),
    );
    expect(warning?.message).toContain('requested as y by extra.config');

    const same = await buildKernel(fragment('CONFIG_NET_CLS_BPF=y\n'), new MemoryLogger());
    expect(same.incremental).toBe(true);

    writeFileSync(join(dir, 'marker-from-previous-build'), 'x');
    const changedLog = new MemoryLogger();
    const changed = await buildKernel(
      fragment('CONFIG_NET_CLS_BPF=y\nCONFIG_NET_SCHED=y\nCONFIG_NET_CLS_BPF=y\n'),
      changedLog,
    );
    expect(changed.incremental).toBe(false);
    expect(changed.reason).toMatch(/^Config changed \(\d+ options\): full rebuild$/);
    expect(changed.dropped).toEqual([]);
    expect(existsSync(join(dir, 'marker-from-previous-build'))).toBe(false);
    const diffGroup = changedLog
      .messages('group')
      .find((m) => m.startsWith('Config diff against the previous build'));
    expect(diffGroup).toMatch(/\((\d+) changes\)/);
    expect(changedLog.messages('untrusted').join('\n')).toContain('+NET_CLS_BPF y');
  });
});
