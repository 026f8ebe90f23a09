// @bpf-ci/flaky: retry policy and circuit breaker, merging attempts, the quarantine file and the
// DENYLIST pass. Pure: results in, results out; the VM runner and the CLI do the I/O.
export * from './variant.ts';
export * from './selector.ts';
export * from './policy.ts';
export * from './attempts.ts';
export * from './quarantine.ts';
export * from './denylist.ts';
export * from './verdict.ts';
