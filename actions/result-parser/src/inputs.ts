import { input } from '@bpf-ci/gh';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  logs: input.lines(),
  'json-summaries': input.lines(),
  'console-logs': input.lines(),
  arch: input.optional(),
  toolchain: input.optional(),
  runner: input.optional(),
  'max-annotations': input.integer(1),
  'output-dir': input.required(),
});
