// The build artifact the vmtest-runner consumes: one tar.zst holding the kernel image, a
// debug-stripped vmlinux (BTF kept), .config, the selftests binaries and BPF objects, and
// manifest.json describing them. A GCOV build also ships the profiled directories' .gcno notes:
// the host pairs them with the counters the guest copies out (the guest never has them).
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@bpf-ci/logger';
import { z } from 'zod';
import { ARCH_NAMES, hostArch, type Arch } from '@bpf-ci/domain';
import { run } from './exec.ts';

export const MANIFEST_SCHEMA_VERSION = 1;

export const ArtifactManifest = z.object({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  arch: z.enum(['x86_64', 'aarch64', 's390x']),
  toolchain: z.object({ name: z.string(), version: z.string() }),
  kernelRelease: z.string(),
  configHash: z.string(),
  source: z.object({ version: z.string(), commit: z.string().optional() }),
  /** Paths inside the archive. */
  files: z.object({
    image: z.string(),
    vmlinux: z.string(),
    config: z.string(),
    selftests: z.string().optional(),
    /** The profiled directories' .gcno files, at their build-folder-relative paths (GCOV builds). */
    gcno: z.string().optional(),
  }),
  /**
   * A GCOV build: the profiled directories, and the absolute source and build folders of the
   * build, which the notes name (a tracefile's paths start with the source folder).
   */
  coverage: z
    .object({ directories: z.array(z.string()), sourceDir: z.string(), buildDir: z.string() })
    .optional(),
  createdAt: z.string(),
});
export type ArtifactManifest = z.infer<typeof ArtifactManifest>;

export interface ArtifactInput {
  arch: Arch;
  toolchain: { name: string; version: string };
  release: string;
  configHash: string;
  image: string;
  vmlinux: string;
  config: string;
  /** The built selftests folder (tools/testing/selftests/bpf), if any. */
  selftestsDir?: string;
  source: { version: string; commit?: string };
  /** Where to write <name>.tar.zst. */
  outDir: string;
  name?: string;
  /** The objcopy to strip vmlinux with (a cross one for another arch); default by arch. */
  objcopy?: string;
  /** A GCOV build: ship these directories' .gcno files from buildDir. */
  coverage?: { directories: readonly string[]; sourceDir: string; buildDir: string };
}

/** Top-level selftests files to ship: binaries and what they load at run time. */
export function isSelftestsPayload(name: string, executable: boolean): boolean {
  if (/\.(bpf\.o|ko|so|sh)$/.test(name)) return true;
  if (/^btf_dump_test_case_.*\.c$/.test(name)) return true; // read by test_progs' btf_dump test
  if (/\.(c|h|o|d|txt|rst|md|py|json)$/.test(name) || name.startsWith('.') || name === 'Makefile')
    return false;
  return executable;
}

export async function packageArtifact(
  input: ArtifactInput,
  logger: Logger,
): Promise<{ path: string; manifest: ArtifactManifest }> {
  const started = Date.now();
  await mkdir(input.outDir, { recursive: true });
  const staging = await mkdtemp(join(input.outDir, '.staging-'));
  try {
    const imageName = ARCH_NAMES[input.arch].imageName;
    await copyFile(input.image, join(staging, imageName));
    await copyFile(input.config, join(staging, 'config'));
    // --strip-debug drops DWARF but keeps .BTF (not a debug section): what VMLINUX_BTF needs.
    await run(input.objcopy ?? objcopyFor(input.arch), [
      '--strip-debug',
      input.vmlinux,
      join(staging, 'vmlinux'),
    ]);
    let selftests: string | undefined;
    if (input.selftestsDir) {
      selftests = 'selftests';
      const count = await copySelftests(input.selftestsDir, join(staging, selftests));
      logger.info(`Artifact: ${count} selftests files`);
    }
    let gcno: string | undefined;
    if (input.coverage) {
      gcno = 'gcno';
      const count = await copyGcovNotes(
        input.coverage.buildDir,
        input.coverage.directories,
        join(staging, gcno),
      );
      logger.info(`Artifact: ${count} GCOV notes (.gcno) of ${input.coverage.directories.join(', ')}`);
    }
    const manifest: ArtifactManifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      arch: input.arch,
      toolchain: input.toolchain,
      kernelRelease: input.release,
      configHash: input.configHash,
      source: input.source,
      files: {
        image: imageName,
        vmlinux: 'vmlinux',
        config: 'config',
        ...(selftests ? { selftests } : {}),
        ...(gcno ? { gcno } : {}),
      },
      ...(input.coverage
        ? {
            coverage: {
              directories: [...input.coverage.directories],
              sourceDir: input.coverage.sourceDir,
              buildDir: input.coverage.buildDir,
            },
          }
        : {}),
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const name = input.name ?? `kernel-${input.arch}-${input.toolchain.name}`;
    const path = join(input.outDir, `${name}.tar.zst`);
    await run('tar', ['--zstd', '-cf', path, '-C', staging, '.']);
    const size = (await stat(path)).size;
    logger.info(
      `Artifact ${path}: ${(size / 2 ** 20).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    return { path, manifest };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function objcopyFor(arch: Arch): string {
  return hostArch() === arch ? 'objcopy' : `${ARCH_NAMES[arch].crossPrefix}objcopy`;
}

async function copySelftests(from: string, to: string): Promise<number> {
  let count = 0;
  for (const sub of ['', 'no_alu32', 'cpuv4']) {
    const dir = join(from, sub);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const mode = (await stat(join(dir, entry.name))).mode;
      if (!isSelftestsPayload(entry.name, (mode & 0o111) !== 0)) continue;
      await mkdir(join(to, sub), { recursive: true });
      await copyFile(join(dir, entry.name), join(to, sub, entry.name));
      count++;
    }
  }
  return count;
}

/**
 * Copies DIR/*.gcno of each profiled directory (GCOV_PROFILE applies to the directory itself, not
 * its subdirectories) to the same relative path under `to`; a directory without notes is an error:
 * its code was not built, and coverage of it would silently read as zero.
 */
async function copyGcovNotes(buildDir: string, directories: readonly string[], to: string): Promise<number> {
  let count = 0;
  for (const dir of directories) {
    const entries = await readdir(join(buildDir, dir), { withFileTypes: true }).catch(() => []);
    const notes = entries.filter((e) => e.isFile() && e.name.endsWith('.gcno'));
    if (notes.length === 0)
      throw new Error(`no .gcno files in ${join(buildDir, dir)}: was the kernel built with GCOV of ${dir}?`);
    await mkdir(join(to, dir), { recursive: true });
    for (const note of notes) await copyFile(join(buildDir, dir, note.name), join(to, dir, note.name));
    count += notes.length;
  }
  return count;
}

/** Unpacks an artifact and returns its validated manifest and the folder it was unpacked into. */
export async function unpackArtifact(
  path: string,
  into: string,
): Promise<{ dir: string; manifest: ArtifactManifest }> {
  await mkdir(into, { recursive: true });
  await run('tar', ['--zstd', '-xf', path, '-C', into]);
  return { dir: into, manifest: await readArtifactManifest(into, path) };
}

/** The validated manifest.json of an unpacked artifact folder (`what` names it in errors). */
export async function readArtifactManifest(dir: string, what = dir): Promise<ArtifactManifest> {
  const text = await readFile(join(dir, 'manifest.json'), 'utf8');
  const parsed = ArtifactManifest.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`${what}: manifest.json is not a bpf-ci kernel artifact: ${parsed.error.message}`);
  return parsed.data;
}
