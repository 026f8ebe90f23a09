// A real kernel built from Debian's linux-source-6.1 with gcc and a small QEMU-ready config
// (tinyconfig + packages/kernel/configs/qemu-minimal.config: virtio, 9p, serial console, BPF, BTF,
// tracing, all built in) and GCOV of kernel/bpf, booted by the vmtest-runner, which runs
// test_verifier and a test_progs allowlist in it and copies the GCOV counters out; the host turns
// them into an LCOV tracefile, a report, patch coverage of a synthetic change and HTML. Then: an unchanged config builds incrementally, a compile error becomes an
// annotation on the file and line, the artifact carries what the runner needs, and config assembly
// reports dropped options and rebuilds from scratch when a fragment changes.
//
// The build folder lives in $BPF_CI_CACHE/kernel-e2e and is kept: the benchmark reuses it.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
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
  packageArtifact,
  parseConfig,
  unpackArtifact,
  type KernelBuild,
} from '@bpf-ci/kernel';
import { parseRun, totalCounts } from '@bpf-ci/model';
import { buildPlan, gcovOutputDir, runVmTests, withGcovCapture, type RunPlan } from '@bpf-ci/vm';
import {
  captureTracefile,
  coverageReport,
  lcovSummary,
  parseLcov,
  parseUnifiedDiff,
  renderCoverageMarkdown,
  runCoverageStep,
  uncoveredAnnotations,
  writeHtmlReport,
} from '@bpf-ci/coverage';
import { ownSummary, scratch, timed } from './helpers.ts';
import {
  BUILT_KERNEL_TESTS,
  E2E_COVERAGE_DIRECTORIES,
  E2E_DIR,
  E2E_TREE,
  ensureTree,
  qemuKernelOptions,
} from './kernel-e2e-setup.ts';

/** In do_check(): runs for every instruction of every program test_verifier loads. */
const COVERED_ADDED_LINE = 'insn = &insns[env->insn_idx];';
/** In check_struct_ops_btf_id(): no test of this run loads a struct_ops program. */
const UNREACHED_ADDED_LINE = 'st_ops = bpf_struct_ops_find(btf_id);';
const UNREACHED_FUNCTION = 'static int check_struct_ops_btf_id(struct bpf_verifier_env *env)';

// The full build takes about 10 minutes on 2 idle cores (bench/RESULTS.md), then seconds while
// its folder is kept in the cache. BPF_CI_E2E_KERNEL_BUILD=0 leaves it out of a local run.
const fullKernelBuild = process.env['BPF_CI_E2E_KERNEL_BUILD'] !== '0';

describe.runIf(fullKernelBuild)('kernel build from source', () => {
  let first: KernelBuild;
  const firstLog = new MemoryLogger();
  /** The booted run's output folder (the GCOV counters the guest copied are in it). */
  let bootOut: string | undefined;
  /** What an artifact of the first build says about its kernel. */
  const builtKernel = () => ({
    arch: first.arch,
    toolchain: { name: first.toolchain.name, version: first.toolchain.version },
    release: first.release,
    configHash: first.configHash,
    image: first.image,
    vmlinux: first.vmlinux,
    config: first.config,
    source: { version: '6.1.192' },
  });

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
    // GCOV of kernel/bpf only: the build said how it profiles the directory, and only that
    // directory's objects carry GCOV notes, compiled with atomic counter updates.
    expect(config.get('CONFIG_GCOV_KERNEL')).toBe('y');
    expect(firstLog.messages('info')).toContain(
      'GCOV: GCOV_PROFILE := y added for kernel/bpf by the build (make --eval; the source tree is not modified), CFLAGS_GCOV=-fprofile-arcs -ftest-coverage -fno-tree-loop-im -fprofile-update=atomic, CONFIG_GCOV_KERNEL=y, debugfs on',
    );
    const notes = execFileSync('find', [first.buildDir, '-name', '*.gcno', '-printf', '%h\\n'], {
      encoding: 'utf8',
    });
    expect(new Set(notes.trim().split('\n'))).toEqual(new Set([join(first.buildDir, 'kernel/bpf')]));
    expect(readFileSync(join(first.buildDir, 'kernel/bpf/.verifier.o.cmd'), 'utf8')).toContain(
      '-fprofile-update=atomic',
    );
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
      runners: withGcovCapture([
        {
          name: 'kernel',
          kind: 'command',
          argv: ['true'],
          guestShell:
            'echo "release $(uname -r)"; echo "btf $(wc -c < /sys/kernel/btf/vmlinux)"; echo "jit $(cat /proc/sys/net/core/bpf_jit_enable)"',
          timeoutSec: 60,
        },
        ...requested.runners,
      ]),
    };
    const out = scratch('built-kernel');
    bootOut = out;
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
    expect(readFileSync(join(out, 'gcov-all.log'), 'utf8')).toMatch(
      /^gcov: [1-9]\d* \.gcda files copied to gcov\/all$/m,
    );
  });

  it('turns the GCOV counters the guest copied into kernel/bpf coverage: totals as lcov counts them, a per-file table, HTML', async () => {
    expect(bootOut, 'the boot test ran').toBeDefined();
    const out = bootOut!;
    const tracefile = join(out, 'coverage.lcov');
    const logger = new MemoryLogger();
    const captured = await timed('coverage: geninfo on the copied counters', () =>
      captureTracefile(
        {
          gcdaDir: join(out, gcovOutputDir()),
          buildDir: first.buildDir,
          sourceDir: E2E_TREE,
          output: tracefile,
          directories: E2E_COVERAGE_DIRECTORIES,
          testName: 'kernel-e2e',
        },
        logger,
      ),
    );
    // One .gcda per profiled object the kernel linked in.
    const objects = readdirSync(join(first.buildDir, 'kernel/bpf')).filter((f) => f.endsWith('.gcno'));
    expect(captured).toBe(objects.length);
    const files = parseLcov(readFileSync(tracefile, 'utf8'));
    const verifier = files.get('kernel/bpf/verifier.c');
    expect(verifier, 'kernel/bpf/verifier.c in the tracefile').toBeDefined();
    expect([...verifier!.lines.values()].filter((hits) => hits > 0).length).toBeGreaterThan(0);
    expect(verifier!.functions.get('do_check')?.hits).toBeGreaterThan(0);

    const { report } = coverageReport({ files, directories: E2E_COVERAGE_DIRECTORIES });
    // The totals are what lcov itself says about the same file.
    const summary = await lcovSummary(tracefile);
    const lcovCount = (what: string): { hit: number; found: number } => {
      const m = new RegExp(`\\((\\d+) of (\\d+) ${what}\\)`).exec(summary);
      if (!m) throw new Error(`no ${what} in lcov --summary: ${summary}`);
      return { hit: Number(m[1]), found: Number(m[2]) };
    };
    expect(report.lines).toEqual(lcovCount('lines'));
    expect(report.functions).toEqual(lcovCount('functions'));
    expect(report.branches).toEqual(lcovCount('branches'));
    expect(report.files.map((f) => f.path)).toContain('kernel/bpf/verifier.c');
    const uncovered = report.files.map((f) => f.lines.found - f.lines.hit);
    expect(uncovered).toEqual([...uncovered].sort((a, b) => b - a));
    const markdown = renderCoverageMarkdown(report, undefined);
    expect(markdown).toContain(`| Lines | `);
    expect(markdown).toContain(`(${report.lines.hit} of ${report.lines.found}) |`);
    process.stderr.write(
      `kernel e2e coverage: lines ${report.lines.hit}/${report.lines.found}, functions ${report.functions.hit}/${report.functions.found}, branches ${report.branches.hit}/${report.branches.found}\n`,
    );

    const html = join(out, 'coverage-html');
    await writeHtmlReport(tracefile, html, E2E_TREE, logger);
    expect(readFileSync(join(html, 'index.html'), 'utf8')).toContain('kernel/bpf');
    expect(existsSync(join(html, 'kernel/bpf/verifier.c.gcov.html'))).toBe(true);
  });

  it("the workflow's coverage step: the artifact ships the profiled notes, and geninfo with them alone gives the same report", async () => {
    expect(bootOut, 'the boot test ran').toBeDefined();
    const out = mkdtempSync(join(tmpdir(), 'bpf-ci-artifact-gcov-'));
    const { path } = await packageArtifact(
      {
        ...builtKernel(),
        outDir: out,
        coverage: { directories: E2E_COVERAGE_DIRECTORIES, sourceDir: E2E_TREE, buildDir: first.buildDir },
      },
      new MemoryLogger(),
    );
    const { dir, manifest } = await unpackArtifact(path, join(out, 'unpacked'));
    const notes = (at: string): string[] =>
      readdirSync(at)
        .filter((f) => f.endsWith('.gcno'))
        .sort();
    expect(notes(join(dir, 'gcno', 'kernel/bpf'))).toEqual(notes(join(first.buildDir, 'kernel/bpf')));
    expect(manifest.coverage).toEqual({
      directories: E2E_COVERAGE_DIRECTORIES,
      sourceDir: E2E_TREE,
      buildDir: first.buildDir,
    });
    const results = join(out, 'results.json');
    copyFileSync(join(bootOut!, 'results.json'), results);
    const step = await timed('coverage: the workflow step with the artifact', () =>
      runCoverageStep(
        {
          gcovDir: join(bootOut!, 'gcov'),
          gcnoDir: join(dir, manifest.files.gcno!),
          buildSourceDir: manifest.coverage!.sourceDir,
          directories: manifest.coverage!.directories,
          outputDir: join(out, 'coverage'),
          sourceDir: E2E_TREE,
          results,
        },
        new MemoryLogger(),
      ),
    );
    // The same numbers as geninfo in the build folder gave (the test before).
    const direct = coverageReport({
      files: parseLcov(readFileSync(join(bootOut!, 'coverage.lcov'), 'utf8')),
      directories: E2E_COVERAGE_DIRECTORIES,
    }).report;
    expect(step.report).toEqual(direct);
    expect(parseRun(JSON.parse(readFileSync(results, 'utf8'))).coverage).toEqual(direct);
    expect(existsSync(join(out, 'coverage', 'html', 'kernel', 'bpf', 'verifier.c.gcov.html'))).toBe(true);
  });

  it('patch coverage of a synthetic change to verifier.c: the added line test_verifier runs is covered, the unreached one is not', () => {
    expect(bootOut, 'the boot test ran').toBeDefined();
    const files = parseLcov(readFileSync(join(bootOut!, 'coverage.lcov'), 'utf8'));
    const source = readFileSync(join(E2E_TREE, 'kernel/bpf/verifier.c'), 'utf8');
    const lines = source.split('\n');
    const lineOf = (text: string, after = 0): number => {
      const i = lines.findIndex((l, n) => n >= after && l.includes(text));
      expect(i, text).toBeGreaterThan(0);
      return i + 1;
    };
    // The change "added" two lines of today's file: its base is the file without them, its head
    // the file the kernel was built from. One is do_check()'s fetch of each instruction, the other
    // an error path no test reaches.
    const ranLine = lineOf(COVERED_ADDED_LINE, lineOf('static int do_check(struct bpf_verifier_env *env)'));
    const unreachedLine = lineOf(UNREACHED_ADDED_LINE, lineOf(UNREACHED_FUNCTION));
    const repo = scratch('patch');
    const git = (...args: string[]): string =>
      execFileSync(
        'git',
        ['-C', repo, '-c', 'user.name=bpf-ci', '-c', 'user.email=ci@bpf-ci.invalid', ...args],
        {
          encoding: 'utf8',
        },
      );
    git('init', '-q');
    execFileSync('mkdir', ['-p', join(repo, 'kernel/bpf')]);
    const base = lines.filter((_, i) => i + 1 !== ranLine && i + 1 !== unreachedLine).join('\n');
    writeFileSync(join(repo, 'kernel/bpf/verifier.c'), base);
    git('add', '.');
    git('commit', '-qm', 'base');
    writeFileSync(join(repo, 'kernel/bpf/verifier.c'), source);
    git('commit', '-qam', 'head');
    const added = parseUnifiedDiff(git('diff', 'HEAD~1', 'HEAD'));
    expect([...added]).toEqual([['kernel/bpf/verifier.c', [ranLine, unreachedLine].sort((a, b) => a - b)]]);

    const { report, patch } = coverageReport({
      files,
      directories: E2E_COVERAGE_DIRECTORIES,
      diff: { base: 'HEAD~1', head: 'HEAD', added },
    });
    expect(patch!.covered.map((l) => [l.line, l.function])).toEqual([[ranLine, 'do_check']]);
    expect(patch!.uncovered.map((l) => [l.line, l.function])).toEqual([
      [unreachedLine, 'check_struct_ops_btf_id'],
    ]);
    expect(report.patch?.covered).toBe(1);
    const [warning] = uncoveredAnnotations(patch!);
    expect(warning).toMatchObject({ level: 'warning', file: 'kernel/bpf/verifier.c', line: unreachedLine });
    const markdown = renderCoverageMarkdown(report, patch);
    expect(markdown).toContain(`kernel/bpf/verifier\\.c:${unreachedLine} |`);
    expect(markdown).toContain(`Covered: kernel/bpf/verifier\\.c:${ranLine}`);
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
      // The failed compile removed core.gcno while core.o, newer than the restored core.c, stays:
      // without its object the next build compiles core.c again and the GCOV notes are whole.
      rmSync(join(first.buildDir, 'kernel', 'bpf', 'core.o'), { force: true });
    }
  });

  it('packs the kernel and the selftests into an artifact with a manifest the runner can read', async () => {
    const logger = new MemoryLogger();
    const selftests = await ensureDefaultSelftests(logger);
    const out = mkdtempSync(join(tmpdir(), 'bpf-ci-artifact-'));
    const { path, manifest } = await packageArtifact(
      { ...builtKernel(), selftestsDir: selftests.dir, outDir: out },
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
