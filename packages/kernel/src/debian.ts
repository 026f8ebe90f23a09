import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import {
  aptCache as runAptCache,
  aptDownload,
  cacheRoot,
  ensureDir,
  parseAptDepends,
  parseAptVersion,
  sayInterrupted,
  unpackDeb,
} from '@bpf-ci/debian';
import { ARCH_NAMES, hostArch } from '@bpf-ci/domain';
import { run } from './exec.ts';
import { extractVmlinux } from './vmlinux.ts';

export type DebianArch = 'x86_64' | 'aarch64' | 's390x';

export interface DebianKernel {
  /** `uname -r` of the kernel, e.g. 6.1.0-56-amd64. */
  release: string;
  arch: DebianArch;
  /** The bootable image (bzImage on x86_64, gzip-compressed Image on arm64, s390x's image). */
  vmlinuz: string;
  /** The folder holding lib/modules/<release> (pass as the modules root). */
  modulesDir: string;
  /**
   * An ELF vmlinux (x86_64) or a raw BTF blob (arm64, s390x) carrying the kernel's BTF:
   * VMLINUX_BTF. Undefined when the kernel was built without CONFIG_DEBUG_INFO_BTF (Debian 12's
   * s390x kernel is); `kernelBtf` says so.
   */
  vmlinux: string | undefined;
  /** The kernel's .config. */
  config: string;
  /**
   * The kernel's build folder from Debian's linux-headers packages (KDIR for out-of-tree modules
   * such as the selftests' bpf_testmod.ko).
   */
  headersDir: string;
}

const DEBIAN_ARCH: Record<DebianArch, string> = {
  x86_64: ARCH_NAMES.x86_64.debian,
  aarch64: ARCH_NAMES.aarch64.debian,
  s390x: ARCH_NAMES.s390x.debian,
};

/** VMLINUX_BTF of a Debian kernel, or an error saying its config has no BTF. */
export function kernelBtf(kernel: DebianKernel): string {
  if (kernel.vmlinux) return kernel.vmlinux;
  throw new Error(
    `Debian's ${kernel.release} kernel has no BTF (CONFIG_DEBUG_INFO_BTF is not set in ${kernel.config}): ` +
      'what needs vmlinux.h (test_progs, veristat) cannot be built for it',
  );
}

/** Whether a kernel .config enables CONFIG_DEBUG_INFO_BTF. */
export function configHasBtf(configText: string): boolean {
  return /^CONFIG_DEBUG_INFO_BTF=y$/m.test(configText);
}

/** The package that holds a Debian 12 generic-flavour kernel for `arch`, with its version. */
export async function resolveKernelPackage(arch: DebianArch): Promise<{ name: string; version: string }> {
  const debArch = DEBIAN_ARCH[arch];
  const meta = `linux-image-${debArch}:${debArch}`;
  const deps = parseAptDepends(await aptCache(['depends', meta], arch));
  const name = deps.find((d) => new RegExp(`^linux-image-[0-9.]+-\\d+-${debArch}(:${debArch})?$`).test(d));
  if (!name) {
    throw new Error(
      `apt-cache depends ${meta} names no linux-image-6.1.0-NN-${debArch} package (got: ${deps.join(', ') || 'nothing'}). ` +
        `Run apt-get update${arch === hostArch() ? '' : ` after dpkg --add-architecture ${debArch}`}.`,
    );
  }
  const bare = name.replace(/:.*$/, '');
  const version = parseAptVersion(await aptCache(['show', '--no-all-versions', `${bare}:${debArch}`], arch));
  if (!version) throw new Error(`apt-cache show ${bare}:${debArch} gives no Version`);
  return { name: bare, version };
}

function aptCache(args: string[], arch: DebianArch): Promise<string> {
  return runAptCache(
    args,
    arch === hostArch()
      ? 'Is this a Debian 12 machine with apt-get update done?'
      : `The ${DEBIAN_ARCH[arch]} packages need \`dpkg --add-architecture ${DEBIAN_ARCH[arch]} && apt-get update\` first.`,
  );
}

/**
 * The Debian 12 generic-flavour kernel for `arch` (virtio, 9p and ext4 as modules), downloaded
 * with apt-get and unpacked into the cache once; later calls return the cached copy.
 */
export async function fetchDebianKernel(
  options: { arch: DebianArch },
  logger: Logger,
): Promise<DebianKernel> {
  const { arch } = options;
  const pkg = await resolveKernelPackage(arch);
  const dir = join(cacheRoot(), 'debian-kernel', `${pkg.name}_${pkg.version}`);
  const source = await fetchLinuxSource(logger);
  const made = await ensureDir(
    dir,
    async (tmp) => {
      const started = Date.now();
      logger.info(`Downloading ${pkg.name} ${pkg.version} (${arch})`);
      const debDir = join(tmp, 'deb');
      await mkdir(debDir, { recursive: true });
      const deb = await aptDownload(`${pkg.name}:${DEBIAN_ARCH[arch]}`, debDir);
      await unpackDeb(deb, join(tmp, 'root'));
      // The headers package and the linux-* packages it needs (common headers, kbuild tools), so
      // bpf_testmod.ko builds against exactly this kernel.
      const headers = `linux-headers-${(await locate(join(tmp, 'root'))).release}`;
      const headerDeps = parseAptDepends(await aptCache(['depends', `${headers}:${DEBIAN_ARCH[arch]}`], arch))
        .map((d) => d.replace(/:.*$/, ''))
        .filter((d) => d.startsWith('linux-headers-') || d.startsWith('linux-kbuild-'));
      for (const name of [headers, ...headerDeps]) {
        // Only the headers package itself is per-arch: -common is arch all, and linux-kbuild holds
        // tools that run on the build host, so a cross arch takes the host's.
        const qualified = name === headers ? `${name}:${DEBIAN_ARCH[arch]}` : name;
        await rm(debDir, { recursive: true, force: true });
        await mkdir(debDir, { recursive: true });
        await unpackDeb(await aptDownload(qualified, debDir), join(tmp, 'root'));
      }
      await rm(debDir, { recursive: true, force: true });
      await relocateHeaders(join(tmp, 'root', 'usr', 'src', headers));
      const layout = await locate(join(tmp, 'root'));
      if (configHasBtf(await readFile(layout.config, 'utf8'))) {
        await extractVmlinux({ vmlinuz: layout.vmlinuz, out: join(tmp, 'vmlinux'), sourceDir: source, arch });
      } else {
        logger.warning(`${pkg.name} is built without CONFIG_DEBUG_INFO_BTF: no VMLINUX_BTF for it`);
      }
      logger.info(`${pkg.name} unpacked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    (holder) => logger.info(`Waiting for process ${holder}, which is fetching ${pkg.name}`),
    sayInterrupted(logger, pkg.name),
  );
  if (!made) logger.info(`Using cached ${pkg.name} ${pkg.version} from ${dir}`);
  const layout = await locate(join(dir, 'root'));
  const vmlinux = join(dir, 'vmlinux');
  return { arch, ...layout, vmlinux: existsSync(vmlinux) ? vmlinux : undefined };
}

/**
 * Debian's arch headers Makefile includes the common headers by absolute path (/usr/src/...);
 * point it at the unpacked copy next to it so the cache works wherever it lives.
 */
async function relocateHeaders(dir: string): Promise<void> {
  const makefile = join(dir, 'Makefile');
  const text = await readFile(makefile, 'utf8');
  await writeFile(
    makefile,
    text.replace(
      /^include \/usr\/src\/([^/\s]+)\/Makefile$/m,
      'include $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../$1/Makefile)',
    ),
  );
}

/** Finds boot/vmlinuz-*, boot/config-* and lib/modules/<release> in an unpacked image package. */
async function locate(root: string): Promise<Omit<DebianKernel, 'arch' | 'vmlinux'>> {
  const boot = join(root, 'boot');
  const image = (await readdir(boot)).find((f) => f.startsWith('vmlinuz-'));
  if (!image) throw new Error(`no boot/vmlinuz-* in ${root}`);
  const release = image.slice('vmlinuz-'.length);
  // Debian 12 ships /lib/modules; later releases moved it to /usr/lib/modules.
  const modulesDir = [root, join(root, 'usr')].find((d) => existsSync(join(d, 'lib', 'modules', release)));
  if (!modulesDir) throw new Error(`no lib/modules/${release} in ${root}`);
  const headersDir = join(root, 'usr', 'src', `linux-headers-${release}`);
  return {
    release,
    vmlinuz: join(boot, image),
    modulesDir,
    config: join(boot, `config-${release}`),
    headersDir,
  };
}

/**
 * Debian's linux-source-6.1 tree, unpacked into the cache once. Returns the source folder (the one
 * holding Makefile and tools/).
 */
export async function fetchLinuxSource(logger: Logger, packageName = 'linux-source-6.1'): Promise<string> {
  const version = parseAptVersion(await runAptCache(['show', '--no-all-versions', packageName]));
  if (!version) throw new Error(`apt-cache show ${packageName} gives no Version: is apt-get update done?`);
  const dir = join(cacheRoot(), 'linux-source', `${packageName}_${version}`);
  const made = await ensureDir(
    dir,
    async (tmp) => {
      const started = Date.now();
      logger.info(`Downloading ${packageName} ${version}`);
      const deb = await aptDownload(packageName, tmp);
      await unpackDeb(deb, join(tmp, 'deb'));
      await rm(deb);
      const srcDir = join(tmp, 'deb', 'usr', 'src');
      const tarball = (await readdir(srcDir)).find((f) => /^linux-source-.*\.tar\.(xz|gz|bz2|zst)$/.test(f));
      if (!tarball) throw new Error(`${packageName} holds no linux-source-*.tar.* in /usr/src`);
      logger.info(
        `Unpacking ${tarball} (${((await stat(join(srcDir, tarball))).size / 2 ** 20).toFixed(0)} MiB)`,
      );
      await run('tar', ['-xf', join(srcDir, tarball), '-C', tmp]);
      await rm(join(tmp, 'deb'), { recursive: true, force: true });
      logger.info(`${packageName} unpacked in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    (holder) => logger.info(`Waiting for process ${holder}, which is unpacking ${packageName}`),
    sayInterrupted(logger, packageName),
  );
  const tree = (await readdir(dir)).find((f) => f.startsWith('linux-source-'));
  if (!tree) throw new Error(`the cached ${dir} holds no linux-source-* folder: delete it and retry`);
  if (!made) logger.info(`Using cached ${packageName} ${version}`);
  return join(dir, tree);
}
