export * from './describe.ts';
export * from './step-summary.ts';
export * from './annotations.ts';
export * from './junit.ts';
export * from './ctrf.ts';
export * from './results-json.ts';
export * from './publish.ts';
export * from './load.ts';
// The runner protocol and Markdown escaping moved to @bpf-ci/protocol; re-exported here so code
// that imported them from this package keeps working. New code imports @bpf-ci/protocol.
export {
  codeFence,
  escapeData,
  escapeHtml,
  escapeMarkdown,
  escapeProperty,
  formatCommand,
  newStopToken,
  stopCommands,
  STEP_SUMMARY_LIMIT,
  type Annotation,
  type AnnotationLevel,
  type CommandProperties,
} from '@bpf-ci/protocol';
