import { describe, expect, it } from 'vitest';
import {
  parseRequirements,
  HostNotReadyError,
  planInstall,
  prepareHost,
  type CheckResult,
  type HostProbes,
} from '../../../packages/host/src/index.ts';
import { MemoryLogger } from '../../../packages/logger/src/index.ts';
import { PLAIN_USER } from './helpers.ts';

const LIST = parseRequirements(`
qemu-system-x86      qemu-system-x86_64       run   QEMU for x86_64 guests
clang                clang                    run   compiles BPF
make                 make                     run   runs the builds
busybox-static:arm64 apt:busybox-static:arm64 run   the aarch64 guest's busybox
`);

function missing(...packages: string[]): CheckResult[] {
  return LIST.filter((r) => packages.includes(r.package)).map((requirement) => ({
    requirement,
    state: 'missing',
    why: 'not here',
  }));
}

const APT = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];

describe('the install plan', () => {
  it('as root: runs apt-get itself, the command has no sudo', () => {
    const plan = planInstall(missing('clang', 'make'), { ...PLAIN_USER, uid: 0 });
    expect(plan).toEqual({
      packages: ['clang', 'make'],
      architectures: [],
      mode: 'root',
      steps: [
        [...APT, 'update', '-q'],
        [...APT, 'install', '-y', '-q', 'clang', 'make'],
      ],
      command: 'apt-get update && apt-get install -y clang make',
    });
  });

  it('with password-less sudo: every step through sudo -n', () => {
    const plan = planInstall(missing('qemu-system-x86'), { ...PLAIN_USER, sudoWorks: true });
    expect(plan.mode).toBe('sudo');
    expect(plan.steps).toEqual([
      ['sudo', '-n', ...APT, 'update', '-q'],
      ['sudo', '-n', ...APT, 'install', '-y', '-q', 'qemu-system-x86'],
    ]);
    expect(plan.command).toBe('sudo apt-get update && sudo apt-get install -y qemu-system-x86');
  });

  it('neither root nor sudo: nothing runs, the one command is for the user', () => {
    const plan = planInstall(missing('clang', 'make', 'qemu-system-x86'), PLAIN_USER);
    expect(plan.mode).toBe('manual');
    expect(plan.reason).toMatch(/sudo asks for a password/);
    expect(plan.command).toBe('sudo apt-get update && sudo apt-get install -y qemu-system-x86 clang make');
  });

  it('inside GitHub Actions and with --no-install: never automatic, even as root', () => {
    const actions = planInstall(missing('make'), { ...PLAIN_USER, uid: 0, inGitHubActions: true });
    expect(actions.mode).toBe('manual');
    expect(actions.reason).toMatch(/inside GitHub Actions/);
    expect(actions.command).toBe('apt-get update && apt-get install -y make');
    const forbidden = planInstall(missing('make'), { ...PLAIN_USER, sudoWorks: true, noInstall: true });
    expect(forbidden.mode).toBe('manual');
    expect(forbidden.reason).toMatch(/--no-install/);
  });

  it('a package of another arch to download: adds the apt architecture first, installs nothing', () => {
    const plan = planInstall(missing('busybox-static:arm64'), { ...PLAIN_USER, uid: 0 });
    expect(plan.packages).toEqual([]);
    expect(plan.command).toBe('dpkg --add-architecture arm64 && apt-get update');
    const already = planInstall(missing('busybox-static:arm64'), {
      ...PLAIN_USER,
      uid: 0,
      foreignArchitectures: ['arm64'],
    });
    expect(already.command).toBe('apt-get update');
  });

  it('without apt-get: names the Debian packages and runs nothing', () => {
    const plan = planInstall(missing('clang'), { ...PLAIN_USER, uid: 0, hasApt: false });
    expect(plan).toMatchObject({ mode: 'manual', packages: ['clang'], steps: [] });
    expect(plan.command).toBeUndefined();
  });
});

describe('prepareHost installing', () => {
  it('prints each exact command before running it, then checks again', async () => {
    const installed = new Set<string>();
    const probes: HostProbes = {
      path: ['/fake'],
      isExecutable: (file) => installed.has(file.replace('/fake/', '')) || file === '/fake/make',
      exists: () => true,
      versionText: () => Promise.resolve(undefined),
      aptKnown: (p: readonly string[]) => Promise.resolve(new Set(p)),
    };
    const logger = new MemoryLogger();
    const ran: string[][] = [];
    await prepareHost(
      {
        need: { command: 'run' },
        requirements: LIST,
        probes,
        facts: { ...PLAIN_USER, sudoWorks: true },
        sweepCache: false,
        runStep: (argv, log) => {
          // The exact command is on the log before the step runs.
          expect(log === logger && logger.messages('info').at(-1)).toBe(`$ ${argv.join(' ')}`);
          ran.push([...argv]);
          if (argv.includes('install')) for (const c of ['qemu-system-x86_64', 'clang']) installed.add(c);
          return Promise.resolve();
        },
      },
      logger,
    );
    expect(ran).toEqual([
      ['sudo', '-n', ...APT, 'update', '-q'],
      ['sudo', '-n', ...APT, 'install', '-y', '-q', 'qemu-system-x86', 'clang'],
    ]);
    expect(logger.messages('info').join('\n')).toContain(
      'Installing it now (with sudo; --no-install forbids this)',
    );
    expect(logger.messages('info').at(-1)).toMatch(
      /^Host check: the 4 requirements of bpf-ci run are present/,
    );
  });

  it('says so when the install ran but something is still missing', async () => {
    const probes: HostProbes = {
      path: ['/fake'],
      isExecutable: (file) => file !== '/fake/clang',
      exists: () => true,
      versionText: () => Promise.resolve(undefined),
      aptKnown: (p: readonly string[]) => Promise.resolve(new Set(p)),
    };
    const ran: string[][] = [];
    const error = await prepareHost(
      {
        need: { command: 'run' },
        requirements: LIST,
        probes,
        facts: { ...PLAIN_USER, uid: 0 },
        sweepCache: false,
        runStep: (argv) => {
          ran.push([...argv]);
          return Promise.resolve();
        },
      },
      new MemoryLogger(),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ran).toHaveLength(2);
    expect(error).toBeInstanceOf(HostNotReadyError);
    expect((error as Error).message).toMatch(/^still missing after installing:\nbpf-ci run needs one thing/);
    expect((error as Error).message).toContain('apt-get update && apt-get install -y clang');
    expect((error as Error).message).toContain('the install above did not provide them');
  });
});
