import { input } from '@bpf-ci/gh';
import { SUMMARY_QUESTIONS } from '@bpf-ci/stats';
import { z } from 'zod';

/** The inputs of action.yml; their defaults are in action.yml only. */
export const Inputs = z.object({
  token: input.text(),
  repository: input.required(),
  workflow: input.optional(),
  database: input.required(),
  since: input.optional().refine((s) => s === undefined || !Number.isNaN(Date.parse(s)), {
    message: 'must be a date like 2026-01-31',
  }),
  questions: input.lines().pipe(z.array(z.enum(SUMMARY_QUESTIONS))),
});
