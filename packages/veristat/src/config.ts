// What counts as a regression: per-metric thresholds and what each kind of finding does to the job.
// YAML or JSON, validated with zod. The defaults follow kernel-patches/vmtest practice: a new
// verification failure fails the job; state-count changes are reported (threshold 0 %).
import { ConfigError } from '@bpf-ci/domain';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { knownStatNames, statForHeader } from './stats.ts';

/** fail: the job fails; warn: a warning; notice: listed only; ignore: not reported. */
export const Level = z.enum(['fail', 'warn', 'notice', 'ignore']);
export type Level = z.infer<typeof Level>;

const percent = z.number().min(0).nullable();

/**
 * Thresholds for one metric. A change counts only when it is at least `minAbs` (absolute, in the
 * metric's unit) AND at least `minPct` percent: below either floor it is noise. A counted increase
 * above `failPct` fails the job, above `warnPct` warns, otherwise it is a notice. null = never.
 */
export const MetricThreshold = z
  .object({
    warnPct: percent.optional(),
    failPct: percent.optional(),
    minAbs: z.number().min(0).optional(),
    minPct: z.number().min(0).optional(),
  })
  .strict();
export type MetricThreshold = z.infer<typeof MetricThreshold>;
export type ResolvedThreshold = Required<{
  [K in keyof MetricThreshold]: Exclude<MetricThreshold[K], undefined>;
}>;

export const VeristatConfig = z
  .object({
    /** Per metric, by veristat name (`states`, `total_states`, `duration`, ...) or `default`. */
    metrics: z
      .record(z.string(), MetricThreshold)
      .default({})
      .superRefine((metrics, ctx) => {
        for (const name of Object.keys(metrics)) {
          const stat = statForHeader(name);
          if (name !== 'default' && stat?.kind !== 'number') {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `unknown metric '${name}'; use one of: default, ${knownStatNames().join(', ')}`,
            });
          }
        }
      }),
    /** success in base, failure in new (veristat's MISMATCH). */
    newFailure: Level.default('fail'),
    /** A program in new only, whose verdict is failure. */
    addedFailure: Level.default('warn'),
    /** A program in new only that verifies. */
    addedProgram: Level.default('notice'),
    /** A program in base only. */
    removedProgram: Level.default('warn'),
    /** A program that reaches the 1M-instruction limit in new (and did not in base). */
    insnLimit: Level.default('warn'),
    /** An input that could only be read in part (cut file, bad cells, duplicates). */
    incompleteInput: Level.default('warn'),
  })
  .strict();
export type VeristatConfig = z.infer<typeof VeristatConfig>;

/** Defaults per metric id. Deterministic counts are never noise; duration is. */
export const DEFAULT_THRESHOLDS: Record<string, MetricThreshold> = {
  default: { warnPct: null, failPct: null, minAbs: 0, minPct: 0 },
  states: { warnPct: 0 },
  // Verification time is noise unless it is large both ways: the 2026 sample moves by tens of
  // percent on a busy runner, and under QEMU TCG the e2e measured unchanged programs swinging from
  // 187 us to 18.7 ms and from 19.8 ms to 3.5 ms. Under 100 ms or under 100 % it is not a change.
  duration: { minAbs: 100_000, minPct: 100 },
};

/**
 * Parses and validates a config file's text; `source` names the file in errors. The YAML parser's
 * warnings (e.g. an unknown tag) go to `onWarning`: the library's own default prints them raw to
 * stderr with process.emitWarning, where the Actions runner would read them as workflow commands.
 */
export function parseConfig(
  text: string,
  source = 'veristat config',
  onWarning: (message: string) => void = () => {},
): VeristatConfig {
  let data: unknown;
  try {
    const doc = parseDocument(text);
    const [first] = doc.errors;
    if (first) throw first;
    for (const warning of doc.warnings) onWarning(`${source}: ${warning.message}`);
    data = doc.toJS() ?? {};
  } catch (err) {
    throw new ConfigError(
      `${source}: not valid YAML/JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const result = VeristatConfig.safeParse(data);
  if (!result.success) throw new ConfigError(`${source}: invalid config:\n${z.prettifyError(result.error)}`);
  return result.data;
}

export const DEFAULT_CONFIG: VeristatConfig = VeristatConfig.parse({});

/** The thresholds that apply to a metric id: built-in default, then the config's default, then its own. */
export function thresholdFor(config: VeristatConfig, metric: string): ResolvedThreshold {
  const own = Object.entries(config.metrics).find(
    ([name]) => name !== 'default' && statForHeader(name)?.id === metric,
  );
  const merged = {
    ...DEFAULT_THRESHOLDS['default'],
    ...DEFAULT_THRESHOLDS[metric],
    ...config.metrics['default'],
    ...own?.[1],
  };
  return {
    warnPct: merged.warnPct ?? null,
    failPct: merged.failPct ?? null,
    minAbs: merged.minAbs ?? 0,
    minPct: merged.minPct ?? 0,
  };
}
