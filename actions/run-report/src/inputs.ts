import { input } from '@bpf-ci/gh';
import { z } from 'zod';

const flag = () => z.enum(['true', 'false']).transform((v) => v === 'true');
const ids = () => input.lines().pipe(z.array(z.string().regex(/^\d+$/, 'must be numbers').transform(Number)));

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  results: input.required().transform((s) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  ),
  'test-matrix': input.optional(),
  veristat: input.lines(),
  quarantine: input.optional(),
  'known-flaky': input.optional(),
  'failing-on-base': input.optional(),
  'output-dir': input.required(),
  'job-links': flag(),
  'pr-comment': flag(),
  'pr-number': z.union([z.literal('').transform(() => undefined), input.integer(1)]),
  mail: flag(),
  'mail-from': input.optional(),
  'mail-to': input.lines(),
  'mail-cc': input.lines(),
  'series-subject': input.optional(),
  'in-reply-to': input.optional(),
  references: input.lines(),
  'smtp-host': input.optional(),
  'smtp-port': z.union([z.literal('').transform(() => undefined), input.integer(1)]),
  'smtp-security': z.enum(['starttls', 'tls']),
  'smtp-user': input.optional(),
  'patchwork-url': input.optional(),
  'patchwork-patches': ids(),
  'check-context-prefix': input.required(),
});
