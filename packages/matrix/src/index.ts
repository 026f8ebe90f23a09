export { ConfigSchema, workspacePathProblem, type Config, type ConfigInput } from './schema.ts';
export { DEFAULTS } from './defaults.ts';
export { DEFAULT_CONFIG_PATH, loadConfig, locate as locateYamlNode, parseConfig } from './load.ts';
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
export { COVERAGE_SUFFIX } from './coverage.ts';
