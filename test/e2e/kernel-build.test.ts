// A real kernel built from Debian's linux-source-6.1 with gcc and a small QEMU-ready config
// (tinyconfig + packages/kernel/configs/qemu-minimal.config: virtio, 9p, serial console, BPF, BTF,
// tracing, all built in), booted by the vmtest-runner, which runs test_verifier and a test_progs
// allowlist in it. Then: an unchanged config builds incrementally, a compile error becomes an
// annotation on the file and line, the artifact carries what the runner needs, and config assembly
// reports dropped options and rebuilds from scratch when a fragment changes.
//
// The build folder lives in $BPF_CI_CACHE/kernel-e2e and is kept: the benchmark reuses it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  BuildError,
  buildKernel,
  ensureDefaultSelftests,
  packageArtifact,
  parseConfig,
  unpackArtifact,
  type KernelBuild,
} from '@bpf-ci/kernel';
import { totalCounts } from '@bpf-ci/model';
import { buildPlan, runVmTests, type RunPlan } from '@bpf-ci/vm';
import { ownSummary, scratch, timed } from './helpers.ts';
import { E2E_DIR, E2E_TREE, ensureTree, qemuKernelOptions } from './kernel-e2e-setup.ts';

/**
 * test_progs tests that pass on the small kernel under TCG in seconds: kprobes and uprobes, fentry
 * and fexit, XDP and tc test runs, BTF-defined maps, tail calls, trace_printk through tracefs, and
 * CO-RE Kconfig externs (which read the built kernel's config in the guest).
 */
const BUILT_KERNEL_TESTS = [
  'align',
  'attach_probe',
  'bpf_loop',
  'btf_map_in_map',
  'core_extern',
  'fentry_test',
  'fexit_test',
  'global_data',
  'pkt_access',
  'queue_stack_map',
  'skb_ctx',
  'spinlock',
  'stacktrace_map',
  'subprogs',
  'syscall',
  'tailcalls',
  'trace_printk',
  'xdp',
  'xdp_adjust_tail',
];

// The full build takes about 10 minutes on 2 idle cores (bench/RESULTS.md), then seconds while
// its folder is kept in the cache. BPF_CI_E2E_KERNEL_BUILD=0 leaves it out of a local run.
const fullKernelBuild = process.env['BPF_CI_E2E_KERNEL_BUILD'] !== '0';

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

  it('boots under the vmtest-runner, which runs test_verifier and test_progs on it', async () => {
    const selftests = await ensureDefaultSelftests(new MemoryLogger());
    const requested = buildPlan(
      {
        arch: 'x86_64',
        selftestsDir: selftests.dir,
        runners: ['test_verifier', 'test_progs'],
        allow: BUILT_KERNEL_TESTS,
        timeoutSec: 900,
      },
      new MemoryLogger(),
    );
    const plan: RunPlan = {
      ...requested,
      runners: [
        {
          name: 'kernel',
          kind: 'command',
          argv: ['true'],
          guestShell:
            'echo "release $(uname -r)"; echo "btf $(wc -c < /sys/kernel/btf/vmlinux)"; echo "jit $(cat /proc/sys/net/core/bpf_jit_enable)"',
          timeoutSec: 60,
        },
        ...requested.runners,
      ],
    };
    const out = scratch('built-kernel');
    const logger = new MemoryLogger();
    const outcome = await timed('built kernel: boot, test_verifier, test_progs allowlist', () =>
      runVmTests(
        {
          arch: 'x86_64',
          kernelImage: first.image,
          kernelConfig: first.config,
          plan,
          outputDir: out,
          context: { arch: 'x86_64', kernelRelease: first.release, toolchain: first.toolchain.name },
        },
        logger,
      ),
    );
    expect(logger.messages('info')).toContain('Initramfs: busybox + 0 modules (none: all built in)');
    expect(readFileSync(join(out, 'console.log'), 'utf8')).toContain(`Linux version ${first.release}`);
    const kernel = readFileSync(join(out, 'kernel.log'), 'utf8');
    expect(kernel).toContain(`release ${first.release}`);
    expect(kernel).toMatch(/^btf [1-9]\d{5,}$/m);
    expect(kernel).toMatch(/^jit 1$/m);

    expect(outcome.fault).toBeUndefined();
    const [, verifier, progs] = outcome.run.binaries;
    expect(verifier?.binary).toBe('test_verifier');
    expect(verifier?.printedCounts).toEqual(ownSummary(join(out, 'test_verifier.log')));
    expect(verifier?.printedCounts?.failed).toBe(0);
    expect(verifier?.printedCounts?.passed).toBeGreaterThan(1300);
    expect(progs?.binary).toBe('test_progs');
    expect(progs?.tests.map((t) => `${t.name} ${t.status}`).sort()).toEqual(
      BUILT_KERNEL_TESTS.map((name) => `${name} pass`).sort(),
    );
    expect(progs?.printedCounts).toEqual(ownSummary(join(out, 'test_progs.log')));
    expect(totalCounts(outcome.run.binaries).failed).toBe(0);
    expect(outcome.conclusion).toBe('success');
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
