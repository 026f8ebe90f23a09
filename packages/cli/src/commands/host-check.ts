import { prepareHost, type Need } from '@bpf-ci/host';
import type { CommandIo } from '../command.ts';

/** The `--no-install` line every command that checks the host first shows in its usage. */
export const NO_INSTALL_USAGE = `  --no-install           check this machine's packages first but never install them (inside
                         GitHub Actions nothing is installed anyway)`;

/**
 * Before any work: what `need` requires from the host list, installed when allowed, else a stop
 * naming the one command to run (HostNotReadyError).
 */
export function checkHostFirst(need: Need, noInstall: boolean | undefined, io: CommandIo): Promise<void> {
  return io.logger.group('Host check', () =>
    prepareHost({ need, noInstall: noInstall ?? false, env: io.env }, io.logger),
  );
}
