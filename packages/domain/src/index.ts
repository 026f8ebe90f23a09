// bpf-ci's vocabulary: architectures and their names in each tool, toolchains, selftest runners,
// the user-error types, and small helpers every entry point reads its lists with.
export * from './arch.ts';
export * from './errors.ts';
export * from './lists.ts';
export * from './runners.ts';
export * from './toolchain.ts';
export * from './values.ts';
export * from './coverage.ts';
