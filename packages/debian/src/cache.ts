import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Where slow set-up (kernel packages, linux-source, selftests builds) is cached, the same for the
 * bundled actions and the `bpf-ci` command line: $BPF_CI_CACHE; inside a GitHub Actions job,
 * .cache/ in the job's workspace ($GITHUB_WORKSPACE); otherwise .cache/ in the bpf-ci checkout
 * (git-ignored). The checkout is found by walking up from this module to bpf-ci's own package.json,
 * since the module runs from packages/debian/src in the repository and from dist/<action>/ when
 * bundled.
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, from: string = import.meta.dirname): string {
  const fromEnv = env['BPF_CI_CACHE'];
  if (fromEnv) return resolve(fromEnv);
  const workspace = env['GITHUB_WORKSPACE'];
  if (workspace) return join(resolve(workspace), '.cache');
  return join(checkoutRoot(from) ?? process.cwd(), '.cache');
}

/** The nearest folder at or above `start` holding bpf-ci's root package.json. */
export function checkoutRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'bpf-ci') return dir;
      } catch {
        // Not JSON: not ours; keep walking.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
