import { doctorStatus, gatherDoctor, renderDoctor, type Need } from '@bpf-ci/host';
import { parseArch, parseToolchain } from '@bpf-ci/domain';
import { optionValue, UsageError, optionsCommand } from '../command.ts';

const COMMANDS = ['run', 'vmtest', 'build', 'unit', 'e2e'];

const usage = `usage: bpf-ci doctor [--for COMMAND [--arch ARCH] [--toolchain NAME]] [--no-sizes]

Checks this machine for what bpf-ci needs, from the one list of host requirements
(packages/host/requirements.txt): each Debian/Ubuntu package's tool and version, Node, whether
/dev/kvm is usable (and why not), free disk for the cache, and the cache's state (entries,
set-ups in progress, temporary folders left by interrupted ones). Prints what is missing with
the one command that installs it. Installs nothing. Exit status 1 when something is missing.

options:
  --for COMMAND      only what one command needs: ${COMMANDS.join(', ')} (unit, e2e: npm test)
  --arch ARCH        with --for vmtest or build: x86_64 (default), aarch64, s390x
  --toolchain NAME   with --for build: gcc (default), gcc-12, llvm, llvm-14
  --no-sizes         skip measuring the cache's folders (du)`;

export const doctorCommand = optionsCommand({
  name: 'doctor',
  summary: "check this machine's packages, Node, KVM, disk and cache; say how to install what is missing",
  usage,
  options: {
    for: { type: 'string' },
    arch: { type: 'string' },
    toolchain: { type: 'string' },
    'no-sizes': { type: 'boolean', default: false },
  },
  async run({ values }, io) {
    const needs = values.for === undefined ? undefined : [need(values.for, values.arch, values.toolchain)];
    if (!needs && (values.arch || values.toolchain))
      throw new UsageError('--arch and --toolchain go with --for');
    const report = await gatherDoctor({
      ...(needs ? { needs } : {}),
      env: io.env,
      sizes: !values['no-sizes'],
    });
    io.stdout.write(`${renderDoctor(report)}\n`);
    return doctorStatus(report);
  },
});

function need(command: string, archText: string | undefined, toolchainText: string | undefined): Need {
  if (!COMMANDS.includes(command))
    throw new UsageError(`--for ${command}: use one of ${COMMANDS.join(', ')}`);
  const arch = optionValue('--arch', archText ?? 'x86_64', parseArch);
  if (command === 'build') {
    const toolchain = optionValue('--toolchain', toolchainText ?? 'gcc', parseToolchain);
    return { command, facets: [arch, 'debian-source'], toolchain };
  }
  if (toolchainText) throw new UsageError('--toolchain goes with --for build');
  return command === 'vmtest' ? { command, facets: [arch] } : { command };
}
