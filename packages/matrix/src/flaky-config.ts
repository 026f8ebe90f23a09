// The `flaky` key of the config: how the test jobs retry failures in the booted VM, which
// quarantine file they apply, and when they try the DENYLIST's tests again. Each test entry carries
// the values as the vmtest-runner's inputs take them.
import { z } from 'zod';

export const FLAKY_DEFAULTS = {
  retries: 1,
  retryBudgetMinutes: 1,
  maxFailures: 10,
  failOnFlaky: false,
  denylistPass: {
    minutes: 10,
    // Base-branch pushes and nightly runs: the pass runs tests known to hang or panic, which a
    // pull request's run should not wait for.
    events: ['push', 'schedule'],
  },
} as const;

export const FlakyConfig = z
  .strictObject({
    /** Attempts after the first for a failed test (0: never retry). */
    retries: z.int().min(0).max(5).default(FLAKY_DEFAULTS.retries),
    /** No retry when less than this is left of the runner's timeout. */
    'retry-budget-minutes': z.int().min(0).max(4320).default(FLAKY_DEFAULTS.retryBudgetMinutes),
    /** Circuit breaker: more failed tests than this in one runner means a broken kernel. */
    'max-failures': z.int().min(0).default(FLAKY_DEFAULTS.maxFailures),
    /** A test that failed and then passed fails the job too. */
    'fail-on-flaky': z.boolean().default(FLAKY_DEFAULTS.failOnFlaky),
    /**
     * The quarantine file in the repository; unset, the reusable workflow's `quarantine` input
     * names it.
     */
    quarantine: z.string().min(1).optional(),
    /** The informational pass over the denylisted tests at the end of a run. */
    'denylist-pass': z
      .strictObject({
        /** Its time budget; 0 turns it off. */
        minutes: z.int().min(0).max(4320).default(FLAKY_DEFAULTS.denylistPass.minutes),
        /** The events (github.event_name) it runs on. */
        events: z.array(z.string().min(1)).default([...FLAKY_DEFAULTS.denylistPass.events]),
      })
      .prefault({}),
  })
  .prefault({});
export type FlakyConfig = z.output<typeof FlakyConfig>;

/** The keys a test entry carries, named after the vmtest-runner inputs they feed. */
export interface FlakyEntry {
  retries: number;
  'retry-budget-minutes': number;
  'max-failures': number;
  'fail-on-flaky': boolean;
  /** Minutes of the DENYLIST pass on this event; 0 when it does not run. */
  'denylist-pass-minutes': number;
  /** The config's quarantine file, or '' to leave it to the workflow's input. */
  'quarantine-file': string;
}

export function flakyEntry(flaky: FlakyConfig, event: string): FlakyEntry {
  const pass = flaky['denylist-pass'];
  return {
    retries: flaky.retries,
    'retry-budget-minutes': flaky['retry-budget-minutes'],
    'max-failures': flaky['max-failures'],
    'fail-on-flaky': flaky['fail-on-flaky'],
    'denylist-pass-minutes': pass.events.includes(event) ? pass.minutes : 0,
    'quarantine-file': flaky.quarantine ?? '',
  };
}
