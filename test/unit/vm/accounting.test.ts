// Every selected test gets a verdict: what the guest listed before the runner started, against what
// the runner's real output (a captured Debian 6.1 run) reported.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryConclusion, type BinaryResult } from '@bpf-ci/model';
import { collectRun, type RunnerPlan, type RunnerProgress } from '@bpf-ci/vm';
import { sampleText } from '../parsers/helpers.ts';

const progsLines = sampleText('test_progs-debian6.1-tcg.log').split('\n');
/** The top-level tests of the run, in order: what `test_progs -l` lists. */
const listed = [
  ...new Set(progsLines.map((l) => /^#\d+\s+([^/:]+):/.exec(l)?.[1]).filter((n) => n !== undefined)),
];

function runner(extra: Partial<RunnerPlan> = {}): RunnerPlan {
  return {
    name: 'test_progs',
    kind: 'test_progs',
    argv: ['./test_progs'],
    listArgv: ['./test_progs', '-l'],
    timeoutSec: 600,
    ...extra,
  };
}

const ended: RunnerProgress = {
  runner: 'test_progs',
  done: 270,
  failed: 20,
  startedAt: 0,
  endedAt: 852_000,
  exitCode: 1,
  beginLine: 1,
  endLine: 9000,
};

async function collect(
  log: string,
  files: { exit?: string; list?: readonly string[]; known?: readonly string[] },
  plan: RunnerPlan = runner(),
  progress: RunnerProgress[] = [ended],
  fault?: { reason: 'kernel-panic' | 'timeout' | 'vm-failure'; detail: string },
): Promise<BinaryResult> {
  const out = mkdtempSync(join(tmpdir(), 'accounting-'));
  writeFileSync(join(out, 'test_progs.log'), log);
  if (files.exit !== undefined) writeFileSync(join(out, 'test_progs.exit'), files.exit);
  writeFileSync(join(out, 'test_progs.list'), `${(files.list ?? listed).join('\n')}\n`);
  if (files.known) writeFileSync(join(out, 'test_progs.known'), `${files.known.join('\n')}\n`);
  const run = await collectRun({
    plan: { schemaVersion: 1, cwd: '/selftests', runners: [plan] },
    outputDir: out,
    progress,
    events: [],
    context: {},
    ...(fault ? { fault } : {}),
  });
  return run.binaries[0] as BinaryResult;
}

describe('accounting', () => {
  it('a complete run: every listed test has its own verdict, none missing', async () => {
    const b = await collect(progsLines.join('\n'), { exit: '1\n' });
    expect(b.selectedTests).toHaveLength(listed.length);
    expect(b.tests.filter((t) => t.status === 'miss')).toEqual([]);
    expect(b.parsedCounts).toEqual(b.printedCounts);
  });

  it('a test a worker took down is miss with the reason, next to the unchanged tool counts', async () => {
    // A -j worker died in bpf_cookie: test_progs never prints it nor counts it.
    const lines = progsLines.filter((l) => !/^#\d+(?:\/\d+)?\s+bpf_cookie[:/]/.test(l));
    const b = await collect(lines.join('\n'), { exit: '1\n' }, runner({ argv: ['./test_progs', '-j'] }));
    const miss = b.tests.filter((t) => t.status === 'miss');
    expect(miss.map((t) => t.name)).toEqual(['bpf_cookie']);
    expect(miss[0]?.reason).toMatch(/worker running it died/);
    expect(binaryConclusion(b)).not.toBe('success');
  });

  it('the main process of a -j run killed by a signal: its misses say so, not that a worker died', async () => {
    // The OOM killer's SIGKILL (no crash handler output) after bpf_cookie: the shell's status is 137.
    const cut = progsLines.findIndex((l) => /^#\d+\s+bpf_cookie:/.test(l));
    const log = progsLines.slice(0, cut + 1).join('\n');
    const b = await collect(log, { exit: '137\n' }, runner({ argv: ['./test_progs', '-j'] }));
    const miss = b.tests.filter((t) => t.status === 'miss');
    expect(miss.map((t) => t.name)).toEqual(listed.slice(listed.indexOf('bpf_cookie') + 1));
    for (const t of miss) {
      expect(t.reason).toBe(
        'test_progs (its main process) died of SIGKILL (exit status 137) before this test reported',
      );
      expect(t.reason).not.toMatch(/worker/);
    }
    expect(b.signal).toBe('SIGKILL');
    expect(b.exitCode).toBe(137);
    // The same cut with a normal exit status: the main process went on, so a worker lost them.
    const worker = await collect(log, { exit: '1\n' }, runner({ argv: ['./test_progs', '-j'] }));
    expect(worker.tests.find((t) => t.status === 'miss')?.reason).toMatch(/worker running it died/);
    expect(worker.signal).toBeUndefined();
    // SIGPIPE: how 6.1's main process dies when it writes to a worker that is gone.
    const pipe = await collect(log, { exit: '141\n' }, runner({ argv: ['./test_progs', '-j'] }));
    expect(pipe.tests.find((t) => t.status === 'miss')?.reason).toBe(
      'test_progs (its main process) died of SIGPIPE (exit status 141, a write to a closed pipe or worker socket) before this test reported',
    );
  });

  it("the main process's own crash report (`Caught signal #11!`, status 139) names the crash", async () => {
    const cut = progsLines.findIndex((l) => /^#\d+\s+bpf_cookie:/.test(l));
    const log = [...progsLines.slice(0, cut + 1), 'Caught signal #11!', 'Stack trace:'].join('\n');
    for (const argv of [['./test_progs'], ['./test_progs', '-j']]) {
      const b = await collect(log, { exit: '139\n' }, runner({ argv }));
      const miss = b.tests.filter((t) => t.status === 'miss');
      expect(miss.length).toBe(listed.length - listed.indexOf('bpf_cookie') - 1);
      expect(miss[0]?.reason).toBe(
        'test_progs (its main process) died of SIGSEGV (exit status 139) before this test reported',
      );
      expect(b.signal).toBe('SIGSEGV');
    }
  });

  it('the VM dying mid-run: the running test and every later one are miss, saying so', async () => {
    const cut = progsLines.findIndex((l) => l.startsWith('#21/176 '));
    const b = await collect(
      `${progsLines.slice(0, cut + 1).join('\n')}\n`,
      {},
      runner(),
      [
        {
          ...ended,
          endedAt: undefined,
          exitCode: undefined,
          endLine: undefined,
        } as unknown as RunnerProgress,
      ],
      { reason: 'kernel-panic', detail: 'kernel panic: Fatal exception' },
    );
    const unreported = listed.slice(listed.indexOf('btf') + 1);
    const miss = b.tests.filter((t) => t.status === 'miss');
    expect(miss.map((t) => t.name)).toEqual(unreported);
    expect(miss[0]?.reason).toContain('kernel panic: Fatal exception before this test reported');
    // btf itself was running: the parser keeps it as an error with its subtests.
    expect(b.tests.find((t) => t.name === 'btf')?.status).toBe('error');
  });

  it('exit 2 (no test ran) and 3 (set-up error) are infrastructure errors, not failures', async () => {
    for (const [code, words] of [
      ['2', 'ran no test (exit 2)'],
      ['3', 'could not set up its test environment (exit 3)'],
    ] as const) {
      const b = await collect('', { exit: `${code}\n`, list: [] });
      expect(binaryConclusion(b)).toBe('error');
      expect(b.incompleteReasons).toContain('not-run');
      expect(b.incompleteDetail).toContain(words);
    }
  });

  it('names an allow entry that selected nothing, with its list file; a subtest entry its parent did not run', async () => {
    const selection = [
      { list: 'allow' as const, entry: 'align', source: 'ci/ALLOWLIST' },
      { list: 'allow' as const, entry: 'algn', source: 'ci/ALLOWLIST.x86_64' },
      { list: 'allow' as const, entry: 'atomics/add', source: 'ci/ALLOWLIST' },
      { list: 'allow' as const, entry: 'atomics/nonexistent', source: 'command line' },
    ];
    const wanted = progsLines.filter((l) => /^#\d+(?:\/\d+)?\s+(align|atomics)[:/]/.test(l));
    const log = [
      ...wanted.filter((l) => !l.includes('atomics/') || l.includes('atomics/add')),
      'Summary: 2/14 PASSED, 0 SKIPPED, 0 FAILED',
    ].join('\n');
    const b = await collect(log, { exit: '0\n', list: ['align', 'atomics'] }, runner({ selection }));
    expect(b.unmatchedEntries).toEqual([
      { list: 'allow', entry: 'algn', source: 'ci/ALLOWLIST.x86_64' },
      { list: 'allow', entry: 'atomics/nonexistent', source: 'command line' },
    ]);
    expect(b.tests.filter((t) => t.status === 'miss')).toEqual([]);
  });

  it("names a deny entry whose test is none of the binary's (its unfiltered -l), with its list file", async () => {
    const selection = [
      { list: 'deny' as const, entry: 'align', source: 'DENYLIST' },
      { list: 'deny' as const, entry: 'atomic*', source: 'DENYLIST' },
      { list: 'deny' as const, entry: 'atomcs', source: 'DENYLIST.x86_64' },
      { list: 'deny' as const, entry: 'bpf_iter/nonexistent', source: 'DENYLIST' },
      { list: 'deny' as const, entry: 'bpf_itr/task', source: 'command line' },
    ];
    const plan = runner({ selection, knownListArgv: ['./test_progs', '-l'] });
    // The filtered list leaves the denied tests out; the unfiltered one has every test.
    const list = listed.filter((n) => n !== 'align' && !n.startsWith('atomic'));
    const log = progsLines.filter((l) => !/^#\d+(?:\/\d+)?\s+(align|atomic)/.test(l)).join('\n');
    const b = await collect(log, { exit: '1\n', list, known: listed }, plan);
    expect(listed).toEqual(expect.arrayContaining(['align', 'atomics', 'bpf_iter']));
    expect(b.unmatchedEntries).toEqual([
      { list: 'deny', entry: 'atomcs', source: 'DENYLIST.x86_64' },
      { list: 'deny', entry: 'bpf_itr/task', source: 'command line' },
    ]);
    // Without the unfiltered list (an older test_progs, or -l failed) deny entries are not judged.
    const unknown = await collect(log, { exit: '1\n', list }, plan);
    expect(unknown.unmatchedEntries).toBeUndefined();
    const empty = await collect(log, { exit: '1\n', list, known: [] }, plan);
    expect(empty.unmatchedEntries).toBeUndefined();
  });

  it('a full real -j run: every listed test has exactly one verdict and none is miss', async () => {
    const log = sampleText('test_progs-parallel-full-debian6.1-tcg.log');
    const list = sampleText('test_progs-parallel-full-debian6.1-tcg.list').split('\n').filter(Boolean);
    const b = await collect(
      log,
      { exit: '1\n', list },
      runner({ name: 'test_progs', argv: ['./test_progs', '-d', 'linked_maps', '-j'] }),
    );
    expect(list).toHaveLength(269);
    expect(b.tests.map((t) => t.name).sort()).toEqual([...list].sort());
    expect(b.tests.filter((t) => t.status === 'miss')).toEqual([]);
    expect(b.parsedCounts).toEqual(b.printedCounts);
    expect(b.summaryLine).toBe('Summary: 230/1257 PASSED, 48 SKIPPED, 39 FAILED');
  });

  it('a real -j run the VM runner killed: every listed test has exactly one verdict, the unreported ones miss', async () => {
    const log = sampleText('test_progs-parallel-hung-debian6.1-tcg.log');
    const list = sampleText('test_progs-parallel-hung-debian6.1-tcg.list').split('\n').filter(Boolean);
    const b = await collect(
      log,
      { list },
      runner({ name: 'test_progs', argv: ['./test_progs', '-d', 'linked_maps', '-j'] }),
      [
        {
          ...ended,
          endedAt: undefined,
          exitCode: undefined,
          endLine: undefined,
        } as unknown as RunnerProgress,
      ],
      { reason: 'timeout', detail: 'no console output for 300 s: the guest hangs; VM killed' },
    );
    const verdicts = new Map<string, string>();
    for (const t of b.tests) {
      expect(verdicts.has(t.name), `${t.name} has one verdict`).toBe(false);
      verdicts.set(t.name, t.status);
    }
    for (const name of list) expect(verdicts.has(name), name).toBe(true);
    const miss = b.tests.filter((t) => t.status === 'miss');
    expect(miss.length).toBe(list.length - b.tests.filter((t) => t.status !== 'miss').length);
    expect(miss.length).toBeGreaterThan(0);
    for (const t of miss)
      expect(t.reason).toMatch(/^no console output for 300 s: the guest hangs; VM killed (while|before)/);
    // The tool's own counts of what did report are unchanged by the misses.
    expect(b.parsedCounts.failed).toBe(
      b.tests.filter((t) => t.status === 'fail' || t.status === 'error').length,
    );
  });
});
