// Kernel .config text: parse, merge fragments with scripts/kconfig/merge_config.sh semantics,
// check what olddefconfig kept, and diff two configs like scripts/diffconfig. Pure functions.

/** Option name (CONFIG_ prefix included) → value as written (y, m, 42, "text"), or null for "is not set". */
export type KernelConfig = Map<string, string | null>;

const SET = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const UNSET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

export function parseConfig(text: string): KernelConfig {
  const config: KernelConfig = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const set = SET.exec(line);
    if (set?.[1] !== undefined && set[2] !== undefined) {
      config.set(set[1], set[2]);
      continue;
    }
    const unset = UNSET.exec(line);
    if (unset?.[1]) config.set(unset[1], null);
  }
  return config;
}

export function renderConfig(config: KernelConfig): string {
  const lines: string[] = [];
  for (const [name, value] of config)
    lines.push(value === null ? `# ${name} is not set` : `${name}=${value}`);
  return `${lines.join('\n')}\n`;
}

export interface ConfigFragment {
  /** Where it came from, for messages: a path or a label such as "caller fragment 1". */
  name: string;
  text: string;
}

export interface Redefinition {
  option: string;
  previous: string | null;
  value: string | null;
  /** The fragment whose value won. */
  fragment: string;
}

export interface MergedConfig {
  /** The base with every fragment applied in order. */
  config: KernelConfig;
  /** Every option the fragments asked for, with the value of the last fragment naming it. */
  requested: KernelConfig;
  /** Which fragment (and line in it, 1-based) asked for each requested option. */
  requestedBy: Map<string, { fragment: string; line: number }>;
  redefinitions: Redefinition[];
}

/**
 * Applies fragments to a base config in order; a later fragment's value replaces an earlier one
 * (merge_config.sh prints "Value of CONFIG_X is redefined by fragment ..."; we return them).
 */
export function mergeFragments(base: KernelConfig, fragments: readonly ConfigFragment[]): MergedConfig {
  const config: KernelConfig = new Map(base);
  const requested: KernelConfig = new Map();
  const requestedBy = new Map<string, { fragment: string; line: number }>();
  const redefinitions: Redefinition[] = [];
  for (const fragment of fragments) {
    const lines = fragment.text.split('\n');
    for (const [option, value] of parseConfig(fragment.text)) {
      if (requested.has(option) && requested.get(option) !== value) {
        redefinitions.push({
          option,
          previous: requested.get(option) ?? null,
          value,
          fragment: fragment.name,
        });
      }
      // Re-insert so the option keeps the position of its last definition, as merge_config.sh does.
      config.delete(option);
      config.set(option, value);
      requested.set(option, value);
      const line = lines.findLastIndex((l) => l.includes(`${option}=`) || l.includes(`${option} is not set`));
      requestedBy.set(option, { fragment: fragment.name, line: line + 1 });
    }
  }
  return { config, requested, requestedBy, redefinitions };
}

export interface DroppedOption {
  option: string;
  requested: string | null;
  /** What the final .config has: a value, null for "is not set", undefined when absent. */
  actual: string | null | undefined;
  fragment: string;
  /** The line of the fragment that asked (1-based). */
  line: number;
}

/**
 * Options a fragment asked for that the final config (after olddefconfig) does not have as asked:
 * usually a missing dependency, or an option that does not exist on this kernel or arch.
 * Asking for "is not set" is satisfied by an absent option (merge_config.sh agrees).
 */
export function droppedOptions(merged: MergedConfig, final: KernelConfig): DroppedOption[] {
  const dropped: DroppedOption[] = [];
  for (const [option, requested] of merged.requested) {
    const actual = final.get(option);
    if (requested === null ? actual === null || actual === undefined : actual === requested) continue;
    const by = merged.requestedBy.get(option) ?? { fragment: '', line: 0 };
    dropped.push({ option, requested, actual, fragment: by.fragment, line: by.line });
  }
  return dropped;
}

export function describeDropped(d: DroppedOption): string {
  const show = (v: string | null | undefined): string =>
    v === undefined ? 'absent' : v === null ? 'is not set' : v;
  return `${d.option} requested as ${show(d.requested)} by ${d.fragment} but is ${show(d.actual)} after olddefconfig (a missing dependency, or no such option on this kernel/arch)`;
}

/**
 * Lines like scripts/diffconfig prints: "-OPTION old", "+OPTION new", " OPTION old -> new"
 * (without the CONFIG_ prefix), sorted by option name. Empty when the configs are equal.
 */
export function diffConfig(before: KernelConfig, after: KernelConfig): string[] {
  const show = (v: string | null): string => (v === null ? 'n' : v);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: string[] = [];
  for (const name of names) {
    const short = name.replace(/^CONFIG_/, '');
    const a = before.get(name);
    const b = after.get(name);
    if (a === undefined && b !== undefined) out.push(`+${short} ${show(b)}`);
    else if (a !== undefined && b === undefined) out.push(`-${short} ${show(a)}`);
    else if (a !== undefined && b !== undefined && a !== b) out.push(` ${short} ${show(a)} -> ${show(b)}`);
  }
  return out;
}
