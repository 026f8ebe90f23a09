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
  'output-dir': input.required(),
});
