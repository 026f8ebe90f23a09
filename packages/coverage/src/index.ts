export * from './lcov.ts';
export * from './diff.ts';
export * from './patch.ts';
export * from './report.ts';
export * from './tools.ts';
export * from './step.ts';
export * from './threshold.ts';
