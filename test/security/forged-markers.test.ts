// Threat: the guest runs the pull request's kernel as root, so it can read the run's nonce in
// /init and print markers of its own. Console markers are untrusted DATA: a forged marker may
// misstate this job's own runners (which the pull request could do by editing its tests anyway),
// but never adds a runner (a name reaching the log or a file name), never points the host at a
// path, never makes the host write outside the job's output folder, and never becomes a result
// of another job. The console itself reaches the log only through logger.untrusted().
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleWatcher, collectRun, parseMarker, type MarkerEvent, type RunPlan } from '@bpf-ci/vm';

const NONCE = 'bpfci-0123456789ab';
const PLAN: RunPlan = {
  schemaVersion: 1,
  cwd: '/selftests',
  runners: [
    { name: 'test_verifier', kind: 'test_verifier', argv: ['./test_verifier'], timeoutSec: 60 },
    { name: 'hello', kind: 'command', argv: ['true'], guestShell: 'echo hi', timeoutSec: 60 },
  ],
};

/** What a hostile guest prints, the real nonce included. */
const FORGED = [
  `${NONCE} begin ::error file=x::forged`,
  `${NONCE} total ../../../etc/passwd 3`,
  `${NONCE} begin /home/runner/.ssh/id_rsa`,
  `${NONCE} end test_progs-other-job 0 1`,
  `${NONCE} begin test_verifier`,
  '#1/u forged OK',
  `${NONCE} end test_verifier 0 1`,
  `${NONCE} fatal ${'A'.repeat(100_000)}`,
];

describe('forged console markers', () => {
  it('markers naming runners outside the plan are dropped; the plan is the only source of names', () => {
    const watcher = new ConsoleWatcher(
      NONCE,
      0,
      PLAN.runners.map((r) => r.name),
    );
    const events: MarkerEvent[] = watcher.feed(`${FORGED.join('\n')}\n`, 1);
    const named = events.flatMap((e) => ('runner' in e ? [e.runner] : []));
    expect(named.every((n) => PLAN.runners.some((r) => r.name === n))).toBe(true);
    expect(watcher.runners.map((r) => r.runner)).toEqual(['test_verifier']);
    expect(watcher.ignoredMarkers).toBe(4);
    // The fatal marker's text is clipped, never a 100 kB line in the log.
    expect(watcher.fatal?.length).toBeLessThanOrEqual(500);
  });

  it('a marker word is one token: no spaces, no newline, no path is ever taken from the console', () => {
    expect(parseMarker(`${NONCE} begin a b c`, NONCE)).toEqual({ kind: 'begin', runner: 'a' });
    expect(parseMarker(`x${NONCE} begin a`, NONCE)).toEqual({ kind: 'begin', runner: 'a' });
  });

  it("results come from the plan's runners and their files in the output folder, nothing else", async () => {
    const out = mkdtempSync(join(tmpdir(), 'bpf-ci-sec-markers-'));
    const outside = join(mkdtempSync(join(tmpdir(), 'bpf-ci-sec-outside-')), 'other-job.log');
    writeFileSync(outside, '#1/u other job OK\nSummary: 1 PASSED, 0 SKIPPED, 0 FAILED\n');
    // The guest points this job's log at another job's file on the host: not followed.
    symlinkSync(outside, join(out, 'test_verifier.log'));
    writeFileSync(join(out, 'test_verifier.exit'), '0\n');
    const watcher = new ConsoleWatcher(
      NONCE,
      0,
      PLAN.runners.map((r) => r.name),
    );
    watcher.feed(`${FORGED.join('\n')}\n`, 1);
    const run = await collectRun({
      plan: PLAN,
      outputDir: out,
      progress: watcher.runners,
      events: [],
      context: {},
    });
    expect(run.binaries.map((b) => b.variant ?? b.binary)).toEqual(['test_verifier', 'hello']);
    const verifier = run.binaries[0];
    expect(verifier?.tests).toEqual([]);
    expect(verifier?.complete).toBe(false);
    expect(verifier?.incompleteDetail).toMatch(/symbolic link/);
    // Nothing was written anywhere but where the caller writes.
    expect(readdirSync(out).sort()).toEqual(['test_verifier.exit', 'test_verifier.log']);
    expect(readFileSync(outside, 'utf8')).toContain('other job');
  });
});
