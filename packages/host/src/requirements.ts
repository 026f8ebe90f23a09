// The host requirements list (requirements.txt next to this package's src/): parsing and choosing
// what one command needs. Pure; the file is read once by loadRequirements.
import { readFileSync } from 'node:fs';
import type { Toolchain } from '@bpf-ci/domain';

/** How a requirement is seen to be present. */
export type Probe =
  /** An executable on PATH, optionally with a minimum version read from `NAME --version`. */
  | { kind: 'command'; command: string; minVersion?: string }
  /** A file a -dev package installs (a header). */
  | { kind: 'file'; path: string }
  /** A package apt can download (into the cache; never installed), optionally of another arch. */
  | { kind: 'apt'; name: string; arch?: string };

export interface Requirement {
  /** The Debian/Ubuntu package (`apt-get install` it; for `apt:` probes, what gets downloaded). */
  package: string;
  probe: Probe;
  /** Which commands need it: `run`, `vmtest:aarch64`, `build:gcc:s390x`, `unit`, `e2e`... */
  neededBy: string[];
  purpose: string;
  /** Line in the list, for error messages. */
  line: number;
}

const LINE = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S.*)$/;
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9]+)?$/;
const VERSION = /^\d+(?:\.\d+)*$/;

/** Reads the list's text: one `package probe needed-by purpose` per line, `#` comments. */
export function parseRequirements(text: string, source = 'requirements.txt'): Requirement[] {
  const out: Requirement[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const content = raw.trim();
    if (content === '' || content.startsWith('#')) return;
    const fail = (why: string): never => {
      throw new Error(`${source}:${line}: ${why}: "${content}"`);
    };
    const m = LINE.exec(content);
    if (!m) fail('want four columns: package, probe, needed-by, purpose');
    const [, pkg = '', probeText = '', neededBy = '', purpose = ''] = m ?? [];
    if (!PACKAGE.test(pkg)) fail(`"${pkg}" is not a Debian package name`);
    const probe = parseProbe(probeText) ?? fail(`bad probe "${probeText}"`);
    const key = `${pkg} ${probeText}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) fail(`the same entry is already on line ${earlier}`);
    seen.set(key, line);
    const tags = neededBy.split(',').filter(Boolean);
    if (tags.length === 0) fail('no needed-by');
    out.push({ package: pkg, probe, neededBy: tags, purpose: purpose.trim(), line });
  });
  return out;
}

function parseProbe(text: string): Probe | undefined {
  if (text.startsWith('/')) return { kind: 'file', path: text };
  if (text.startsWith('apt:')) {
    const [name, arch, ...rest] = text.slice(4).split(':');
    if (!name || rest.length) return undefined;
    return arch ? { kind: 'apt', name, arch } : { kind: 'apt', name };
  }
  const [command, minVersion, ...rest] = text.split('>=');
  if (!command || rest.length || command.includes('/')) return undefined;
  if (minVersion === undefined) return { kind: 'command', command };
  if (!VERSION.test(minVersion)) return undefined;
  return { kind: 'command', command, minVersion };
}

/** The list shipped with this package. */
export function loadRequirements(): Requirement[] {
  const url = new URL('../requirements.txt', import.meta.url);
  return parseRequirements(readFileSync(url, 'utf8'), url.pathname);
}

/**
 * What one command needs: its name and its facets (the arch, the toolchain family `gcc`/`llvm`).
 * `version` is a versioned toolchain's major (gcc-12, llvm-14).
 */
export interface Need {
  command: string;
  facets?: readonly string[];
  toolchain?: Toolchain;
}

/**
 * The requirements `need` selects. A tag `cmd:a:b` applies when the command is `cmd` and both
 * facets `a` and `b` are in play. For a versioned toolchain (gcc-12, llvm-14), an entry chosen
 * through a tag naming the toolchain family also yields its versioned twin under Debian's naming:
 * package gcc-aarch64-linux-gnu becomes gcc-12-aarch64-linux-gnu, command aarch64-linux-gnu-gcc
 * becomes aarch64-linux-gnu-gcc-12, clang becomes clang-14.
 */
export function select(list: readonly Requirement[], need: Need): Requirement[] {
  const facets = new Set([...(need.facets ?? []), ...(need.toolchain ? [need.toolchain.family] : [])]);
  const version = need.toolchain?.version;
  const out: Requirement[] = [];
  const add = (r: Requirement): void => {
    if (!out.some((o) => o.package === r.package && sameProbe(o.probe, r.probe))) out.push(r);
  };
  for (const r of list) {
    for (const tag of r.neededBy) {
      const [command, ...tagFacets] = tag.split(':');
      if (command !== need.command || !tagFacets.every((f) => facets.has(f))) continue;
      const versioned =
        version !== undefined && need.toolchain !== undefined && tagFacets.includes(need.toolchain.family);
      add(versioned ? withVersion(r, version) : r);
    }
  }
  return out;
}

function withVersion(r: Requirement, version: number): Requirement {
  if (r.probe.kind !== 'command') return r;
  const [family, ...rest] = r.package.split('-');
  return {
    ...r,
    package: [`${family}-${version}`, ...rest].join('-'),
    probe: { ...r.probe, command: `${r.probe.command}-${version}` },
  };
}

function sameProbe(a: Probe, b: Probe): boolean {
  return describeProbe(a) === describeProbe(b);
}

/** The probe as the list writes it. */
export function describeProbe(p: Probe): string {
  switch (p.kind) {
    case 'command':
      return p.minVersion ? `${p.command}>=${p.minVersion}` : p.command;
    case 'file':
      return p.path;
    case 'apt':
      return `apt:${p.name}${p.arch ? `:${p.arch}` : ''}`;
  }
}
