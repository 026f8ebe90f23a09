// The only package that imports @actions/*. Actions run on runAction (inputs through a zod
// schema), log through ActionsLogger and write the step summary and outputs here.
export { input, readInputs, runAction, type InputSchema } from './run-action.ts';
// Kept for actions written before runAction; new actions declare an input schema instead.
export { getInput, getMultilineInput } from '@actions/core';
export { ActionsLogger, type AnnotationLevel } from './logger.ts';
export { appendStepSummary, remainingSummaryBytes } from './summary.ts';
export { setOutputs } from './outputs.ts';
