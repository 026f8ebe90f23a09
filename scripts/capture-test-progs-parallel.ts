// Captures one full `test_progs -j` run of the default selftests in Debian 12's 6.1 kernel under
// QEMU, for the parser fixture test/fixtures/samples/test_progs-parallel-full-debian6.1-tcg.log.
// Run once (about 9 minutes under TCG): node scripts/capture-test-progs-parallel.ts OUTPUT_DIR
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
    silenceTimeoutSec: 300,
  },
  logger,
);
logger.info(`${outcome.conclusion} in ${Math.round((Date.now() - t0) / 1000)} s: ${outcome.resultsJson}`);
