// A new user on a fresh Debian 12 machine with only Node 24: `npm ci`, then `npx bpf-ci doctor`
// lists what is missing, and `npx bpf-ci run --no-install` stops before any work naming the one
// command that installs it. The machine is a debootstrap root entered with chroot (root only).
// Opt-in (BPF_CI_E2E_FRESH_MACHINE=1): npm ci downloads every dependency from the registry again,
// which costs CI more than the two minutes an e2e may take.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheRoot } from '@bpf-ci/debian';
import { loadRequirements } from '@bpf-ci/host';
import { debianTarball, freshMachine, installedPackages, type FreshMachine } from './fresh-debian.ts';

// BPF_CI_E2E_FRESH_MACHINE=install goes on to install packages in the machine (a few minutes more,
// from the Debian mirror): the printed command, and the install bpf-ci makes itself as root.
const STAGE = process.env['BPF_CI_E2E_FRESH_MACHINE'];
const OPT_IN = STAGE === '1' || STAGE === 'install';
const ROOT = process.getuid?.() === 0;

describe.skipIf(!OPT_IN || !ROOT)('a fresh Debian 12 machine with only Node 24', () => {
  let machine: FreshMachine;
  let installed: Set<string>;
  const started = Date.now();
  const log = (line: string): void => {
    process.stderr.write(`[fresh machine ${((Date.now() - started) / 1000).toFixed(0)} s] ${line}\n`);
  };

  beforeAll(async () => {
    machine = freshMachine(await debianTarball(cacheRoot(), log));
    installed = installedPackages(machine);
    log(`root ready in ${machine.root}: ${installed.size} Debian packages installed`);
    const ci = machine.run('npm ci --no-fund --no-audit', 10 * 60_000);
    log(`npm ci: exit ${ci.code}, ${ci.stdout.trim().split('\n').at(-1) ?? ''}`);
    if (ci.code !== 0) throw new Error(`npm ci failed in the fresh machine:\n${ci.stdout}\n${ci.stderr}`);
  }, 15 * 60_000);

  afterAll(() => machine?.close());

  it('npx bpf-ci doctor lists each package the machine lacks and the one command', () => {
    const doctor = machine.run('npx bpf-ci doctor --no-sizes', 5 * 60_000);
    log(`bpf-ci doctor: exit ${doctor.code}\n${doctor.stdout}${doctor.stderr}`);
    expect(doctor.code).toBe(1);
    // The doctor agrees with dpkg about every installable entry of the list.
    const installable = loadRequirements().filter((r) => r.probe.kind !== 'apt');
    const lacking = installable.filter((r) => !installed.has(r.package)).map((r) => r.package);
    expect(lacking).toEqual(expect.arrayContaining(['qemu-system-x86', 'clang', 'make', 'busybox-static']));
    for (const r of installable) {
      const line = new RegExp(`^  (ok|MISSING) +${r.package.replaceAll('+', '\\+')} `, 'm').exec(
        doctor.stdout,
      );
      expect(line?.[1], r.package).toBe(installed.has(r.package) ? 'ok' : 'MISSING');
    }
    const command = /Install them with:\n {2}(.+)/.exec(doctor.stdout)?.[1] ?? '';
    expect(command).toMatch(/^dpkg --add-architecture arm64 && apt-get update && apt-get install -y /);
    expect(command.split('install -y ')[1]?.split(' ').sort()).toEqual([...new Set(lacking)].sort());
    expect(doctor.stdout).toMatch(/KVM +no \/dev\/kvm/);
  });

  it('npx bpf-ci run --no-install stops before any work, naming the install command', () => {
    const run = machine.run(
      'npx bpf-ci run --no-install; echo "exit $?"; ls -A .cache 2>/dev/null | wc -l',
      5 * 60_000,
    );
    log(`bpf-ci run --no-install:\n${run.stdout}${run.stderr}`);
    expect(run.stdout).toMatch(/^exit 1\n0\n$/);
    expect(run.stderr).toMatch(/bpf-ci run needs \d+ things this machine lacks:/);
    expect(run.stderr).toMatch(/Install with:\n {2}apt-get update && apt-get install -y .*\bclang\b/);
    expect(run.stderr).toContain('--no-install: bpf-ci installs nothing');
    expect(run.stderr).not.toMatch(/Downloading|Building selftests|Booting/);
  });

  it.runIf(STAGE === 'install')(
    'the command bpf-ci run names is the one it needs; vmtest as root installs what it lacks itself',
    () => {
      const stopped = machine.run('npx bpf-ci run --no-install', 5 * 60_000);
      const command = /Install with:\n {2}(.+)/.exec(stopped.stderr)?.[1] ?? '';
      expect(command).toMatch(/^apt-get update && apt-get install -y /);
      const install = machine.run(
        `export DEBIAN_FRONTEND=noninteractive; ${command} >/dev/null`,
        20 * 60_000,
      );
      log(`${command}: exit ${install.code}`);
      expect(install.code).toBe(0);
      const doctor = machine.run('npx bpf-ci doctor --for run --no-sizes', 5 * 60_000);
      log(`bpf-ci doctor --for run after the install:\n${doctor.stdout}`);
      expect(doctor.code).toBe(0);
      expect(doctor.stdout).toMatch(/ok +bpf-ci run\n/);

      // As root, without --no-install: vmtest --arch aarch64 installs QEMU for aarch64 and adds
      // the arm64 architecture itself, printing each command first, then stops on the missing kernel.
      const vmtest = machine.run(
        'npx bpf-ci vmtest --arch aarch64 --kernel /nonexistent --selftests /nonexistent',
        20 * 60_000,
      );
      log(
        `bpf-ci vmtest --arch aarch64 as root:\n${vmtest.stderr
          .split('\n')
          .filter(
            (l) =>
              !/^(Get|Selecting|Preparing|Unpacking|Setting up|Processing|Hit|Fetched|Reading|Building|\(Reading)/.test(
                l,
              ),
          )
          .join('\n')}`,
      );
      expect(vmtest.stderr).toContain('Installing it now (as root; --no-install forbids this):');
      expect(vmtest.stderr).toContain('$ dpkg --add-architecture arm64');
      expect(vmtest.stderr).toMatch(
        /\$ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-system-arm/,
      );
      expect(vmtest.stderr).toMatch(
        /Host check: the \d+ requirements of bpf-ci vmtest \(aarch64\) are present/,
      );
      expect(machine.run('command -v qemu-system-aarch64', 60_000).code).toBe(0);
    },
    40 * 60_000,
  );
});
