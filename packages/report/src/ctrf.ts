// CTRF (Common Test Report Format, ctrf.io) JSON: one entry per test and per subtest.
import type { Run, TestStatus } from '@bpf-ci/model';
import { walkTests } from '@bpf-ci/model';
import { assertionText, jobTitle, quarantineText, runnerName } from './describe.ts';

export type CtrfStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'other';

export interface CtrfTest {
  name: string;
  status: CtrfStatus;
  duration: number;
  suite?: string;
  message?: string;
  trace?: string;
  rawStatus?: string;
  flaky?: boolean;
  retries?: number;
  /** Earlier attempts, oldest first (CTRF retryAttempts). */
  retryAttempts?: {
    attempt: number;
    status: CtrfStatus;
    duration: number;
    message?: string;
    trace?: string;
  }[];
}

export interface CtrfReport {
  reportFormat: 'CTRF';
  specVersion: string;
  generatedBy: string;
  results: {
    tool: { name: string };
    summary: {
      tests: number;
      passed: number;
      failed: number;
      pending: number;
      skipped: number;
      other: number;
      start: number;
      stop: number;
    };
    tests: CtrfTest[];
    environment?: Record<string, string>;
    extra?: Record<string, unknown>;
  };
}

const STATUS: Record<TestStatus, CtrfStatus> = {
  pass: 'passed',
  fail: 'failed',
  skip: 'skipped',
  error: 'failed',
  miss: 'other',
  done: 'other',
};

/** `times` defaults to 0/0: the model has no wall-clock times, and a fixed value keeps output reproducible. */
export function toCtrf(run: Run, times: { start: number; stop: number } = { start: 0, stop: 0 }): CtrfReport {
  const tests: CtrfTest[] = [];
  for (const result of run.binaries) {
    const suite = jobTitle(run, runnerName(run, result));
    for (const { key, test } of walkTests(result.tests)) {
      const entry: CtrfTest = {
        name: key,
        status: STATUS[test.status],
        duration: test.durationMs ?? 0,
        suite,
        rawStatus: test.status,
      };
      const first = test.assertions[0];
      if (first) entry.message = assertionText(first);
      else if (test.reason) entry.message = test.reason;
      if (test.status !== 'pass' && test.status !== 'skip' && test.log.length > 0)
        entry.trace = test.log.join('\n');
      if (test.flaky) entry.flaky = true;
      if (test.attempts.length > 0) {
        entry.retries = test.attempts.length;
        entry.retryAttempts = test.attempts.map((a, i) => {
          const first = a.assertions[0];
          return {
            attempt: a.attempt ?? i + 1,
            status: STATUS[a.status],
            duration: a.durationMs ?? 0,
            ...(first ? { message: assertionText(first) } : {}),
            ...(a.log.length > 0 ? { trace: a.log.join('\n') } : {}),
          };
        });
      }
      if (test.quarantined) {
        entry.message = `quarantined ${quarantineText(test.quarantined)}${entry.message ? `\n${entry.message}` : ''}`;
      }
      tests.push(entry);
    }
  }
  const count = (s: CtrfStatus): number => tests.filter((t) => t.status === s).length;
  const environment: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.context)) if (v !== undefined) environment[k] = String(v);
  return {
    reportFormat: 'CTRF',
    specVersion: '0.0.0',
    generatedBy: 'bpf-ci',
    results: {
      tool: {
        name:
          run.binaries
            .map((b) => b.binary)
            .filter((b, i, all) => all.indexOf(b) === i)
            .join(', ') || 'bpf-selftests',
      },
      summary: {
        tests: tests.length,
        passed: count('passed'),
        failed: count('failed'),
        pending: count('pending'),
        skipped: count('skipped'),
        other: count('other'),
        ...times,
      },
      tests,
      environment,
      extra: { partial: run.binaries.filter((b) => !b.complete).map((b) => b.binary) },
    },
  };
}
