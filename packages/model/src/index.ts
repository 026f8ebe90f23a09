export * from './model.ts';
export * from './kcidb.ts';
export * from './build.ts';
export * from './merge.ts';
export * from './schema.ts';
export * from './job-manifest.ts';
