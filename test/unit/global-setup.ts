// Before any unit test: the host has the few tools the unit tests run (busybox, cpio, cmark-gfm...),
// from the one list of host requirements. Names what is missing and the command; installs nothing.
import { prepareHost } from '@bpf-ci/host';
import { ConsoleLogger } from '@bpf-ci/logger';

export default async function setup(): Promise<void> {
  await prepareHost({ need: { command: 'unit' }, noInstall: true, sweepCache: false }, new ConsoleLogger());
}
