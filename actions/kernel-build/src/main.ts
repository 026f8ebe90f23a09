// Thin: read the inputs, run @bpf-ci/kernel's kernel job, write the outputs (and upload).
import { basename, dirname } from 'node:path';
import { ActionsLogger, getInput, getMultilineInput, setOutputs } from '@bpf-ci/gh';
import { uploadArtifact } from '@bpf-ci/gh/artifact';
import { kernelJobFromRequest, runKernelJob } from '@bpf-ci/kernel';

const logger = new ActionsLogger();

async function main(): Promise<void> {
  const max = getInput('max-annotations') || '10';
  if (!/^\d+$/.test(max)) throw new Error(`max-annotations: '${max}' is not a whole number`);
  const job = await kernelJobFromRequest(
    {
      arch: getInput('arch') || 'x86_64',
      toolchain: getInput('toolchain') || 'gcc',
      sourceDir: getInput('source-dir'),
      configFragments: getMultilineInput('config-fragments'),
      selftestsTargets: getInput('selftests-targets')
        .split(/[,\s]+/)
        .filter(Boolean),
      baseConfig: getInput('base-config'),
      buildDir: getInput('build-dir'),
      maxAnnotations: Number(max),
      outputDir: getInput('output-dir') || 'kernel-build-output',
      cwd: process.cwd(),
    },
    logger,
  );
  const result = await runKernelJob(job, logger);
  setOutputs({ artifact: result.artifact, 'kernel-release': result.manifest.kernelRelease });
  const name = getInput('artifact-name');
  if (name) {
    await uploadArtifact(
      { name, files: [result.artifact], rootDirectory: dirname(result.artifact), compressionLevel: 0 },
      logger,
    );
    logger.info(`Uploaded ${basename(result.artifact)} as ${name}`);
  }
}

main().catch((err: unknown) => {
  logger.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
