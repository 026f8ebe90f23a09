export * from './debian.ts';
export * from './selftests.ts';
export { findBtf, findBtfWithOrder, type ByteOrder } from './vmlinux.ts';
// Debian provisioning moved to @bpf-ci/debian; these re-exports keep older imports working.
export { cacheRoot, ensureDebianPackage, parseAptDepends, parseAptVersion } from '@bpf-ci/debian';
export { CommandError } from './exec.ts';
export * from './build.ts';
export * from './config.ts';
export * from './toolchain.ts';
export * from './artifact.ts';
export * from './pipeline.ts';
export { BuildError } from './build-error.ts';
export { chooseAnnotations, parseDiagnostics, sourceRelativePath, type Diagnostic } from './diagnostics.ts';
export * from './inputs.ts';
export * from './source-times.ts';
export { buildSandbox, runSandboxed, scrubbedBuildEnv, unshareArgs, type Sandbox } from './sandbox.ts';
export * from './cross-selftests.ts';
