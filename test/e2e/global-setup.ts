// Provision what the e2e tests boot, once, before any test: Debian 12's 6.1 kernels (x86_64 and
// arm64) and the BPF selftests built from Debian's linux-source, all into the cache. On a fresh
// machine this is where the minutes go; afterwards it is a cache hit.
import { fetchDebianKernel, ensureDefaultSelftests } from '@bpf-ci/kernel';
import { ConsoleLogger } from '@bpf-ci/logger';

export default async function setup(): Promise<void> {
  const logger = new ConsoleLogger();
  await ensureDefaultSelftests(logger);
  await fetchDebianKernel({ arch: 'aarch64' }, logger);
}
