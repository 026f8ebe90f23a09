// BPF selftests for a foreign arch (aarch64, s390x) built on an x86_64 machine: Debian's cross
// gcc (gcc-aarch64-linux-gnu, gcc-s390x-linux-gnu, whose libc6-dev-*-cross is the target libc),
// the libraries libbpf links (libelf, zlib) from a sysroot of Debian's target-arch -dev packages
// (downloaded and unpacked, never installed: the host's packages cannot conflict), linked
// statically (the foreign guest's root has no libc). Each binary is built on its own, so one that
// does not build is reported "not built" while the others are kept; the whole tree is cached.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  aptCache,
  aptDownload,
  cacheRoot,
  ensureDir,
  parseAptVersion,
  sayInterrupted,
  sha256File,
  unpackDeb,
} from '@bpf-ci/debian';
import { ARCH_NAMES, shellQuote } from '@bpf-ci/domain';
import type { Logger } from '@bpf-ci/logger';
import { BuildError } from './build-error.ts';
import { capture, run } from './exec.ts';
import { fetchDebianKernel, fetchLinuxSource, type DebianKernel } from './debian.ts';
import { buildSelftests } from './selftests.ts';

export type ForeignArch = 'aarch64' | 's390x';

/**
 * The target-arch -dev packages whose headers and static libraries the selftests link beyond libc
 * (tools/testing/selftests/bpf/Makefile: LDLIBS += -lelf -lz -lrt -lpthread; rt and pthread are
 * libc's). Debian 12's libelf is built without zstd, so libelf.a needs only zlib.
 */
export const SYSROOT_PACKAGES: readonly string[] = ['libelf-dev', 'zlib1g-dev'];

/** The selftests' libraries, linked statically (the order matters: libelf uses zlib). */
export const STATIC_LDLIBS = '-static -lelf -lz -lrt -lpthread';

/**
 * Linked into every static binary: stdout line-buffered from the start, as `stdbuf -oL` makes it
 * for dynamic ones on x86_64 (stdbuf works by LD_PRELOAD, which a static binary ignores). Without
 * it stdout into the log pipe is flushed 4 KiB at a time, cutting result lines in two wherever
 * libbpf writes to stderr in between, and the console shows nothing until a buffer fills.
 */
export const LINE_BUFFER_SOURCE = [
  '#include <stdio.h>',
  'static void __attribute__((constructor)) bpf_ci_line_buffered_stdout(void)',
  '{',
  '\tsetvbuf(stdout, NULL, _IOLBF, 0);',
  '}',
  '',
].join('\n');

const LINE_BUFFER_OBJECT = 'lib/bpf-ci-line-buffered.o';

export interface SysrootLayout {
  arch: ForeignArch;
  /** Debian's name for the arch (arm64, s390x). */
  debianArch: string;
  /** The GNU triplet: the cross tools' prefix without its dash, and Debian's multiarch folder. */
  triplet: string;
  /** `libelf-dev:arm64`...: what apt-get download fetches. */
  packages: string[];
  /** Relative to the sysroot: the headers (gelf.h, zlib.h) and the static libraries (libelf.a). */
  includeDir: string;
  libDir: string;
}

/** Which packages make the sysroot of `arch`, and where their files land in it. Pure. */
export function sysrootLayout(
  arch: ForeignArch,
  packages: readonly string[] = SYSROOT_PACKAGES,
): SysrootLayout {
  const names = ARCH_NAMES[arch];
  const triplet = names.crossPrefix.replace(/-$/, '');
  return {
    arch,
    debianArch: names.debian,
    triplet,
    packages: packages.map((p) => `${p}:${names.debian}`),
    includeDir: 'usr/include',
    libDir: `usr/lib/${triplet}`,
  };
}

/**
 * The C compiler the selftests Makefile gets as CC: the cross gcc, looking in the sysroot's headers
 * (after the cross libc's, as -isystem) and libraries. A script because CC reaches libbpf's and
 * the selftests' Makefiles, which each set their own CFLAGS.
 */
export function crossCompilerScript(layout: SysrootLayout, sysroot: string): string {
  return [
    '#!/bin/sh',
    `# ${layout.triplet}-gcc with the ${layout.debianArch} sysroot's headers and libraries (written by bpf-ci).`,
    `exec ${layout.triplet}-gcc -isystem ${shellQuote(join(sysroot, layout.includeDir))} -L${shellQuote(join(sysroot, layout.libDir))} "$@"`,
    '',
  ].join('\n');
}

/**
 * make variables for a static cross build of the selftests with that compiler and the
 * line-buffering object (LINE_BUFFER_SOURCE, compiled for the arch). Pure.
 */
export function crossMakeVars(
  arch: ForeignArch,
  compiler: string,
  lineBuffered: string,
): Record<string, string> {
  const [staticFlag, ...libs] = STATIC_LDLIBS.split(' ');
  return {
    ARCH: ARCH_NAMES[arch].karch,
    CROSS_COMPILE: ARCH_NAMES[arch].crossPrefix,
    CC: compiler,
    // On the command line, so it replaces the Makefile's LDLIBS (a `+=` there cannot add -static);
    // only links use LDLIBS, so the object is in every binary and in nothing else.
    LDLIBS: [staticFlag, lineBuffered, ...libs].join(' '),
  };
}

export interface SysrootPackage {
  name: string;
  version: string;
  /** Of the .deb as downloaded. */
  sha256: string;
}

export interface Sysroot {
  layout: SysrootLayout;
  /** The unpacked packages (usr/include, usr/lib/<triplet>). */
  root: string;
  /** The compiler script (crossCompilerScript). */
  compiler: string;
  /** LINE_BUFFER_SOURCE compiled for the arch. */
  lineBuffered: string;
  packages: SysrootPackage[];
}

const SYSROOT_MANIFEST = 'packages.json';

/**
 * The sysroot for `arch`, assembled once into the cache: a folder per arch and package versions
 * (so a Debian update makes a new one), with packages.json recording each .deb's version and hash.
 */
export async function ensureSysroot(arch: ForeignArch, logger: Logger): Promise<Sysroot> {
  const layout = sysrootLayout(arch);
  const versions = await Promise.all(
    layout.packages.map(async (p) => {
      const version = parseAptVersion(
        await aptCache(
          ['show', '--no-all-versions', p],
          `Enable the architecture first: dpkg --add-architecture ${layout.debianArch} && apt-get update`,
        ),
      );
      if (!version) throw new Error(`apt-cache show ${p} gives no Version`);
      return { name: p, version };
    }),
  );
  const key = createHash('sha256')
    .update(JSON.stringify([versions, LINE_BUFFER_SOURCE]))
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheRoot(), 'sysroot', `${layout.debianArch}-${key}`);
  const made = await ensureDir(
    dir,
    async (tmp) => {
      logger.info(`Assembling the ${layout.debianArch} sysroot from ${layout.packages.join(', ')}`);
      const recorded: SysrootPackage[] = [];
      for (const { name, version } of versions) {
        const debDir = join(tmp, '.download');
        await mkdir(debDir, { recursive: true });
        const deb = await aptDownload(`${name}=${version}`, debDir);
        recorded.push({ name, version, sha256: await sha256File(deb) });
        await unpackDeb(deb, join(tmp, 'root'));
        await rm(debDir, { recursive: true, force: true });
      }
      await writeFile(join(tmp, SYSROOT_MANIFEST), `${JSON.stringify(recorded, null, 2)}\n`);
      const compiler = join(tmp, 'bin', `${layout.triplet}-gcc`);
      await mkdir(join(tmp, 'bin'));
      await writeFile(compiler, crossCompilerScript(layout, join(dir, 'root')));
      await chmod(compiler, 0o755);
      await mkdir(join(tmp, 'lib'));
      await writeFile(join(tmp, 'lib', 'line-buffered.c'), LINE_BUFFER_SOURCE);
      await run(`${layout.triplet}-gcc`, [
        '-O2',
        '-c',
        join(tmp, 'lib', 'line-buffered.c'),
        '-o',
        join(tmp, LINE_BUFFER_OBJECT),
      ]);
    },
    (holder) => logger.info(`Waiting for process ${holder}, which is assembling the same sysroot`),
    sayInterrupted(logger, `the ${layout.debianArch} sysroot`),
  );
  if (!made) logger.info(`Using the cached ${layout.debianArch} sysroot ${dir}`);
  const packages = JSON.parse(await readFile(join(dir, SYSROOT_MANIFEST), 'utf8')) as SysrootPackage[];
  return {
    layout,
    root: join(dir, 'root'),
    compiler: join(dir, 'bin', `${layout.triplet}-gcc`),
    lineBuffered: join(dir, LINE_BUFFER_OBJECT),
    packages,
  };
}

export interface BinaryBuild {
  name: string;
  built: boolean;
  /** Why it was not built: the build's last lines. */
  reason?: string;
}

export interface CrossSelftestsBuild {
  arch: ForeignArch;
  /** tools/testing/selftests/bpf of the cached tree: the guest's working folder. */
  dir: string;
  binaries: BinaryBuild[];
  kernel: DebianKernel;
  sysroot: Sysroot;
  /** Seconds spent building now; 0 when taken from the cache. */
  seconds: number;
  cached: boolean;
}

const BINARIES_FILE = 'binaries.json';

/**
 * The selftests `targets` for `arch`, cross-built statically against Debian's kernel for that
 * arch (VMLINUX_BTF when it has BTF; bpf_testmod.ko against its headers) and cached. A target that
 * does not build is recorded as not built, with the reason; the others are kept.
 */
export async function buildCrossSelftests(
  options: { arch: ForeignArch; targets: readonly string[] },
  logger: Logger,
): Promise<CrossSelftestsBuild> {
  const { arch, targets } = options;
  const sourceDir = await fetchLinuxSource(logger);
  const kernel = await fetchDebianKernel({ arch }, logger);
  const sysroot = await ensureSysroot(arch, logger);
  const gcc = (await capture(`${sysroot.layout.triplet}-gcc`, ['--version'])).split('\n')[0] ?? '';
  // The 6.1 Makefile refuses to start without VMLINUX_BTF although only vmlinux.h needs it: a
  // kernel without BTF gets a path that names why, so what needs it fails saying so.
  const vmlinux = kernel.vmlinux ?? `/nonexistent/${kernel.release}-has-no-BTF`;
  const makeVars = {
    ...crossMakeVars(arch, sysroot.compiler, sysroot.lineBuffered),
    KDIR: kernel.headersDir,
  };
  const key = createHash('sha256')
    .update(JSON.stringify([sourceDir, vmlinux, sysroot.root, gcc, [...targets], makeVars]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheRoot(), 'selftests-cross', `${arch}-${key}`);
  let seconds = 0;
  const made = await ensureDir(
    dir,
    async (tmp) => {
      const started = Date.now();
      const binaries: BinaryBuild[] = [];
      for (const target of targets) {
        try {
          await buildSelftests({ sourceDir, vmlinux, targets: [target], outDir: tmp, makeVars }, logger);
          binaries.push({ name: target, built: true });
        } catch (err) {
          if (!(err instanceof BuildError)) throw err;
          const reason = err.message.split('\n').slice(-5).join('\n');
          logger.warning(`${target} for ${arch} not built: ${reason}`);
          binaries.push({ name: target, built: false, reason });
        }
      }
      seconds = (Date.now() - started) / 1000;
      await writeFile(join(tmp, BINARIES_FILE), `${JSON.stringify(binaries, null, 2)}\n`);
    },
    (holder) => logger.info(`Waiting for process ${holder}, which is building the same ${arch} selftests`),
    sayInterrupted(logger, `the ${arch} selftests (${targets.join(', ')})`),
  );
  if (!made) logger.info(`Using cached ${arch} selftests (${targets.join(', ')}) from ${dir}`);
  const binaries = JSON.parse(await readFile(join(dir, BINARIES_FILE), 'utf8')) as BinaryBuild[];
  const selftests = join(dir, 'linux', 'tools', 'testing', 'selftests', 'bpf');
  for (const b of binaries) {
    if (b.built && !existsSync(join(selftests, b.name)))
      throw new Error(`the cached ${arch} selftests in ${dir} lack ${b.name}: delete the folder and retry`);
  }
  return { arch, dir: selftests, binaries, kernel, sysroot, seconds, cached: !made };
}
