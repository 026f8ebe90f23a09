// Which kernel modules the initramfs must load before the host root can be mounted over 9p, and in
// which order. Distribution kernels build virtio and 9p as modules; a CI kernel builds them in.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * What the guest needs before its root exists: virtio on PCI/CCW and the 9p file system. s390x's
 * virtio_ccw is not a module at all: it is built by the bool CONFIG_S390_GUEST (so it is not in
 * modules.builtin either); see drivers/s390/virtio/Makefile.
 */
export const BOOT_MODULES: Record<'pci' | 'ccw', readonly string[]> = {
  pci: ['virtio_pci', '9pnet_virtio', '9p'],
  ccw: ['9pnet_virtio', '9p'],
};

/** A module's name as the kernel spells it: file name without .ko[.xz|.zst|.gz], '-' as '_'. */
export function moduleName(path: string): string {
  return basename(path)
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replaceAll('-', '_');
}

/** modules.dep: `kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko ...` → name → {path, deps}. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const modules = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.startsWith('#')) continue;
    const path = line.slice(0, colon).trim();
    const deps = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(moduleName);
    modules.set(moduleName(path), { path, deps });
  }
  return modules;
}

/** modules.builtin: one `kernel/.../name.ko` per line → the set of built-in module names. */
export function parseModulesBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map(moduleName),
  );
}

export class MissingModuleError extends Error {}

/**
 * The module files to load, dependencies first, for the wanted modules. Built-in ones are left out;
 * a module that is neither built in nor shipped is an error naming the kernel option to enable.
 */
export function resolveModuleLoadOrder(
  wanted: readonly string[],
  dep: Map<string, { path: string; deps: string[] }>,
  builtin: Set<string>,
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]): void => {
    if (builtin.has(name) || state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const entry = dep.get(name);
    if (!entry) {
      const via = chain.length ? ` (needed by ${chain.join(' -> ')})` : '';
      throw new MissingModuleError(
        `the kernel has no module '${name}'${via}, neither built in nor in modules.dep: ` +
          'build the kernel with virtio PCI and 9p (CONFIG_VIRTIO_PCI, CONFIG_NET_9P_VIRTIO, CONFIG_9P_FS)',
      );
    }
    state.set(name, 'visiting');
    for (const d of entry.deps) visit(d, [...chain, name]);
    state.set(name, 'done');
    order.push(entry.path);
  };
  for (const name of wanted) visit(name, []);
  return order;
}

/**
 * modules.dep for a modules directory (…/lib/modules/RELEASE). Distribution packages ship without
 * it (the package's postinst runs depmod), so generate it with kmod's depmod when missing.
 */
export function ensureModulesDep(modulesDir: string): string {
  const depFile = join(modulesDir, 'modules.dep');
  if (existsSync(depFile)) return readFileSync(depFile, 'utf8');
  const release = basename(modulesDir);
  // depmod wants BASE/lib/modules/RELEASE; point a scratch base at the real directory.
  const base = mkdtempSync(join(tmpdir(), 'bpf-ci-depmod-'));
  try {
    mkdirSync(join(base, 'lib', 'modules'), { recursive: true });
    symlinkSync(modulesDir, join(base, 'lib', 'modules', release));
    execFileSync(sbinTool('depmod'), ['-b', base, release], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(
      `depmod failed for ${modulesDir} (install kmod): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return readFileSync(depFile, 'utf8');
}

/** Absolute paths of the modules the guest must load at boot, in load order. */
export function bootModules(modulesDir: string, bus: 'pci' | 'ccw'): string[] {
  const dep = parseModulesDep(ensureModulesDep(modulesDir));
  const builtinFile = join(modulesDir, 'modules.builtin');
  const builtin = existsSync(builtinFile)
    ? parseModulesBuiltin(readFileSync(builtinFile, 'utf8'))
    : new Set<string>();
  return resolveModuleLoadOrder(BOOT_MODULES[bus], dep, builtin).map((p) => join(modulesDir, p));
}

/** kmod's tools live in /usr/sbin, which an ordinary user's PATH often lacks. */
function sbinTool(name: string): string {
  return ['/usr/sbin', '/sbin'].map((dir) => `${dir}/${name}`).find((p) => existsSync(p)) ?? name;
}
