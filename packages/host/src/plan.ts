// What to do about missing requirements: which packages, which apt architectures, the one command
// a person runs, and whether bpf-ci may run it itself. Pure.
import type { CheckResult } from './check.ts';

export interface InstallFacts {
  /** Effective user id: 0 installs directly. */
  uid: number;
  /** `sudo -n true` succeeded: sudo works without a password prompt. */
  sudoWorks: boolean;
  /** GITHUB_ACTIONS=true: the workflow's own steps install packages, never bpf-ci. */
  inGitHubActions: boolean;
  /** --no-install. */
  noInstall: boolean;
  /** apt-get is on this machine (Debian, Ubuntu). */
  hasApt: boolean;
  /** `dpkg --print-architecture`. */
  nativeArchitecture?: string;
  /** `dpkg --print-foreign-architectures`. */
  foreignArchitectures: readonly string[];
}

export type InstallMode = 'root' | 'sudo' | 'manual';

export interface InstallPlan {
  /** Packages `apt-get install` adds (or upgrades, for a too-old tool). */
  packages: string[];
  /** apt architectures to add before `apt-get update` (for packages downloaded for another arch). */
  architectures: string[];
  /** root: run the steps as they are; sudo: through `sudo -n`; manual: a person has to. */
  mode: InstallMode;
  /** Why a person has to, when mode is manual. */
  reason?: string;
  /** Each step exactly as bpf-ci runs it (argv); empty when nothing can be run by apt. */
  steps: string[][];
  /** The one command line that installs everything, for a person to run. */
  command?: string;
}

const APT_ENV = ['env', 'DEBIAN_FRONTEND=noninteractive'];

export function planInstall(results: readonly CheckResult[], facts: InstallFacts): InstallPlan {
  const packages: string[] = [];
  const architectures: string[] = [];
  let needUpdate = false;
  for (const r of results) {
    if (r.state === 'ok') continue;
    const { probe } = r.requirement;
    if (probe.kind === 'apt') {
      // Downloaded later into the cache, never installed: apt only has to know the package.
      needUpdate = true;
      const arch = probe.arch;
      if (
        arch &&
        arch !== facts.nativeArchitecture &&
        !facts.foreignArchitectures.includes(arch) &&
        !architectures.includes(arch)
      ) {
        architectures.push(arch);
      }
    } else if (!packages.includes(r.requirement.package)) {
      packages.push(r.requirement.package);
      // A fresh machine's package lists can be empty or stale: install after an update.
      needUpdate = true;
    }
  }
  const base = { packages, architectures };
  if (!needUpdate) return { ...base, mode: facts.uid === 0 ? 'root' : 'sudo', steps: [] };
  if (!facts.hasApt) {
    return {
      ...base,
      mode: 'manual',
      reason: 'this machine has no apt-get: install the equivalents of these Debian packages',
      steps: [],
    };
  }
  const steps: string[][] = [
    ...architectures.map((a) => ['dpkg', '--add-architecture', a]),
    [...APT_ENV, 'apt-get', 'update', '-q'],
    ...(packages.length ? [[...APT_ENV, 'apt-get', 'install', '-y', '-q', ...packages]] : []),
  ];
  const asUser = facts.uid === 0 ? '' : 'sudo ';
  const command = [
    ...architectures.map((a) => `${asUser}dpkg --add-architecture ${a}`),
    `${asUser}apt-get update`,
    ...(packages.length ? [`${asUser}apt-get install -y ${packages.join(' ')}`] : []),
  ].join(' && ');
  const manual = (reason: string): InstallPlan => ({ ...base, mode: 'manual', reason, steps, command });
  if (facts.inGitHubActions) {
    return manual(
      'inside GitHub Actions bpf-ci installs nothing: install these packages in a workflow step before it',
    );
  }
  if (facts.noInstall) return manual('--no-install: bpf-ci installs nothing');
  if (facts.uid === 0) return { ...base, mode: 'root', steps, command };
  if (facts.sudoWorks) {
    return { ...base, mode: 'sudo', steps: steps.map((s) => ['sudo', '-n', ...s]), command };
  }
  return manual('not root, and sudo asks for a password (sudo -n true failed): run this yourself');
}

/** argv as a shell line, for printing the exact command before running it. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
