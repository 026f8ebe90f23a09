import { input } from '@bpf-ci/gh';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  'gcov-dir': input.required(),
  'artifact-dir': input.required(),
  'source-dir': input.optional(),
  results: input.optional(),
  'test-name': input.optional(),
  base: input.optional(),
  head: input.optional(),
  'patch-threshold': input
    .optional()
    .transform((v) => (v === undefined ? undefined : Number(v)))
    .pipe(z.number().min(0).max(100).optional()),
  'output-dir': input.required(),
});
