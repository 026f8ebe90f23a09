// Looks for each requirement on this machine: commands on PATH (and their versions), files, and
// packages apt can download. The look-ups are injectable so the checker is tested with any PATH.
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { Requirement } from './requirements.ts';

const execFileP = promisify(execFile);

export type CheckResult =
  | { requirement: Requirement; state: 'ok'; found: string; version?: string }
  | { requirement: Requirement; state: 'missing' | 'too-old'; why: string };

export interface HostProbes {
  /** Folders searched for commands, in order. */
  path: readonly string[];
  isExecutable(file: string): boolean;
  exists(file: string): boolean;
  /** The output of `command --version` (stdout and stderr), or undefined when it does not run. */
  versionText(command: string): Promise<string | undefined>;
  /**
   * Which of these packages (`NAME` or `NAME:ARCH`) apt can download: one `apt-cache show` for
   * all of them, as loading apt's cache is the slow part.
   */
  aptKnown(packages: readonly string[]): Promise<Set<string>>;
}

/**
 * The real machine's look-ups. The PATH is the caller's plus /usr/sbin and /sbin: depmod lives
 * there and a non-root shell's PATH often lacks them, yet the tools run them by full path.
 */
export function systemProbes(env: NodeJS.ProcessEnv = process.env): HostProbes {
  const path = [...(env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin'];
  return {
    path,
    isExecutable(file) {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    exists: existsSync,
    async versionText(command) {
      try {
        const { stdout, stderr } = await execFileP(command, ['--version'], { timeout: 10_000, env });
        return `${stdout}\n${stderr}`;
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return e.stdout || e.stderr ? `${e.stdout ?? ''}\n${e.stderr ?? ''}` : undefined;
      }
    },
    async aptKnown(packages) {
      if (packages.length === 0) return new Set();
      // apt-cache exits 100 when any name is unknown but still prints the stanzas it found.
      const stdout = await execFileP('apt-cache', ['show', '--no-all-versions', ...packages], {
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...env, LC_ALL: 'C' },
      }).then(
        (r) => r.stdout,
        (err: { stdout?: string }) => err.stdout ?? '',
      );
      return knownPackages(stdout, packages);
    },
  };
}

/** Which of `wanted` (`NAME` or `NAME:ARCH`) the stanzas of `apt-cache show` output describe. */
export function knownPackages(aptCacheShow: string, wanted: readonly string[]): Set<string> {
  const seen = new Set<string>();
  for (const stanza of aptCacheShow.split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(stanza)?.[1];
    const arch = /^Architecture:\s*(\S+)/m.exec(stanza)?.[1];
    if (name) seen.add(name).add(`${name}:${arch ?? ''}`);
  }
  return new Set(wanted.filter((w) => seen.has(w)));
}

/** The full path of `command` on the probes' PATH. */
export function which(command: string, probes: HostProbes): string | undefined {
  for (const dir of probes.path) {
    const file = join(dir, command);
    if (probes.isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * The version number in a `--version` output: the first dotted number ("GNU Make 4.3",
 * "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0", "v1.24"), else the first bare number
 * ("kmod version 30").
 */
export function parseVersion(text: string): string | undefined {
  return /(?<![\d.])\d+\.\d+(?:\.\d+)*/.exec(text)?.[0] ?? /(?<![\w.])\d+(?![\w.])/.exec(text)?.[0];
}

/** Numeric comparison of dotted versions: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function aptName(probe: { name: string; arch?: string }): string {
  return probe.arch ? `${probe.name}:${probe.arch}` : probe.name;
}

async function checkRequirement(
  requirement: Requirement,
  probes: HostProbes,
  aptKnown: Set<string>,
): Promise<CheckResult> {
  const { probe } = requirement;
  switch (probe.kind) {
    case 'file':
      return probes.exists(probe.path)
        ? { requirement, state: 'ok', found: probe.path }
        : { requirement, state: 'missing', why: `no ${probe.path}` };
    case 'apt': {
      const name = aptName(probe);
      return aptKnown.has(name)
        ? { requirement, state: 'ok', found: `apt knows ${name}` }
        : { requirement, state: 'missing', why: `apt cannot find ${name}` };
    }
    case 'command': {
      const found = which(probe.command, probes);
      if (!found) return { requirement, state: 'missing', why: `no ${probe.command} on PATH` };
      if (!probe.minVersion) return { requirement, state: 'ok', found };
      const text = await probes.versionText(found);
      const version = text === undefined ? undefined : parseVersion(text);
      if (version === undefined) {
        return { requirement, state: 'too-old', why: `${found} --version names no version` };
      }
      if (compareVersions(version, probe.minVersion) < 0) {
        return {
          requirement,
          state: 'too-old',
          why: `${probe.command} ${version} is older than ${probe.minVersion}`,
        };
      }
      return { requirement, state: 'ok', found, version };
    }
  }
}

export async function checkRequirements(
  requirements: readonly Requirement[],
  probes: HostProbes,
): Promise<CheckResult[]> {
  const apt = requirements.flatMap((r) => (r.probe.kind === 'apt' ? [aptName(r.probe)] : []));
  const known = await probes.aptKnown(apt);
  return Promise.all(requirements.map((r) => checkRequirement(r, probes, known)));
}
