export { ARCHES, BPF_RUNNERS, PARALLEL_RUNNERS, parseToolchain, type Arch } from './toolchain.ts';
export type { Toolchain } from '@bpf-ci/domain';
export { ConfigSchema, workspacePathProblem, type Config, type ConfigInput } from './schema.ts';
export { DEFAULTS } from './defaults.ts';
export {
  ConfigError,
  DEFAULT_CONFIG_PATH,
  formatIssue,
  loadConfig,
  locate as locateYamlNode,
  parseConfig,
  type ConfigIssue,
} from './load.ts';
export {
  EmptyPullRequestTests,
  JOB_OVERHEAD_MINUTES,
  generateMatrix,
  isForkPullRequest,
  type BuildEntry,
  type Matrix,
  type MatrixContext,
  type TestEntry,
} from './generate.ts';
export { FLAKY_DEFAULTS, flakyEntry, type FlakyConfig, type FlakyEntry } from './flaky-config.ts';
export { VERISTAT_DEFAULTS, veristatEntry, type VeristatEntry } from './veristat-matrix.ts';
export {
  computeMatrix,
  describeMatrix,
  matrixOutputs,
  reportConfigError,
  type MatrixRequest,
} from './run.ts';
