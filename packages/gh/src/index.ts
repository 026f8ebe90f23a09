// The only package that imports @actions/*. Actions run on runAction (inputs through a zod
// schema), log through ActionsLogger and write the step summary and outputs here.
export { input, readInputs, runAction, type InputSchema } from './run-action.ts';
export { ActionsLogger } from './logger.ts';
export { appendStepSummary, remainingSummaryBytes } from './summary.ts';
export { setOutputs } from './outputs.ts';
