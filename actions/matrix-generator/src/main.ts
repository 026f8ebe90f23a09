// matrix-generator: .github/bpf-ci.yml → build-matrix and test-matrix outputs for strategy.matrix.
import { ActionsLogger, getInput, setOutputs } from '@bpf-ci/gh';
import { ConfigError, computeMatrix, describeMatrix, matrixOutputs, reportConfigError } from '@bpf-ci/matrix';

const logger = new ActionsLogger();
try {
  const matrix = await computeMatrix(
    {
      config: getInput('config'),
      repository: getInput('repository'),
      event: getInput('event'),
      headRepository: getInput('head-repository'),
      cwd: process.cwd(),
    },
    logger,
  );
  logger.info(describeMatrix(matrix));
  setOutputs(matrixOutputs(matrix));
} catch (err) {
  if (err instanceof ConfigError) reportConfigError(err, logger);
  else logger.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
}
