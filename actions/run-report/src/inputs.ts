import { input } from '@bpf-ci/gh';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  results: input.required().pipe(input.lines()),
  'test-matrix': input.optional(),
  veristat: input.lines(),
  quarantine: input.optional(),
  'known-flaky': input.optional(),
  'failing-on-base': input.optional(),
  'output-dir': input.required(),
  'job-links': input.boolean(),
  'pr-comment': input.boolean(),
  'pr-number': input.optionalInteger(1),
  mail: input.boolean(),
  'mail-from': input.optional(),
  'mail-to': input.lines(),
  'mail-cc': input.lines(),
  'series-subject': input.optional(),
  'in-reply-to': input.optional(),
  references: input.lines(),
  'smtp-host': input.optional(),
  'smtp-port': input.optionalInteger(1),
  'smtp-security': z.enum(['starttls', 'tls']),
  'smtp-user': input.optional(),
  'patchwork-url': input.optional(),
  'patchwork-patches': input.integers(0),
  'check-context-prefix': input.required(),
});
