// Debian provisioning for the packages that need files from Debian (kernels, linux-source, a
// foreign-arch busybox): apt download + unpack, the cache root, and the atomic, locked cache entry.
export * from './apt.ts';
export * from './atomic.ts';
export * from './cache.ts';
export * from './hash.ts';
