// Odd inputs that once gave a false green or lost results: each now gets the right verdict.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryLogger } from '@bpf-ci/logger';
import { runConclusion } from '@bpf-ci/model';
import { parseText } from '@bpf-ci/parsers';
import { loadRun } from '@bpf-ci/report';
import { parseRunnerSpec, runnerLines } from '@bpf-ci/vm';
import { sample } from '../parsers/helpers.ts';
import { bpfCi } from './helpers.ts';

const PROGS = '#1 align:OK\n#2 bpf_cookie:FAIL\nSummary: 1/0 PASSED, 0 SKIPPED, 1 FAILED\n';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpf-ci-odd-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('a -J JSON summary without its log', () => {
  for (const [what, text] of [
    ['empty', ''],
    ['cut', '{"success": 3, "success_subtest": 1'],
    ['garbage', 'not json at all \u0000\u0001'],
    ['another JSON document', '{"hello": "world"}'],
  ] as const) {
    it(`that is ${what} is an error, never a success`, async () => {
      const cwd = folder({ 'test_progs.json': text });
      const run = await loadRun({ logs: [], jsonSummaries: ['test_progs.json'], cwd }, new MemoryLogger());
      expect(run.binaries).toHaveLength(1);
      expect(run.binaries[0]?.complete).toBe(false);
      expect(runConclusion(run)).toBe('error');
    });
  }
});

describe('logs', () => {
  it('a test_maps line before test_progs output keeps the FAIL and the Summary', () => {
    const parsed = parseText(`Fork 100 tasks to 'test_update_delete'\n${PROGS}`);
    const progs = parsed.results.find((r) => r.binary === 'test_progs');
    expect(progs?.summaryLine).toBe('Summary: 1/0 PASSED, 0 SKIPPED, 1 FAILED');
    expect(progs?.tests.map((t) => [t.name, t.status])).toEqual([
      ['align', 'pass'],
      ['bpf_cookie', 'fail'],
    ]);
    expect(progs?.parsedCounts).toEqual(progs?.printedCounts);
  });

  it('a log whose first line starts with { keeps its result lines', () => {
    const parsed = parseText(`{ some shell output\n${PROGS}`);
    expect(parsed.format).toBe('test_progs');
    expect(parsed.results[0]?.printedCounts?.failed).toBe(1);
    expect(parsed.results[0]?.tests.find((t) => t.name === 'bpf_cookie')?.status).toBe('fail');
    // A JSON summary cut mid-way is still read as one, and says so.
    const cut = parseText('{"success": 3, "success_subtest": 1');
    expect(cut.format).toBe('test_progs_json');
    expect(cut.results[0]?.complete).toBe(false);
  });
});

describe('the CLI', () => {
  it('bpf-ci report takes an existing file name literally, glob characters included', async () => {
    const cwd = folder({ 'test_progs[1].log': PROGS, 'test_progs1.log': '#1 other:OK\n' });
    const { stdout, stderr } = await bpfCi(['report', join(cwd, 'test_progs[1].log')]);
    expect(stderr).not.toContain('No file matches');
    expect(stdout).toContain('#2 bpf_cookie');
    expect(stdout).not.toContain('other');
  });

  it('bpf-ci report exits non-zero when no file gave a result', async () => {
    const cwd = folder({});
    const { stdout, stderr, code } = await bpfCi(['report', join(cwd, 'test_progs[1].log')]);
    expect(stderr).toContain('No file matches');
    expect(stdout).toContain('No selftest results were found');
    expect(code).toBe(1);
  });

  it('bpf-ci parse exits non-zero on a console log with a KASAN BUG', async () => {
    const { stdout, code } = await bpfCi(['parse', sample('kernel-kasan-slab-oob-syzbot-bpf-next-2025.log')]);
    expect(stdout).toContain('kernel kasan');
    expect(code).toBe(1);
  });
});

describe('a comma in a matrix commands value', () => {
  it('stays one runner', () => {
    const lines = runnerLines('test_progs -j, net: ./run_net.sh -t a,b,c\ntest_maps');
    expect(lines).toEqual(['test_progs -j', 'net: ./run_net.sh -t a,b,c', 'test_maps']);
    expect(parseRunnerSpec(lines[1] ?? '')).toEqual({
      name: 'net',
      kind: 'command',
      command: ['./run_net.sh', '-t', 'a,b,c'],
    });
  });
});
