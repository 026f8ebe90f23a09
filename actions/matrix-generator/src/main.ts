// matrix-generator: .github/bpf-ci.yml → build-matrix and test-matrix outputs for strategy.matrix.
import { runAction, setOutputs } from '@bpf-ci/gh';
import { ConfigError } from '@bpf-ci/domain';
import { computeMatrix, describeMatrix, matrixOutputs, reportConfigError } from '@bpf-ci/matrix';
import { Inputs } from './inputs.ts';

export function run(): Promise<number> {
  return runAction(Inputs, async (inputs, logger) => {
    try {
      const matrix = await computeMatrix(
        {
          config: inputs.config,
          repository: inputs.repository,
          event: inputs.event,
          headRepository: inputs['head-repository'],
          cwd: process.cwd(),
        },
        logger,
      );
      logger.info(describeMatrix(matrix));
      setOutputs(matrixOutputs(matrix));
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // One annotation per problem, at its line and column.
      reportConfigError(err, logger);
      return 1;
    }
  });
}
