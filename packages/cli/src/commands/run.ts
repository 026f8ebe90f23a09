import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArch, type Arch } from '@bpf-ci/domain';
import { codeFence, escapeMarkdown } from '@bpf-ci/protocol';
import { buildCrossSelftests, ensureDefaultSelftests, type ForeignArch } from '@bpf-ci/kernel';
import type { Logger } from '@bpf-ci/logger';
import {
  buildPlan,
  DEFAULT_RUNNERS,
  DEFAULT_TEST_PROGS_ALLOWLIST,
  listLayerFiles,
  parseRunnerSpec,
  runVmTests,
  runnerLines,
} from '@bpf-ci/vm';
import { RUNNER_BINARY, splitList } from '@bpf-ci/domain';
import { numberOption, optionValue, UsageError, optionsCommand } from '../command.ts';
import { checkHostFirst, NO_INSTALL_USAGE } from './host-check.ts';
import { finishVmCommand } from './vm-outcome.ts';

const usage = `usage: bpf-ci run [--arch ARCH] [--output DIR] [--runners LIST] [--allow NAMES] [--timeout-minutes N]

The BPF CI main job on this machine, with nothing to provide: Debian 12's packaged 6.1 kernel and
the BPF selftests built from Debian's linux-source (both set up into the cache on first use:
$BPF_CI_CACHE or .cache/), booted in QEMU, running test_verifier and a test_progs allowlist.
Writes summary.md, results.json and the raw logs to the output folder and says where.

With --arch aarch64 or s390x: Debian's kernel for that arch under TCG, the selftests cross-built
statically (Debian's cross gcc, a sysroot of that arch's -dev packages) in a guest root of its
own (that arch's static busybox); a binary that does not build is reported "not built" and makes
the run fail; test_progs gets the selftests tree's DENYLIST with its .ARCH layer.

options:
  --arch ARCH            x86_64 (default), aarch64, s390x
  --output DIR           output folder (default out/run)
  --runners LIST         default: ${DEFAULT_RUNNERS.join(',')}
  --allow NAMES          test_progs allowlist instead of the default (${DEFAULT_TEST_PROGS_ALLOWLIST.length} tests)
  --timeout-minutes N    per-runner timeout (default 20)
${NO_INSTALL_USAGE}`;

interface Setup {
  kernel: { vmlinuz: string; modulesDir: string; release: string };
  dir: string;
  /** Runner lines whose binary was built. */
  runners: string[];
  /** Binaries asked for that did not build, with why. */
  notBuilt: { name: string; reason: string }[];
  /** Layered list bases for test_progs (the selftests tree's DENYLIST). */
  denylists: string[];
  toolchain: 'llvm' | 'gcc';
}

export const runCommand = optionsCommand({
  name: 'run',
  summary: "BPF CI's main job: Debian's 6.1 kernel + selftests in QEMU, default selection",
  usage,
  options: {
    arch: { type: 'string', default: 'x86_64' },
    output: { type: 'string', default: 'out/run' },
    runners: { type: 'string', default: DEFAULT_RUNNERS.join(',') },
    allow: { type: 'string' },
    'timeout-minutes': { type: 'string', default: '20' },
    'no-install': { type: 'boolean', default: false },
  },
  async run({ values }, io) {
    const timeoutSec = numberOption('--timeout-minutes', values['timeout-minutes'], 1) * 60;
    const arch = optionValue('--arch', values.arch, parseArch);
    const runners = runnerLines(values.runners);
    await checkHostFirst(
      { command: 'run', ...(arch === 'x86_64' ? {} : { facets: [arch] }) },
      values['no-install'],
      io,
    );
    const setup = await io.logger.group('Kernel and selftests', () =>
      arch === 'x86_64' ? hostSetup(runners, io.logger) : foreignSetup(arch, runners, io.logger),
    );
    io.logger.info(`Kernel ${setup.kernel.release}, selftests in ${setup.dir}`);
    for (const b of setup.notBuilt) io.logger.error(`${b.name} (${arch}): not built: ${b.reason}`);
    if (setup.runners.length === 0) {
      io.stdout.write(
        `failure: nothing to run on ${arch}: ${setup.notBuilt.map((b) => b.name).join(', ')} not built\n`,
      );
      return 1;
    }
    const plan = buildPlan(
      {
        arch,
        selftestsDir: setup.dir,
        runners: setup.runners,
        allow: values.allow ? splitList(values.allow) : DEFAULT_TEST_PROGS_ALLOWLIST,
        denylists: setup.denylists,
        timeoutSec,
      },
      io.logger,
    );
    // The lists only apply to test_progs runners: say which layers were used only when one runs.
    const runsTestProgs = plan.runners.some((r) => r.kind.startsWith('test_progs'));
    const layered = runsTestProgs
      ? setup.denylists.flatMap((base) =>
          listLayerFiles(base, { arch, runner: 'test_progs' }).filter((f) => existsSync(f)),
        )
      : [];
    if (layered.length) io.logger.info(`test_progs denylist layers: ${layered.join(', ')}`);
    const outcome = await io.logger.group('Boot and run the selftests', () =>
      runVmTests(
        {
          arch,
          kernelImage: setup.kernel.vmlinuz,
          modulesDir: setup.kernel.modulesDir,
          plan,
          outputDir: values.output,
          context: { arch, kernelRelease: setup.kernel.release, toolchain: setup.toolchain },
        },
        io.logger,
      ),
    );
    const code = finishVmCommand(outcome, io);
    if (layered.length) io.stdout.write(`lists layered: ${layered.join(', ')}\n`);
    if (setup.notBuilt.length === 0) return code;
    appendFileSync(join(outcome.outputDir, 'summary.md'), notBuiltMarkdown(arch, setup.notBuilt));
    io.stdout.write(`not built (${arch}): ${setup.notBuilt.map((b) => b.name).join(', ')}\n`);
    return Math.max(code, 1);
  },
});

async function hostSetup(runners: readonly string[], logger: Logger): Promise<Setup> {
  const setup = await ensureDefaultSelftests(logger);
  return {
    kernel: setup.kernel,
    dir: setup.dir,
    runners: [...runners],
    notBuilt: [],
    denylists: [],
    toolchain: 'llvm',
  };
}

/** The cross-built binaries the runners need; runners whose binary did not build are left out. */
async function foreignSetup(
  arch: Exclude<Arch, 'x86_64'>,
  runners: readonly string[],
  logger: Logger,
): Promise<Setup> {
  const binaryOf = (line: string): string => {
    const spec = parseRunnerSpec(line);
    if (spec.kind === 'command')
      throw new UsageError(`run --arch ${arch} runs selftests binaries only, not '${line}'`);
    return RUNNER_BINARY[spec.kind];
  };
  const targets = [...new Set(runners.map(binaryOf))];
  const build = await buildCrossSelftests({ arch: arch satisfies ForeignArch, targets }, logger);
  const built = new Set(build.binaries.filter((b) => b.built).map((b) => b.name));
  const denylist = join(build.dir, 'DENYLIST');
  return {
    kernel: build.kernel,
    dir: build.dir,
    runners: runners.filter((line) => built.has(binaryOf(line))),
    notBuilt: build.binaries
      .filter((b) => !b.built)
      .map((b) => ({ name: b.name, reason: b.reason ?? 'unknown' })),
    denylists: existsSync(denylist) ? [denylist] : [],
    toolchain: 'gcc',
  };
}

/** The summary's section for binaries that did not build: named, with the build's own words. */
export function notBuiltMarkdown(arch: Arch, notBuilt: readonly { name: string; reason: string }[]): string {
  const parts = [`\n## ❌ Not built on ${arch}\n`];
  for (const b of notBuilt)
    parts.push(`\n**${escapeMarkdown(b.name)}**: not built, so not run\n\n`, codeFence(b.reason));
  return parts.join('');
}
