import { describe, expect, it } from 'vitest';
import {
  checkRequirements,
  compareVersions,
  knownPackages,
  HostNotReadyError,
  loadRequirements,
  parseVersion,
  prepareHost,
  select,
  systemProbes,
} from '../../../packages/host/src/index.ts';
import { PLAIN_USER, pathWithout } from './helpers.ts';
import { MemoryLogger } from '../../../packages/logger/src/index.ts';

describe('the host checker', () => {
  it('with a PATH lacking QEMU, clang and make, names each missing tool and its package', async () => {
    const PATH = pathWithout(['qemu-system-x86_64', 'clang', 'make']);
    const probes = {
      ...systemProbes({ PATH }),
      aptKnown: (p: readonly string[]) => Promise.resolve(new Set(p)),
    };
    const results = await checkRequirements(select(loadRequirements(), { command: 'run' }), probes);
    const missing = results.flatMap((r) => (r.state === 'ok' ? [] : [[r.requirement.package, r.why]]));
    expect(missing).toEqual([
      ['qemu-system-x86', 'no qemu-system-x86_64 on PATH'],
      ['make', 'no make on PATH'],
      ['clang', 'no clang on PATH'],
    ]);
    // What is there was found through the fake PATH, with its real version.
    const gcc = results.find((r) => r.requirement.package === 'gcc');
    expect(gcc?.state === 'ok' && gcc.found).toBe(`${PATH}/gcc`);
    expect(gcc?.state === 'ok' && gcc.version).toMatch(/^\d+\.\d+/);

    const logger = new MemoryLogger();
    const error = await prepareHost(
      { need: { command: 'run' }, probes, facts: PLAIN_USER, sweepCache: false },
      logger,
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HostNotReadyError);
    const message = (error as Error).message;
    expect(message).toMatch(/^bpf-ci run needs 3 things this machine lacks:/);
    expect(message).toMatch(/qemu-system-x86 +no qemu-system-x86_64 on PATH +QEMU for x86_64 guests/);
    expect(message).toMatch(/clang +no clang on PATH/);
    expect(message).toMatch(/make +no make on PATH/);
    expect(message).toContain('sudo apt-get update && sudo apt-get install -y qemu-system-x86 make clang');
    expect(message).toContain('sudo asks for a password');
  });

  it('reads versions from real --version texts and compares them numerically', () => {
    expect(parseVersion('GNU Make 4.3\nBuilt for x86_64-pc-linux-gnu')).toBe('4.3');
    expect(parseVersion('aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0')).toBe('12.2.0');
    expect(parseVersion('v1.24')).toBe('1.24');
    expect(parseVersion('kmod version 30\n+ZSTD +XZ')).toBe('30');
    expect(parseVersion('no digits')).toBeUndefined();
    expect(compareVersions('3.82', '3.9')).toBeGreaterThan(0);
    expect(compareVersions('11.0.0', '11')).toBe(0);
    expect(compareVersions('2.5.4', '2.5.35')).toBeLessThan(0);
  });

  it('reads which packages apt knows from one apt-cache show of all of them', () => {
    // Real stanzas of Debian 12's apt-cache show (trimmed); the unknown name only gets an E: on stderr.
    const output = [
      'Package: linux-source-6.1\nSource: linux\nVersion: 6.1.192-2\nArchitecture: all\n',
      'Package: busybox-static\nVersion: 1:1.35.0-4+b4\nArchitecture: arm64\n',
    ].join('\n');
    const known = knownPackages(output, [
      'linux-source-6.1',
      'busybox-static:arm64',
      'busybox-static:s390x',
      'nonexistent',
    ]);
    expect([...known]).toEqual(['linux-source-6.1', 'busybox-static:arm64']);
  });

  it('a tool older than the minimum is reported with both versions', async () => {
    const [make] = select(loadRequirements(), { command: 'run' }).filter((r) => r.package === 'make');
    if (!make) throw new Error('make is not in the list');
    const probes = {
      ...systemProbes({ PATH: pathWithout([]) }),
      versionText: () => Promise.resolve('GNU Make 3.81'),
    };
    const [result] = await checkRequirements([make], probes);
    expect(result).toMatchObject({ state: 'too-old', why: 'make 3.81 is older than 3.82' });
  });
});
