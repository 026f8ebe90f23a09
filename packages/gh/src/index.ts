// The only package that imports @actions/*. Actions read inputs with literal names through these
// re-exports, log through ActionsLogger and write the step summary and outputs here.
export { getBooleanInput, getInput, getMultilineInput } from '@actions/core';
export { ActionsLogger, type AnnotationLevel } from './logger.ts';
export { appendStepSummary, remainingSummaryBytes } from './summary.ts';
export { setOutputs } from './outputs.ts';
