import { writeSummary } from '@bpf-ci/report';
import type { VmTestOutcome } from '@bpf-ci/vm';
import type { CommandIo } from '../command.ts';

/**
 * Writes summary.md next to the results, says where everything is, and maps the conclusion to the
 * exit code both VM commands use: 0 success, 1 a test failed, 2 the VM or a runner broke.
 */
export function finishVmCommand(outcome: VmTestOutcome, io: CommandIo): number {
  const summary = writeSummary(outcome.run, outcome.outputDir);
  io.stdout.write(
    `${outcome.conclusion}: summary ${summary}, results ${outcome.resultsJson}, raw logs in ${outcome.outputDir}\n`,
  );
  return outcome.conclusion === 'success' ? 0 : outcome.conclusion === 'failure' ? 1 : 2;
}
