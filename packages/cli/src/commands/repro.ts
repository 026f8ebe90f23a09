import { type ParseArgsOptionsConfig } from 'node:util';
import { resolve } from 'node:path';
import { failedCount, reproduce, type Selection } from '@bpf-ci/repro';
import type { AcceleratorRequest } from '@bpf-ci/vm';
import { numberOption, UsageError, optionsCommand } from '../command.ts';
import { checkHostFirst, NO_INSTALL_USAGE } from './host-check.ts';
import { finishVmCommand } from './vm-outcome.ts';

const usage = `usage: bpf-ci repro <JOB-URL | RUN-URL --job NAME | ARTIFACTS-FOLDER> [options]

Reproduce a CI test job on this machine: download its artifacts (job manifest, results, build),
boot the same kernel with the same command line, lists, runner flags, timeouts and QEMU settings
(under KVM when usable, else TCG: no root, no KVM needed; an aarch64 or s390x job runs on x86_64),
rerun the job's failed tests and print the job's verdict beside the local one.
The guest sees what a CI guest sees: this machine's system folders and the selftests read-only,
never your home. A URL needs a token: GITHUB_TOKEN, else \`gh auth token\`; GITHUB_API_URL is used.

example:
  bpf-ci repro https://github.com/kernel-patches/bpf/actions/runs/123/job/456 -t test_lsm --attempts 3

options:
  --job NAME          with a run URL: the job's name ('test_progs on x86_64 with gcc')
  -t, --test NAME     rerun this test (test or test/subtest) instead of the failed ones
  --all               rerun everything the job ran
  --attempts N        run the selected tests N times in the same boot and count the failures
                      (default 1)
  --shell             after the tests, a shell in the VM in the selftests folder (exit ends the VM)
  --build DIR         the job's build unpacked (or a \`bpf-ci build\` output folder), instead of
                      downloading the build artifact (kept 5 days)
  --accel MODE        auto (default), kvm, tcg
  --output DIR        downloads and the local run's outputs (default bpf-ci-repro)
${NO_INSTALL_USAGE}`;

/** repro's options, exported so tests can check every command line a summary prints. */
export const REPRO_OPTIONS = {
  job: { type: 'string' },
  test: { type: 'string', short: 't' },
  all: { type: 'boolean', default: false },
  attempts: { type: 'string', default: '1' },
  shell: { type: 'boolean', default: false },
  build: { type: 'string' },
  accel: { type: 'string', default: 'auto' },
  output: { type: 'string', default: 'bpf-ci-repro' },
  'no-install': { type: 'boolean', default: false },
} satisfies ParseArgsOptionsConfig;

export const reproCommand = optionsCommand({
  name: 'repro',
  summary: "reproduce a CI job's failures locally from its URL or artifacts",
  usage,
  options: REPRO_OPTIONS,
  positionals: true,
  async run({ values, positionals }, io) {
    const [source, ...extra] = positionals;
    if (!source || extra.length > 0)
      throw new UsageError('give one job URL, run URL (with --job NAME) or artifacts folder');
    if (values.all && values.test) throw new UsageError('--all and -t NAME exclude each other');
    const accel = values.accel as AcceleratorRequest;
    if (!['auto', 'kvm', 'tcg'].includes(accel))
      throw new UsageError(`--accel ${values.accel}: use auto, kvm or tcg`);
    const selection: Selection = values.all
      ? { kind: 'all' }
      : values.test
        ? { kind: 'test', name: values.test }
        : { kind: 'failed' };
    const attempts = numberOption('--attempts', values.attempts, 1);
    const stdin = process.stdin;
    const raw = values.shell && stdin.isTTY;
    const result = await (async () => {
      try {
        return await reproduce(
          {
            source: /^https?:\/\//i.test(source) ? source : resolve(io.cwd, source),
            ...(values.job ? { job: values.job } : {}),
            ...(values.build ? { build: resolve(io.cwd, values.build) } : {}),
            workDir: resolve(io.cwd, values.output),
            selection,
            attempts,
            accelerator: accel,
            env: io.env,
            // The arch is the job's, known once its manifest is read.
            beforeBoot: (arch) =>
              checkHostFirst({ command: 'vmtest', facets: [arch] }, values['no-install'], io),
            ...(values.shell
              ? {
                  shell: {
                    input: stdin,
                    write: (text: string) => {
                      // Raw mode from the shell's first byte: keys go to the guest as typed.
                      if (raw && !stdin.isRaw) stdin.setRawMode(true);
                      io.stdout.write(text);
                    },
                  },
                }
              : {}),
          },
          io.logger,
        );
      } finally {
        if (raw) stdin.setRawMode(false);
        if (values.shell) stdin.pause();
      }
    })();
    const job = /^https?:\/\//i.test(source)
      ? source
      : (result.manifest.jobUrl ?? result.manifest.runUrl ?? source);
    io.stdout.write(`\nThe job (${job}) and this machine:\n${result.table}`);
    if (attempts > 1)
      for (const row of result.rows)
        io.stdout.write(`${row.test}: failed ${failedCount(row)} of ${row.local.length} attempts\n`);
    return finishVmCommand(result.outcome, io);
  },
});
