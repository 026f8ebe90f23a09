import { parseArgs } from 'node:util';
import { ensureDefaultSelftests } from '@bpf-ci/kernel';
import {
  buildPlan,
  DEFAULT_RUNNERS,
  DEFAULT_TEST_PROGS_ALLOWLIST,
  runVmTests,
  runnerLines,
} from '@bpf-ci/vm';
import { splitList } from '@bpf-ci/domain';
import type { Command } from '../command.ts';
import { checkHostFirst, NO_INSTALL_USAGE } from './host-check.ts';
import { finishVmCommand, positive } from './vm-outcome.ts';

const usage = `usage: bpf-ci run [--output DIR] [--runners LIST] [--allow NAMES] [--timeout-minutes N]

The BPF CI main job on this machine, with nothing to provide: Debian 12's packaged 6.1 kernel and
the BPF selftests built from Debian's linux-source (both set up into the cache on first use:
$BPF_CI_CACHE or .cache/), booted in QEMU, running test_verifier and a test_progs allowlist.
Writes summary.md, results.json and the raw logs to the output folder and says where.

options:
  --output DIR           output folder (default out/run)
  --runners LIST         default: ${DEFAULT_RUNNERS.join(',')}
  --allow NAMES          test_progs allowlist instead of the default (${DEFAULT_TEST_PROGS_ALLOWLIST.length} tests)
  --timeout-minutes N    per-runner timeout (default 20)
${NO_INSTALL_USAGE}`;

export const runCommand: Command = {
  name: 'run',
  summary: "BPF CI's main job: Debian's 6.1 kernel + selftests in QEMU, default selection",
  usage,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        output: { type: 'string', default: 'out/run' },
        runners: { type: 'string', default: DEFAULT_RUNNERS.join(',') },
        allow: { type: 'string' },
        'timeout-minutes': { type: 'string', default: '20' },
        'no-install': { type: 'boolean', default: false },
      },
      strict: true,
    });
    const timeoutSec = positive(values['timeout-minutes'], '--timeout-minutes') * 60;
    await checkHostFirst({ command: 'run' }, values['no-install'], io);
    const setup = await io.logger.group('Kernel and selftests', () => ensureDefaultSelftests(io.logger));
    io.logger.info(`Kernel ${setup.kernel.release}, selftests in ${setup.dir}`);
    const plan = buildPlan(
      {
        arch: 'x86_64',
        selftestsDir: setup.dir,
        runners: runnerLines(values.runners),
        allow: values.allow ? splitList(values.allow) : DEFAULT_TEST_PROGS_ALLOWLIST,
        timeoutSec,
      },
      io.logger,
    );
    const outcome = await io.logger.group('Boot and run the selftests', () =>
      runVmTests(
        {
          arch: 'x86_64',
          kernelImage: setup.kernel.vmlinuz,
          modulesDir: setup.kernel.modulesDir,
          plan,
          outputDir: values.output,
          context: { arch: 'x86_64', kernelRelease: setup.kernel.release, toolchain: 'llvm' },
        },
        io.logger,
      ),
    );
    return finishVmCommand(outcome, io);
  },
};
