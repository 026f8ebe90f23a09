// A PATH holding this machine's real tools except the ones a test wants missing: the checker then
// runs against real binaries (real --version output) with chosen gaps.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRequirements, type InstallFacts } from '../../../packages/host/src/index.ts';

/** What the CLI and the checker themselves run, besides the list's commands. */
const PLUMBING = ['apt-get', 'apt-cache', 'dpkg', 'du', 'sh', 'env'];

export function pathWithout(missing: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-path-'));
  const commands = loadRequirements().flatMap((r) => (r.probe.kind === 'command' ? [r.probe.command] : []));
  for (const command of [...commands, ...PLUMBING]) {
    if (missing.includes(command)) continue;
    let real: string;
    try {
      real = execFileSync('sh', ['-c', `command -v "$1"`, 'sh', command], {
        encoding: 'utf8',
        env: { PATH: `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin` },
      }).trim();
    } catch {
      continue;
    }
    symlinkSync(real, join(dir, command));
  }
  return dir;
}

/** A user who is not root and whose sudo asks for a password, on Debian amd64. */
export const PLAIN_USER: InstallFacts = {
  uid: 1000,
  sudoWorks: false,
  inGitHubActions: false,
  noInstall: false,
  hasApt: true,
  nativeArchitecture: 'amd64',
  foreignArchitectures: [],
};
