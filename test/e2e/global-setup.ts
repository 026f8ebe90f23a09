// Provision what the e2e tests boot, once, before any test: Debian 12's 6.1 kernels (x86_64 and
// arm64) and the BPF selftests built from Debian's linux-source, all into the cache. On a fresh
// machine this is where the minutes go; afterwards it is a cache hit. First, the host check: what
// the e2e tests need from the one list of host requirements, named with the command that installs
// it (installing nothing), and temporary folders of interrupted set-ups removed.
import { prepareHost } from '@bpf-ci/host';
import { fetchDebianKernel, ensureDefaultSelftests } from '@bpf-ci/kernel';
import { ConsoleLogger } from '@bpf-ci/logger';

export default async function setup(): Promise<void> {
  const logger = new ConsoleLogger();
  await prepareHost({ need: { command: 'e2e' }, noInstall: true }, logger);
  await ensureDefaultSelftests(logger);
  await fetchDebianKernel({ arch: 'aarch64' }, logger);
}
