// Builds the BPF selftests from Debian's linux-source-6.1 against the Debian 12 x86_64 kernel's
// BTF (cached in $BPF_CI_CACHE after the first run: ~5 min on 2 cores) and checks what the
// vmtest-runner needs is there and runs.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import {
  DEFAULT_SELFTEST_TARGETS,
  ensureDefaultSelftests,
  fetchDebianKernel,
  kernelBtf,
} from '@bpf-ci/kernel';

describe('selftests build', () => {
  it('builds test_progs, test_progs-no_alu32, test_maps, test_verifier, veristat and the BPF objects', async () => {
    const logger = new MemoryLogger();
    const build = await ensureDefaultSelftests(logger);

    expect(build.kernel.release).toMatch(/^6\.1\.0-\d+-amd64$/);
    // The vmlinux is the Debian image's own (its BTF is what the tests were compiled against).
    expect(readFileSync(kernelBtf(build.kernel)).subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    expect(execFileSync('readelf', ['-S', kernelBtf(build.kernel)], { encoding: 'utf8' })).toContain('.BTF');

    for (const target of DEFAULT_SELFTEST_TARGETS) {
      const header = execFileSync('readelf', ['-h', join(build.dir, target)], { encoding: 'utf8' });
      expect(header, target).toMatch(/Type:\s+DYN|Type:\s+EXEC/);
    }
    const usage = (binary: string): string => {
      try {
        return execFileSync(join(build.dir, binary), ['--help'], { encoding: 'utf8', cwd: build.dir });
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? '');
      }
    };
    expect(usage('test_progs')).toContain('Usage: test_progs');
    expect(usage('veristat')).toContain('veristat');

    const objects = readdirSync(build.dir).filter((f) => f.endsWith('.bpf.o'));
    const noAlu32 = readdirSync(join(build.dir, 'no_alu32')).filter((f) => f.endsWith('.bpf.o'));
    expect(objects.length).toBeGreaterThan(300);
    expect(noAlu32.length).toBeGreaterThan(300);
    // Built against the Debian kernel's headers: loadable in the guest.
    const modinfo = execFileSync('modinfo', ['-F', 'vermagic', join(build.dir, 'bpf_testmod.ko')], {
      encoding: 'utf8',
    });
    expect(modinfo).toContain(build.kernel.release);
    expect(existsSync(join(build.dir, 'urandom_read'))).toBe(true);

    // Progress was shown while building (or the cache was announced).
    const progress = logger.messages('info').filter((m) => /steps done|Using cached selftests/.test(m));
    expect(progress.length).toBeGreaterThan(0);
  });

  it('gives the Debian arm64 kernel with its BTF (carved from the non-ELF Image) that bpftool reads', async () => {
    const logger = new MemoryLogger();
    const selftests = await ensureDefaultSelftests(logger);
    const arm64 = await fetchDebianKernel({ arch: 'aarch64' }, logger);
    expect(arm64.release).toMatch(/^6\.1\.0-\d+-arm64$/);
    expect(existsSync(join(arm64.headersDir, 'Makefile'))).toBe(true);
    const dump = execFileSync(join(selftests.dir, 'bpftool'), ['btf', 'dump', 'file', kernelBtf(arm64)], {
      encoding: 'utf8',
      maxBuffer: 512 * 2 ** 20,
    });
    expect(dump).toMatch(/STRUCT 'task_struct' size=\d+/);
  });
});
