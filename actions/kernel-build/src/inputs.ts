import { input } from '@bpf-ci/gh';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  arch: input.required(),
  toolchain: input.required(),
  'source-dir': input.text(),
  'config-fragments': input.lines(),
  'base-config': input.required(),
  'selftests-targets': input.list(),
  'build-dir': input.text(),
  'max-annotations': input.integer(0),
  'output-dir': input.required(),
  coverage: input.lines(),
});
