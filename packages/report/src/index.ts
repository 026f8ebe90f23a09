export * from './workflow-commands.ts';
export * from './markdown.ts';
export * from './describe.ts';
export * from './step-summary.ts';
export * from './annotations.ts';
export * from './junit.ts';
export * from './ctrf.ts';
export * from './results-json.ts';
