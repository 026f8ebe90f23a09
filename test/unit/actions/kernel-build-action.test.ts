// The kernel-build action's run(), in process and bundled: what a user gets for each mistake in the
// inputs (before any download or build starts), and its declared outputs. The real builds run in
// the kernel e2e tests through the same @bpf-ci/kernel job.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, actionYml, bundle, runBundle, runInProcess } from '../../helpers/action-harness.ts';

const SOURCE = join(ROOT, 'test', 'fixtures'); // any existing folder: these runs stop before make

describe('actions/kernel-build', () => {
  beforeAll(() => bundle('kernel-build'), 300_000);

  it.each([
    [{ arch: 'riscv64' }, 'unknown arch "riscv64": use one of x86_64, aarch64, s390x'],
    [
      { toolchain: 'icc' },
      'unknown toolchain "icc": use gcc, gcc-<major> (gcc-12), llvm or llvm-<major> (llvm-14)',
    ],
    [
      { 'base-config': 'rm -rf' },
      'base config "rm -rf" is not a config make target (defconfig, tinyconfig, ...)',
    ],
    [
      { 'selftests-targets': 'test_progs, $(id)' },
      'selftests target "$(id)" is not a make target name (letters, digits, _ . -)',
    ],
    [{ 'max-annotations': '-1' }, `input 'max-annotations': must be a whole number (got "-1")`],
  ])(
    '%o: one clear error, exit 1, in process and bundled',
    async (inputs, message) => {
      for (const run of [runInProcess, runBundle]) {
        const r = await run('kernel-build', { 'source-dir': SOURCE, ...inputs });
        expect(r.code).toBe(1);
        expect(r.commands.filter((c) => c.name === 'error').map((c) => c.data)).toEqual([message]);
        expect(r.outputs).toEqual({});
      }
    },
    60_000,
  );

  it('a missing config fragment names the file', async () => {
    const r = await runInProcess('kernel-build', {
      'source-dir': SOURCE,
      'config-fragments': 'no/such.config',
    });
    expect(r.code).toBe(1);
    const [error] = r.commands.filter((c) => c.name === 'error');
    expect(error?.data).toMatch(/^config fragment no\/such\.config: ENOENT/);
  });

  it('declares the artifact and kernel-release outputs, and no upload input', () => {
    const yml = actionYml('kernel-build');
    expect(Object.keys(yml.outputs ?? {}).sort()).toEqual(['artifact', 'kernel-release']);
    expect(Object.keys(yml.inputs ?? {})).not.toContain('artifact-name');
  });
});
