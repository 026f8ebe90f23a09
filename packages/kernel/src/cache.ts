import { join, resolve } from 'node:path';

/**
 * Where slow set-up (kernel packages, linux-source, selftests builds) is cached: $BPF_CI_CACHE, or
 * .cache/ at the repository root (git-ignored). CI starts without it and fills it.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['BPF_CI_CACHE'];
  if (fromEnv) return resolve(fromEnv);
  return join(import.meta.dirname, '..', '..', '..', '.cache');
}
