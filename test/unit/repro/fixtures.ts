// A job as the VM runner records it: its plan, its results (one failed subtest, one failed test,
// passes around them) and its manifest, built with the real constructors and schema.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newBinaryResult, newRun, newTestCase, type JobManifest, type Run } from '@bpf-ci/model';
import { buildJobManifest, type RunPlan } from '@bpf-ci/vm';

export const JOB_PLAN: RunPlan = {
  schemaVersion: 1,
  cwd: '/home/runner/work/_temp/kernel/selftests',
  runners: [
    {
      name: 'test_progs',
      kind: 'test_progs',
      argv: [
        './test_progs',
        '-a',
        'lsm,align,map_kptr',
        '-d',
        'bad',
        '-w',
        '60',
        '-J',
        '/tmp/.bpf-ci/test_progs.json',
      ],
      listArgv: ['./test_progs', '-a', 'lsm,align,map_kptr', '-d', 'bad', '-l'],
      jsonSummaryPath: '/tmp/.bpf-ci/test_progs.json',
      timeoutSec: 1800,
      selection: [
        { list: 'allow', entry: 'lsm', source: 'ci/ALLOWLIST' },
        { list: 'allow', entry: 'align', source: 'ci/ALLOWLIST.x86_64' },
        { list: 'deny', entry: 'bad', source: 'ci/DENYLIST' },
      ],
    },
    { name: 'test_verifier', kind: 'test_verifier', argv: ['./test_verifier'], timeoutSec: 900 },
  ],
  retry: { attempts: 1, maxFailures: 10, minBudgetSec: 0, failOnFlaky: false, waitSec: 120 },
};

export function jobRun(failing = true): Run {
  const lsm = newTestCase('test_lsm', failing ? 'fail' : 'pass', {
    subtests: [newTestCase('lsm_basic', failing ? 'fail' : 'pass'), newTestCase('lsm_cgroup', 'pass')],
  });
  const progs = newBinaryResult('test_progs', {
    tests: [newTestCase('align', 'pass'), lsm, newTestCase('map_kptr', failing ? 'fail' : 'pass')],
  });
  const verifier = newBinaryResult('test_verifier', { tests: [newTestCase('#1/u', 'pass')] });
  return newRun({ arch: 'x86_64', toolchain: 'gcc' }, [progs, verifier]);
}

export function jobManifest(extra: Partial<JobManifest> = {}): JobManifest {
  return {
    ...buildJobManifest({
      arch: 'x86_64',
      accelerator: 'kvm',
      kernelImage: '/home/runner/work/_temp/kernel/bzImage',
      kernelConfig: '/home/runner/work/_temp/kernel/config',
      plan: JOB_PLAN,
      memoryMiB: 2048,
      cpus: 2,
      silenceTimeoutSec: 300,
      identity: {
        toolchain: 'gcc',
        commit: '0123456789abcdef0123456789abcdef01234567',
        buildArtifact: 'kernel-x86_64-gcc',
        runUrl: 'https://github.com/kernel-patches/bpf/actions/runs/77',
      },
    }),
    ...extra,
  };
}

/** A results artifact's folder as upload-artifact lays it out: vmtest/ and results/. */
export function writeJobFolder(dir: string, manifest: JobManifest, run: Run): string {
  mkdirSync(join(dir, 'vmtest'), { recursive: true });
  mkdirSync(join(dir, 'results'), { recursive: true });
  writeFileSync(join(dir, 'vmtest', 'job-manifest.json'), JSON.stringify(manifest));
  writeFileSync(join(dir, 'vmtest', 'console.log'), '[    0.000000] Linux version 6.1.0\n');
  writeFileSync(join(dir, 'results', 'results.json'), JSON.stringify(run));
  return dir;
}
