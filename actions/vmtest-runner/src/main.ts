// vmtest-runner action: plan the runners, boot the kernel with @bpf-ci/vm, write the validated
// results.json and outputs (no step summary: result-parser renders the job's one summary from it).
import { runAction, setOutputs } from '@bpf-ci/gh';
import { writeSummary } from '@bpf-ci/report';
import { buildPlan, jobIdentity, readQuarantineFile, runVmTests } from '@bpf-ci/vm';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    const { arch, runners, allowlists, denylists, coverage } = inputs;
    const [selftestsDir, timeoutSec] = [inputs['selftests-dir'], inputs['timeout-minutes'] * 60];
    const [maxFailures, failOnFlaky] = [inputs['max-failures'], inputs['fail-on-flaky']];
    const [attempts, minBudgetSec] = [inputs.retries, inputs['retry-budget-minutes'] * 60];
    const retry = { attempts, maxFailures, minBudgetSec, failOnFlaky };
    const pass = inputs['denylist-pass-minutes'] * 60;
    const request = { arch, selftestsDir, runners, allowlists, denylists, timeoutSec, retry, coverage };
    const plan = buildPlan({ ...request, ...(pass > 0 && { denylistPass: { timeoutSec: pass } }) }, logger);
    const outcome = await runVmTests(
      {
        arch,
        kernelImage: inputs['kernel-image'],
        ...(inputs['modules-dir'] && { modulesDir: inputs['modules-dir'] }),
        ...(inputs['kernel-config'] && { kernelConfig: inputs['kernel-config'] }),
        plan,
        outputDir: inputs['output-dir'],
        quarantine: readQuarantineFile(inputs['quarantine-file']),
        identity: jobIdentity(process.env, inputs.toolchain, inputs['build-artifact']),
      },
      logger,
    );
    // summary.md for the artifact only: the job's one step summary is result-parser's.
    const summary = writeSummary(outcome.run, outcome.outputDir);
    setOutputs({ conclusion: outcome.conclusion, 'results-json': outcome.resultsJson });
    if (outcome.conclusion === 'success') return 0;
    logger.error(`vmtest ${outcome.conclusion}: see ${summary}`);
    return 1;
  });
}
