export { buildAnnotations, type VeristatAnnotation } from './annotations.ts';
export {
  formatDiffCell,
  parseCompareOutput,
  type CompareCell,
  type CompareOutput,
  type CompareRow,
  type NumericDiff,
} from './compare-output.ts';
export {
  DEFAULT_CONFIG,
  DEFAULT_THRESHOLDS,
  Level,
  MetricThreshold,
  parseConfig,
  thresholdFor,
  VeristatConfig,
} from './config.ts';
export {
  diffRuns,
  formatPct,
  noBaseline,
  percentChange,
  type Change,
  type MetricDiff,
  type ProgramDiff,
  type VerdictChange,
  type VeristatDiff,
} from './diff.ts';
export { veristatDiffFiles, type VeristatDiffInput, type VeristatDiffResult } from './files.ts';
export { parseCsv, parseRunText, parseTable } from './parse.ts';
export { renderMarkdown, sections, type RenderOptions, type Sections } from './render.ts';
export {
  isAtInsnLimit,
  programKey,
  VeristatFormatError,
  type ParseProblem,
  type ProgramStats,
  type Verdict,
  type VeristatRun,
} from './run.ts';
export { INSN_LIMIT, STATS, statForHeader, statLabel, type StatDef } from './stats.ts';
export { findTables, type RawTable } from './text-table.ts';
export { logTail, parseVerifierLogs, type VerifierLog } from './verifier-log.ts';
