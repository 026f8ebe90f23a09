import { input } from '@bpf-ci/gh';
import { runnerLines } from '@bpf-ci/vm';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  arch: input.arch(),
  'kernel-image': input.required(),
  'modules-dir': input.optional(),
  'kernel-config': input.optional(),
  'selftests-dir': input.required(),
  runners: input.required().transform(runnerLines),
  allowlists: input.lines(),
  denylists: input.lines(),
  'timeout-minutes': input.integer(1),
  'output-dir': input.required(),
  retries: input.integer(0),
  'retry-budget-minutes': input.integer(0),
  'max-failures': input.integer(0),
  'fail-on-flaky': input.boolean(),
  'quarantine-file': input.optional(),
  'denylist-pass-minutes': input.integer(0),
  coverage: z
    .enum(['', 'true', 'per-runner'])
    .transform((v) => (v ? { perRunner: v === 'per-runner' } : undefined)),
  toolchain: input.optional(),
  'build-artifact': input.optional(),
});
