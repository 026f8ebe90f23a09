import { input } from '@bpf-ci/gh';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  config: input.text(),
  repository: input.text(),
  event: input.text(),
});
