export * from './artifacts.ts';
export * from './compare.ts';
export * from './github.ts';
export * from './github-url.ts';
export * from './repro.ts';
export * from './select.ts';
