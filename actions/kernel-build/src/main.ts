// kernel-build action: build the kernel and selftests with @bpf-ci/kernel into one artifact.
import { runAction, setOutputs } from '@bpf-ci/gh';
import { kernelJobFromRequest, runKernelJob } from '@bpf-ci/kernel';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    const job = await kernelJobFromRequest(
      {
        arch: inputs.arch,
        toolchain: inputs.toolchain,
        sourceDir: inputs['source-dir'],
        configFragments: inputs['config-fragments'],
        selftestsTargets: inputs['selftests-targets'],
        baseConfig: inputs['base-config'],
        buildDir: inputs['build-dir'],
        maxAnnotations: inputs['max-annotations'],
        outputDir: inputs['output-dir'],
        coverage: inputs.coverage,
        cwd: process.cwd(),
      },
      logger,
    );
    const result = await runKernelJob(job, logger);
    setOutputs({ artifact: result.artifact, 'kernel-release': result.manifest.kernelRelease });
  });
}
