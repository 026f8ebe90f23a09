import { jsonWithoutCommands } from '@bpf-ci/protocol';
import { parseArch, parseToolchain, splitList } from '@bpf-ci/domain';
import { kernelJobFromRequest, runKernelJob } from '@bpf-ci/kernel';
import { numberOption, optionsCommand, optionValue } from '../command.ts';
import { checkHostFirst, NO_INSTALL_USAGE } from './host-check.ts';

const usage = `usage: bpf-ci build [options]

Builds a kernel from source (config assembled from the selftests' config files and your fragments,
then olddefconfig), the BPF selftests against it, and packs both into
<output-dir>/kernel-<arch>-<toolchain>.tar.zst with a manifest.json. The same code as
actions/kernel-build.

options:
  --arch ARCH              x86_64 (default), aarch64, s390x (cross-built on x86_64)
  --toolchain NAME         gcc (default), gcc-12, llvm, llvm-14
  --source-dir DIR         kernel tree (default: Debian's linux-source-6.1, cached)
  --config-fragment FILE   a config fragment, applied last (repeatable)
  --base-config TARGET     make target for the base config (default defconfig; tinyconfig for a
                           small kernel)
  --no-selftests-config    do not apply tools/testing/selftests/bpf/config*
  --selftests LIST         comma-separated selftests targets (default: test_progs,
                           test_progs-no_alu32,test_maps,test_verifier,veristat; "" for none)
  --build-dir DIR          kept for incremental builds (default: <cache>/kernel-build/<arch>-<toolchain>)
  --output-dir DIR         where the artifact goes (default: .)
  --max-annotations N      compiler diagnostics shown as annotations (default 10)
${NO_INSTALL_USAGE}`;

export const buildCommand = optionsCommand({
  name: 'build',
  summary: 'build a kernel and the BPF selftests from source into one artifact',
  usage,
  options: {
    arch: { type: 'string', default: 'x86_64' },
    toolchain: { type: 'string', default: 'gcc' },
    'source-dir': { type: 'string' },
    'config-fragment': { type: 'string', multiple: true },
    'base-config': { type: 'string' },
    'no-selftests-config': { type: 'boolean', default: false },
    selftests: { type: 'string' },
    'build-dir': { type: 'string' },
    'output-dir': { type: 'string', default: '.' },
    'max-annotations': { type: 'string' },
    'no-install': { type: 'boolean', default: false },
  },
  async run({ values }, io) {
    const max = values['max-annotations'];
    const maxAnnotations = max === undefined ? undefined : numberOption('--max-annotations', max, 0);
    const arch = optionValue('--arch', values.arch, parseArch);
    const toolchain = optionValue('--toolchain', values.toolchain, parseToolchain);
    // Without --source-dir the build downloads Debian's linux-source: apt must know it.
    const facets = values['source-dir'] ? [arch] : [arch, 'debian-source'];
    await checkHostFirst({ command: 'build', facets, toolchain }, values['no-install'], io);
    const job = await kernelJobFromRequest(
      {
        arch: values.arch,
        toolchain: values.toolchain,
        ...(values['source-dir'] ? { sourceDir: values['source-dir'] } : {}),
        configFragments: values['config-fragment'] ?? [],
        ...(values.selftests === undefined ? {} : { selftestsTargets: splitList(values.selftests) }),
        outputDir: values['output-dir'],
        ...(values['build-dir'] ? { buildDir: values['build-dir'] } : {}),
        ...(values['base-config'] ? { baseConfig: values['base-config'] } : {}),
        selftestsConfig: !values['no-selftests-config'],
        ...(maxAnnotations === undefined ? {} : { maxAnnotations }),
        cwd: io.cwd,
      },
      io.logger,
    );
    const result = await runKernelJob(job, io.logger);
    io.stdout.write(
      `${jsonWithoutCommands(JSON.stringify({ artifact: result.artifact, manifest: result.manifest }, null, 2))}\n`,
    );
    return 0;
  },
});
