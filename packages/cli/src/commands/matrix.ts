import { jsonWithoutCommands } from '@bpf-ci/protocol';
import { ConfigError } from '@bpf-ci/domain';
import { DEFAULT_CONFIG_PATH, computeMatrix, describeMatrix } from '@bpf-ci/matrix';
import { optionsCommand } from '../command.ts';

const usage = `usage: bpf-ci matrix [--config FILE] [--repository OWNER/NAME] [--event EVENT] [--json]

Validate a bpf-ci config and print the build and test jobs it gives.
  --config FILE        the config (default ${DEFAULT_CONFIG_PATH}; if that file does not exist: the defaults)
  --repository R       the repository the workflow runs in (default: the config's first main repository);
                       any other repository is a fork: only forks.arches, on forks.runs-on
  --event E            the event that started the workflow (default pull_request)
  --json               print {"build-matrix": ..., "test-matrix": ...} as the action outputs them`;

export const matrixCommand = optionsCommand({
  name: 'matrix',
  summary: 'validate .github/bpf-ci.yml and print the build and test matrix',
  usage,
  options: {
    config: { type: 'string', default: DEFAULT_CONFIG_PATH },
    repository: { type: 'string' },
    event: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  async run({ values }, io) {
    try {
      const matrix = await computeMatrix(
        { config: values.config, cwd: io.cwd, repository: values.repository, event: values.event },
        io.logger,
      );
      io.stdout.write(
        values.json
          ? `${jsonWithoutCommands(JSON.stringify({ 'build-matrix': matrix.build, 'test-matrix': matrix.test }, null, 2))}\n`
          : describeMatrix(matrix),
      );
      return 0;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      io.logger.error(`${values.config} is not a valid bpf-ci config:\n${err.message}`);
      return 1;
    }
  },
});
