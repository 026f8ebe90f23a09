// Allow and deny lists the way kernel-patches/vmtest keeps them: a base file plus optional
// per-arch, per-deployment and per-runner layers (DENYLIST, DENYLIST.x86_64, DENYLIST.ci,
// DENYLIST.test_progs), merged and reduced to what test_progs accepts on its command line.
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { INPUT_LIMITS, confinedPath, readInputFileSync } from '@bpf-ci/input-file';

export interface ListLayers {
  arch?: string;
  deployment?: string;
  runner?: string;
}

/** The files that make up a list, most general first: F, F.ARCH, F.DEPLOYMENT, F.RUNNER. */
export function listLayerFiles(base: string, layers: ListLayers): string[] {
  const suffixes = [layers.arch, layers.deployment, layers.runner].filter((s): s is string => !!s);
  return [base, ...suffixes.map((s) => `${base}.${s}`)];
}

/** One list file: `#` starts a comment anywhere, blank lines skipped, entries trimmed. */
export function parseListFile(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0);
}

/** test_progs' glob: `*` is the only wildcard, anything else matches itself. */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/**
 * Merge entries: de-duplicate, and drop `test/subtest` when a plain entry already selects the whole
 * `test` (by test_progs' own glob rule, so `test8` does not cover `test8_peek/x`).
 */
export function mergeListEntries(entries: Iterable<string>): string[] {
  const unique = [...new Set(entries)];
  const whole = unique.filter((e) => !e.includes('/'));
  return unique.filter((e) => {
    const slash = e.indexOf('/');
    if (slash < 0) return true;
    const test = e.slice(0, slash);
    return !whole.some((w) => globMatch(w, test));
  });
}

/** Read and merge the layered files of every base; missing layer files are skipped. */
export function readLayeredList(
  bases: readonly string[],
  layers: ListLayers,
  root: string = process.cwd(),
): { entries: string[]; files: string[]; origins: Map<string, string> } {
  const files: string[] = [];
  const entries: string[] = [];
  /** Entry → the first file that named it. */
  const origins = new Map<string, string>();
  for (const base of bases) {
    for (const file of listLayerFiles(base, layers)) {
      // A relative path names a file of the checkout (the pull request's own lists): it must stay
      // there, symlinks resolved, or a list could read any file of the host into plan.json.
      const real = isAbsolute(file) ? file : confinedOrMissing(file, root);
      if (real === undefined || !existsSync(real)) {
        if (file === base) throw new Error(`list file ${base} does not exist`);
        continue;
      }
      files.push(file);
      for (const entry of parseListFile(
        readInputFileSync(real, { maxBytes: INPUT_LIMITS.config, what: 'test list' }),
      )) {
        entries.push(entry);
        if (!origins.has(entry)) origins.set(entry, file);
      }
    }
  }
  return { entries: mergeListEntries(entries), files, origins };
}

/**
 * The entries as one comma-separated NAMES argument for -a/-d. test_progs splits NAMES at every
 * comma, and subtest names may contain commas (`sockopt/getsockopt: a, b`): such a comma becomes the
 * `*` glob, which matches it (and says so through `widened`). Before 6.5 there is no @file form,
 * so the command line is the only way in.
 */
export function toNamesArgument(entries: readonly string[]): { names: string; widened: string[] } {
  const widened: string[] = [];
  const parts = entries.map((e) => {
    if (!e.includes(',')) return e;
    widened.push(e);
    return e.replaceAll(',', '*');
  });
  return { names: parts.join(','), widened };
}

/** The real path of a relative list file inside `root`, or undefined when it does not exist. */
function confinedOrMissing(file: string, root: string): string | undefined {
  try {
    return confinedPath(file, root, 'list file');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
