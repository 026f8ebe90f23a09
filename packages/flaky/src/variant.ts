// A variant is where a result comes from: (arch, toolchain, runner, accelerator). Timing-sensitive
// tests flake under TCG and not under KVM, so the accelerator is part of every flaky record and
// every quarantine match.
import type { RunContext } from '@bpf-ci/model';
import { z } from 'zod';

export const Variant = z
  .object({
    arch: z.string().min(1).optional(),
    toolchain: z.string().min(1).optional(),
    runner: z.string().min(1).optional(),
    accelerator: z.enum(['kvm', 'tcg']).optional(),
  })
  .strict();
export type Variant = z.infer<typeof Variant>;

export const VARIANT_KEYS = ['arch', 'toolchain', 'runner', 'accelerator'] as const;

export function variantOf(context: RunContext): Variant {
  const v: Variant = {};
  if (context.arch) v.arch = context.arch;
  if (context.toolchain) v.toolchain = context.toolchain;
  if (context.runner) v.runner = context.runner;
  if (context.accelerator === 'kvm' || context.accelerator === 'tcg') v.accelerator = context.accelerator;
  return v;
}

/** "aarch64 gcc test_progs tcg": the parts that are known, in the fixed order. */
export function variantLabel(v: Variant): string {
  return VARIANT_KEYS.map((k) => v[k])
    .filter((x) => x !== undefined)
    .join(' ');
}

/**
 * Whether `actual` is one of the `wanted` variants: every key a wanted variant names must be equal.
 * No wanted variants means every variant. A key the run does not know never matches a wanted value.
 */
export function matchesVariant(actual: Variant, wanted: readonly Variant[] | undefined): boolean {
  if (!wanted || wanted.length === 0) return true;
  return wanted.some((w) => VARIANT_KEYS.every((k) => w[k] === undefined || w[k] === actual[k]));
}
