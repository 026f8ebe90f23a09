// The bundled action run as the runner runs it (test/helpers/action-harness.ts): `node index.js`
// with INPUT_* variables and temporary GITHUB_STEP_SUMMARY / GITHUB_OUTPUT files. Stdout goes through the
// runner simulation to see exactly which workflow commands GitHub would execute.
import { parseRun, type Run } from '@bpf-ci/model';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { elements, text } from './gfm.ts';
import { testProgsLog } from './logs.ts';
import { bundle, runBundle } from '../../helpers/action-harness.ts';
import { runnerCommands, type ParsedCommand } from './runner-sim.ts';
import { checkSummary, statusRows } from './summary-structure.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const samples = join(root, 'test', 'fixtures', 'samples');
const fixtures = join(root, 'test', 'fixtures', 'report');

interface ActionRun {
  code: number;
  stdout: string;
  commands: ParsedCommand[];
  /** Command lines the runner executes, as printed. */
  commandLines: string[];
  summary: string;
  outputs: Record<string, string>;
  dir: string;
  results: () => Run;
}

async function runAction(inputs: Record<string, string>, summaryBefore = ''): Promise<ActionRun> {
  const r = await runBundle('result-parser', { 'output-dir': 'out', ...inputs }, { summaryBefore });
  return {
    code: r.code,
    stdout: r.stdout,
    commands: runnerCommands(r.stdout),
    commandLines: r.stdout.split('\n').filter((l) => /^::(error|warning|notice) /.test(l)),
    summary: r.summary.slice(summaryBefore.length),
    outputs: r.outputs,
    dir: r.dir,
    results: () => parseRun(JSON.parse(readFileSync(join(r.dir, 'out', 'results.json'), 'utf8'))),
  };
}

const annotations = (r: ActionRun, level: string): ParsedCommand[] =>
  r.commands.filter((c) => c.name === level);
const JOB = { arch: 'x86_64', toolchain: 'gcc', runner: 'test_progs' };

// Building the bundle (once per source state) takes longer than one test may.
beforeAll(() => bundle('result-parser'), 300_000);

describe('result-parser action (bundled)', () => {
  it('declares its outputs, each with a description', () => {
    const action = parseYaml(readFileSync(join(root, 'actions', 'result-parser', 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description?: string }>;
      outputs: Record<string, { description?: string }>;
      runs: { using: string; main: string };
    };
    expect(Object.keys(action.outputs).sort()).toEqual([
      'conclusion',
      'failed',
      'passed',
      'results-json',
      'skipped',
    ]);
    for (const entry of [...Object.values(action.inputs), ...Object.values(action.outputs)])
      expect(entry.description).toBeTruthy();
    expect(action.runs).toEqual({ using: 'node24', main: '../../dist/result-parser/index.js' });
  });

  it('reports a real test_progs run (Debian 6.1 under QEMU): counts, 20 failures, capped annotations', async () => {
    const r = await runAction(
      { logs: join(samples, 'test_progs-debian6.1-tcg.log'), ...JOB },
      '# earlier step output\n',
    );
    expect(r.code).toBe(0);
    // The tool's own Summary line: "Summary: 250/1276 PASSED, 50 SKIPPED, 20 FAILED".
    expect(r.outputs).toEqual({
      passed: '250',
      failed: '20',
      skipped: '50',
      conclusion: 'failure',
      'results-json': join(r.dir, 'out', 'results.json'),
    });
    expect(r.summary).toContain('**Success: 250/1276, Skipped: 50, Failed: 20**');
    const rendered = checkSummary(r.summary);
    const failures = rendered.details.filter((d) => text(elements(d, 'summary')[0] ?? d).startsWith('❌'));
    expect(failures).toHaveLength(20);
    expect(statusRows(rendered)[0]?.[0]).toBe('❌ Failed');
    expect(annotations(r, 'error')).toHaveLength(10);
    expect(annotations(r, 'notice').map((c) => c.properties['title'])).toEqual([
      'test_progs on x86_64 with gcc',
      expect.stringMatching(/^test_progs on x86_64 with gcc: \d+ more in the step summary$/),
    ]);
    expect(annotations(r, 'notice')[0]?.data).toBe('test_progs: Success: 250/1276, Skipped: 50, Failed: 20');
    expect(annotations(r, 'error')[0]?.properties['title']).toBe(
      'test_progs on x86_64 with gcc: #10 bpf_cookie',
    );
    // Each failure's log is echoed in a group, framed so nothing in it runs.
    expect(r.commands.filter((c) => c.name === 'group').length).toBeGreaterThanOrEqual(20);
    expect(r.stdout).toMatch(/^::stop-commands::[0-9a-f]{32}$/m);
    const results = r.results();
    expect(results.binaries[0]?.printedCounts).toEqual({
      passed: 250,
      passedSubtests: 1276,
      skipped: 50,
      failed: 20,
    });
    expect(readFileSync(join(r.dir, 'out', 'junit.xml'), 'utf8')).toContain(
      '<testsuite name="test_progs on x86_64 with gcc"',
    );
    expect(JSON.parse(readFileSync(join(r.dir, 'out', 'ctrf.json'), 'utf8'))).toMatchObject({
      reportFormat: 'CTRF',
    });
  });

  it('prints exactly these command lines for one real failure (sockopt on ppc64)', async () => {
    const r = await runAction({
      logs: join(samples, 'test_progs-serial-fail-all-error-logs-sockopt-ppc64-2025.log'),
      arch: 'ppc64le',
      toolchain: 'gcc',
    });
    expect(r.outputs['conclusion']).toBe('failure');
    expect(r.commandLines).toEqual([
      expect.stringMatching(/^::error title=test_progs on ppc64le with gcc%3A #303 setget_sockopt::/),
      '::notice title=test_progs on ppc64le with gcc::test_progs: Success: 7/40, Skipped: 0, Failed: 1',
    ]);
  });

  it.each([0, 1, 9, 10, 11, 500])(
    '%i failures: every one in the summary, annotations within the caps',
    async (n) => {
      const dir = mkdtempSync(join(tmpdir(), 'log-'));
      const log = join(dir, 'test_progs.log');
      writeFileSync(log, testProgsLog(n, 3));
      const r = await runAction({ logs: log, ...JOB });
      expect(r.outputs['failed']).toBe(String(n));
      expect(r.outputs['passed']).toBe('3');
      expect(r.outputs['conclusion']).toBe(n > 0 ? 'failure' : 'success');
      const rendered = checkSummary(r.summary);
      expect(
        rendered.details.filter((d) => text(elements(d, 'summary')[0] ?? d).startsWith('❌')),
      ).toHaveLength(n);
      expect(annotations(r, 'error')).toHaveLength(Math.min(n, 10));
      for (const level of ['error', 'warning', 'notice'])
        expect(annotations(r, level).length).toBeLessThanOrEqual(10);
      expect(r.commandLines.length).toBeLessThanOrEqual(30);
      const overflow = annotations(r, 'notice').find((c) =>
        c.properties['title']?.endsWith('more in the step summary'),
      );
      if (n > 10)
        expect(overflow?.data).toMatch(new RegExp(`^${n - 10} more annotations \\(${n - 10} failures?\\)`));
      else expect(overflow).toBeUndefined();
      if (n > 0)
        expect(annotations(r, 'error')[0]?.data).toBe(
          'test_fail_0:FAIL:value unexpected value: actual 10000 != expected 10006',
        );
    },
  );

  it('hostile names and logs: no command injected, nothing lost', async () => {
    const r = await runAction({ logs: join(fixtures, 'test_progs-hostile.log'), ...JOB });
    expect(r.code).toBe(0);
    // Only our own commands run: annotations and the log groups. No mask, no output, no legacy command.
    expect([...new Set(r.commands.map((c) => c.name))].sort()).toEqual([
      'endgroup',
      'error',
      'group',
      'notice',
    ]);
    expect(r.commands.filter((c) => c.name === 'error').map((c) => c.properties['title'])).toEqual([
      'test_progs on x86_64 with gcc: #1/1 hostile/::error::injected',
      'test_progs on x86_64 with gcc: #1/2 hostile/<img src=x onerror=alert(1)> | a || b',
    ]);
    // GITHUB_OUTPUT has only the action's outputs.
    expect(Object.keys(r.outputs).sort()).toEqual([
      'conclusion',
      'failed',
      'passed',
      'results-json',
      'skipped',
    ]);
    const rendered = checkSummary(r.summary);
    expect(rendered.text).toContain('#1/1 hostile/::error::injected');
    expect(rendered.text).toContain('hostile/<img src=x onerror=alert(1)> | a || b');
    expect(rendered.text).toContain('::add-mask::secret');
    expect(rendered.text).toContain('${{ github.token }}');
    const names = [
      ...r.results().binaries.flatMap((b) => b.tests.flatMap((t) => t.subtests.map((s) => s.name))),
    ];
    expect(names).toEqual([
      '::error::injected',
      '<img src=x onerror=alert(1)> | a || b',
      '${{ github.token }} ``` x',
      '##[error]legacy %0A',
    ]);
    const skipped = rendered.details.find((d) => text(elements(d, 'summary')[0] ?? d).startsWith('⏭️'));
    expect(elements(skipped ?? rendered.details[0]!, 'li').map(text)).toEqual([
      'hostile/${{ github.token }} ``` x',
    ]);
  });

  it('a kernel panic mid-run: partial results, the splat first in the summary and the annotations', async () => {
    const r = await runAction({
      logs: join(samples, 'kernel-panic-oops-test_progs-fentry_fexit-aarch64-2024.log'),
      arch: 'aarch64',
      toolchain: 'gcc',
      runner: 'test_progs',
    });
    expect(r.outputs['conclusion']).toBe('error');
    const rendered = checkSummary(r.summary);
    expect(rendered.text).toContain('Partial results');
    expect(text(elements(rendered.details[0]!, 'summary')[0]!)).toMatch(/^🔥 /);
    const first = annotations(r, 'error')[0];
    expect(first?.properties['title']).toMatch(/^test_progs on aarch64 with gcc: kernel /);
  });

  it('a truncated log: said partial, naming where it stopped, counts from what was parsed', async () => {
    const full = readFileSync(join(samples, 'test_progs-debian6.1-tcg.log'), 'utf8');
    const cut = full.slice(0, full.indexOf('#90      kprobe_multi_bench_attach') + 20); // mid-line
    const dir = mkdtempSync(join(tmpdir(), 'log-'));
    writeFileSync(join(dir, 'test_progs.log'), cut);
    const r = await runAction({ logs: join(dir, 'test_progs.log'), ...JOB });
    expect(r.outputs['conclusion']).toBe('error');
    const rendered = checkSummary(r.summary);
    // The parser names the last result line before the cut.
    expect(rendered.text).toContain(
      'Partial results: no Summary line: the output ended after "#89      kfunc_dynptr_param:OK"',
    );
    expect(rendered.text).toContain('the tool printed no Summary');
    expect(annotations(r, 'error').some((c) => c.data.startsWith('Partial results:'))).toBe(true);
  });

  it('merges a -J JSON summary and a kernel console log; an empty JSON (crash) is said, not lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'json-'));
    // libbpf/ci's file names: test_progs.json for the serial run.
    writeFileSync(
      join(dir, 'test_progs.json'),
      readFileSync(join(samples, 'test_progs-json-summary-aarch64-2023.json')),
    );
    const r = await runAction({
      'json-summaries': join(dir, '*.json'),
      'console-logs': join(samples, 'kernel-kasan-uaf-test_progs-sockmap-fragment-2025.log'),
      arch: 'aarch64',
      toolchain: 'gcc',
    });
    // The JSON's own counters: success 29, success_subtest 23, skipped 3, failed 28.
    expect(r.outputs).toMatchObject({ passed: '29', failed: '28', skipped: '3', conclusion: 'failure' });
    const rendered = checkSummary(r.summary);
    expect(text(elements(rendered.details[0]!, 'summary')[0]!)).toBe(
      '🔥 BUG: KASAN: slab-use-after-free in sk_psock_verdict_data_ready+0x29b/0x2d0',
    );
    expect(annotations(r, 'error')[0]?.properties['title']).toBe(
      'test_progs on aarch64 with gcc: kernel kasan',
    );

    const crashed = mkdtempSync(join(tmpdir(), 'crash-'));
    writeFileSync(
      join(crashed, 'test_progs.log'),
      readFileSync(join(samples, 'test_progs-crash-sigsegv-stacktrace-bpf_tcp_ca-2024.log')),
    );
    writeFileSync(join(crashed, 'test_progs.json'), ''); // test_progs opens it at start and dies before writing
    const c = await runAction({
      logs: join(crashed, '*.log'),
      'json-summaries': join(crashed, '*.json'),
      ...JOB,
    });
    expect(c.outputs['conclusion']).toBe('error');
    // The parser keeps the log's results and notes why the JSON adds nothing; the note reaches the UI.
    const note = 'the JSON summary is empty: test_progs never reached its end (crash, kill or panic)';
    expect(annotations(c, 'notice').map((a) => a.data)).toContain(note);
    expect(c.results().binaries).toHaveLength(1);
    expect(c.results().binaries[0]?.notes).toContain(note);
    expect(checkSummary(c.summary).text).toContain(note);
    expect(annotations(c, 'error')[0]?.data).toMatch(
      /^Partial results: test_progs crashed with SIGSEGV in bpf_tcp_ca/,
    );
  });

  it('a bad input fails the step with a clear annotation', async () => {
    const r = await runAction({
      logs: join(samples, 'test_maps-debian6.1-tcg.log'),
      'max-annotations': 'many',
    });
    expect(r.code).toBe(1);
    expect(r.commands).toEqual([
      { name: 'error', properties: {}, data: `input 'max-annotations': must be a whole number (got "many")` },
    ]);
  });

  it('a glob that matches nothing is a warning, and the summary says no results were found', async () => {
    const r = await runAction({ logs: '/nonexistent/*.log', ...JOB });
    expect(annotations(r, 'warning')[0]?.data).toMatch(/^No file matches "\/nonexistent\/\*\.log"/);
    expect(r.summary).toContain('No selftest results were found');
    // Nothing parsed is an error, never a silent success.
    expect(r.outputs['conclusion']).toBe('error');
    expect(annotations(r, 'error')[0]?.properties['title']).toBe('test_progs on x86_64 with gcc: no results');
  });
});
