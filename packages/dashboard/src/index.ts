export * from './model.ts';
export * from './aggregate.ts';
export * from './collect.ts';
export * from './html.ts';
export * from './site.ts';
