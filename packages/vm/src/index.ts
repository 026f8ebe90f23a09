export * from './arch.ts';
export * from './accel.ts';
export * from './busybox.ts';
export * from './console.ts';
export * from './cpio.ts';
export * from './elf.ts';
export * from './guest-init.ts';
export * from './guest-view.ts';
export * from './initramfs.ts';
export * from './lists.ts';
export * from './modules.ts';
export * from './plan.ts';
export * from './qemu.ts';
export * from './results.ts';
export * from './runners.ts';
export * from './run-vm-tests.ts';
export {
  resultRow,
  superviseDecision,
  watchLimits,
  type SuperviseAction,
  type WatchLimits,
  type WatchState,
} from './boot-watch.ts';
export * from './request.ts';
export * from './runner-spec.ts';
export * from './defaults.ts';
export * from './accounting.ts';
export * from './retry.ts';
export * from './coverage.ts';
export * from './guest-root.ts';
export * from './job-manifest.ts';
