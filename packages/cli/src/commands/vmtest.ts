import { INPUT_LIMITS, readInputFile } from '@bpf-ci/input-file';
import { type ParseArgsOptionsConfig } from 'node:util';
import { parseQuarantine } from '@bpf-ci/flaky';
import { buildPlan, runVmTests, runnerLines, type AcceleratorRequest } from '@bpf-ci/vm';
import { parseArch, splitList } from '@bpf-ci/domain';
import { numberOption, optionValue, UsageError, optionsCommand } from '../command.ts';
import { checkHostFirst, NO_INSTALL_USAGE } from './host-check.ts';
import { finishVmCommand } from './vm-outcome.ts';

const usage = `usage: bpf-ci vmtest --kernel IMAGE --selftests DIR [options]

Boot IMAGE in QEMU and run BPF selftests from DIR inside it (the guest sees the host's system folders
and DIR read-only, never the host's home, /tmp or /proc).
Writes results.json, summary.md, each runner's log, console.log and dmesg.txt to the output folder.

options:
  --kernel IMAGE         kernel image to boot (bzImage, arm64 Image)
  --modules DIR          the kernel's modules (lib/modules/RELEASE or a root holding it)
  --kernel-config FILE   the kernel's .config, seen in the guest as /boot/config-RELEASE (libbpf
                         reads it); a Debian-style modules root brings its own
  --selftests DIR        tools/testing/selftests/bpf with the built runners
  --arch ARCH            x86_64 (default), aarch64, s390x
  --runners LIST         comma-separated: test_progs, test_progs-no_alu32, test_progs-cpuv4,
                         test_maps, test_verifier (default: test_progs)
  --allowlist FILE       base allowlist file (repeatable); FILE.ARCH, FILE.DEPLOYMENT, FILE.RUNNER
  --denylist FILE        are layered on when present (repeatable)
  --allow NAMES          comma-separated test_progs allow entries (added to the files)
  --deny NAMES           comma-separated test_progs deny entries
  --deployment NAME      the .DEPLOYMENT layer of the lists
  --timeout-minutes N    per-runner timeout (default 30)
  --workers N            test_progs -jN when the binary supports it
  --accel MODE           auto (default: KVM when it works, else TCG), kvm, tcg
  --memory MIB           guest memory (default 2048)
  --cpus N               guest CPUs (default 2)
  --silence-timeout S    kill the VM after S seconds without console output (default 300)
  --retries N            re-run failed test_progs/test_verifier tests up to N more times in the
                         booted VM (default 1; 0: never); failed then passed is reported flaky
  --max-failures K       no retry when more than K tests failed (default 10)
  --fail-on-flaky        a flaky test fails the run too
  --quarantine FILE      quarantine file: failures it covers are warnings (see bpf-ci quarantine)
  --denylist-pass-minutes N
                         run the denylisted tests at the end, within N minutes, and report which
                         now pass (informational, never changes the verdict)
  --output DIR           output folder (default out/vmtest)
${NO_INSTALL_USAGE}`;

/** vmtest's options, exported so tests can check every command line a summary prints. */
export const VMTEST_OPTIONS = {
  kernel: { type: 'string' },
  modules: { type: 'string' },
  'kernel-config': { type: 'string' },
  selftests: { type: 'string' },
  arch: { type: 'string', default: 'x86_64' },
  runners: { type: 'string', default: 'test_progs' },
  allowlist: { type: 'string', multiple: true },
  denylist: { type: 'string', multiple: true },
  allow: { type: 'string' },
  deny: { type: 'string' },
  deployment: { type: 'string' },
  'timeout-minutes': { type: 'string', default: '30' },
  workers: { type: 'string' },
  accel: { type: 'string', default: 'auto' },
  memory: { type: 'string', default: '2048' },
  cpus: { type: 'string', default: '2' },
  'silence-timeout': { type: 'string', default: '300' },
  retries: { type: 'string', default: '1' },
  'max-failures': { type: 'string', default: '10' },
  'fail-on-flaky': { type: 'boolean', default: false },
  quarantine: { type: 'string' },
  'denylist-pass-minutes': { type: 'string' },
  output: { type: 'string', default: 'out/vmtest' },
  'no-install': { type: 'boolean', default: false },
} satisfies ParseArgsOptionsConfig;

export const vmtestCommand = optionsCommand({
  name: 'vmtest',
  summary: 'boot a kernel in QEMU and run BPF selftests in it',
  usage,
  options: VMTEST_OPTIONS,
  async run({ values }, io) {
    if (!values.kernel) throw new UsageError('--kernel IMAGE is required');
    if (!values.selftests) throw new UsageError('--selftests DIR is required');
    const accel = values.accel as AcceleratorRequest;
    if (!['auto', 'kvm', 'tcg'].includes(accel))
      throw new UsageError(`--accel ${values.accel}: use auto, kvm or tcg`);
    const arch = optionValue('--arch', values.arch, parseArch);
    await checkHostFirst({ command: 'vmtest', facets: [arch] }, values['no-install'], io);
    const plan = buildPlan(
      {
        arch,
        selftestsDir: values.selftests,
        runners: runnerLines(values.runners),
        allowlists: values.allowlist ?? [],
        denylists: values.denylist ?? [],
        allow: splitList(values.allow ?? ''),
        deny: splitList(values.deny ?? ''),
        ...(values.deployment ? { deployment: values.deployment } : {}),
        timeoutSec: numberOption('--timeout-minutes', values['timeout-minutes'], 1) * 60,
        ...(values.workers ? { workers: numberOption('--workers', values.workers, 1) } : {}),
        retry: {
          attempts: numberOption('--retries', values.retries, 0),
          maxFailures: numberOption('--max-failures', values['max-failures'], 0),
          failOnFlaky: values['fail-on-flaky'],
        },
        ...(values['denylist-pass-minutes']
          ? {
              denylistPass: {
                timeoutSec: numberOption('--denylist-pass-minutes', values['denylist-pass-minutes'], 1) * 60,
              },
            }
          : {}),
      },
      io.logger,
    );
    const quarantine = values.quarantine
      ? {
          file: parseQuarantine(
            await readInputFile(values.quarantine, {
              maxBytes: INPUT_LIMITS.config,
              what: 'quarantine file',
            }),
            values.quarantine,
          ),
          name: values.quarantine,
        }
      : undefined;
    const outcome = await runVmTests(
      {
        arch,
        kernelImage: values.kernel,
        ...(values.modules ? { modulesDir: values.modules } : {}),
        ...(values['kernel-config'] ? { kernelConfig: values['kernel-config'] } : {}),
        plan,
        outputDir: values.output,
        accelerator: accel,
        memoryMiB: numberOption('--memory', values.memory, 1),
        cpus: numberOption('--cpus', values.cpus, 1),
        silenceTimeoutSec: numberOption('--silence-timeout', values['silence-timeout'], 1),
        ...(quarantine ? { quarantine } : {}),
      },
      io.logger,
    );
    return finishVmCommand(outcome, io);
  },
});
