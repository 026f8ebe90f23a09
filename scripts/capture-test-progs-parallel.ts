// Captures one full `test_progs -j` run of the default selftests in Debian 12's 6.1 kernel under
// QEMU, for the parser fixture test/fixtures/samples/test_progs-parallel-full-debian6.1-tcg.log.
// Run once (about 9 minutes under TCG on idle cores, 26 on a loaded 2-core host):
//   nice -n -20 node scripts/capture-test-progs-parallel.ts OUTPUT_DIR
// On a loaded host, QEMU at the highest priority: without it the TCG guest's vCPUs starve and
// both soft-lock (test_progs and a worker's bpftool stuck in syscall entry for minutes). The
// kernel's lockup reports keep the console busy, so the silence timeout alone would not end it.
// linked_maps is denied: its sys_exit program runs for every worker's syscalls, and under TCG with
// two workers both CPUs then soft-lock for minutes (the serial run passes it).
import { ensureDefaultSelftests } from '@bpf-ci/kernel';
import { ConsoleLogger } from '@bpf-ci/logger';
import { buildPlan, runVmTests } from '@bpf-ci/vm';

const outputDir = process.argv[2];
if (!outputDir) throw new Error('usage: node scripts/capture-test-progs-parallel.ts OUTPUT_DIR');
const logger = new ConsoleLogger();
const setup = await ensureDefaultSelftests(logger);
const t0 = Date.now();
const plan = buildPlan(
  {
    arch: 'x86_64',
    selftestsDir: setup.dir,
    runners: ['test_progs -j'],
    deny: ['linked_maps'],
    timeoutSec: 60 * 60,
  },
  logger,
);
const outcome = await runVmTests(
  {
    arch: 'x86_64',
    kernelImage: setup.kernel.vmlinuz,
    modulesDir: setup.kernel.modulesDir,
    plan,
    outputDir,
    // Around the verif_scale_* tests the run printed nothing for 303 s in the full capture; 300 s
    // killed an earlier attempt there (test_progs-parallel-hung-debian6.1-tcg.log).
    silenceTimeoutSec: 600,
  },
  logger,
);
logger.info(`${outcome.conclusion} in ${Math.round((Date.now() - t0) / 1000)} s: ${outcome.resultsJson}`);
