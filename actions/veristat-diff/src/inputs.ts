import { input } from '@bpf-ci/gh';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  base: input.optional(),
  new: input.required(),
  config: input.optional(),
  'verifier-logs': input.lines(),
});
