// coverage-report action: a coverage job's counters with its build's notes, by @bpf-ci/coverage.
import { join, resolve } from 'node:path';
import { checkPatchThreshold, coverageStepOutputs, runCoverageStep } from '@bpf-ci/coverage';
import { UserError } from '@bpf-ci/domain';
import { appendStepSummary, runAction, setOutputs } from '@bpf-ci/gh';
import { readArtifactManifest } from '@bpf-ci/kernel';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    const artifact = resolve(inputs['artifact-dir']);
    const { coverage, files } = await readArtifactManifest(artifact);
    if (!coverage || !files.gcno)
      throw new UserError(`${artifact} is not a GCOV build: build it with kernel-build's coverage input`);
    const { results, 'source-dir': sourceDir, 'test-name': testName, base, head } = inputs;
    if (!base !== !head) throw new UserError('base and head go together');
    const result = await runCoverageStep(
      {
        gcovDir: resolve(inputs['gcov-dir']),
        gcnoDir: join(artifact, files.gcno),
        buildSourceDir: coverage.sourceDir,
        directories: coverage.directories,
        outputDir: resolve(inputs['output-dir']),
        ...(sourceDir && { sourceDir: resolve(sourceDir) }),
        ...(results && { results: resolve(results) }),
        ...(testName && { testName }),
        ...(base && head && { patch: { base, head } }),
      },
      logger,
    );
    await appendStepSummary(result.markdown);
    setOutputs(coverageStepOutputs(result));
    const check = checkPatchThreshold(result.report.patch, inputs['patch-threshold']);
    if (check.status === 'below') logger.error(check.message);
    else if (check.status !== 'not-set') logger.info(check.message);
    return check.status === 'below' ? 1 : 0;
  });
}
