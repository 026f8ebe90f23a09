export * from './describe.ts';
export * from './step-summary.ts';
export * from './annotations.ts';
export * from './junit.ts';
export * from './ctrf.ts';
export * from './results-json.ts';
export * from './publish.ts';
export * from './load.ts';
