// I/O edge: read results.json files (each validated against the model) and veristat diffs.
// A file that cannot be read or validated is an error naming the file: a report that silently
// dropped a job would call an infrastructure failure a success.
import { readFile } from 'node:fs/promises';
import { parseRun } from '@bpf-ci/model';
import type { VeristatDiff } from '@bpf-ci/veristat';
import type { LoadedResults } from './jobs.ts';

export async function loadResults(paths: readonly string[]): Promise<LoadedResults[]> {
  const out: LoadedResults[] = [];
  for (const source of paths) {
    const text = await readFile(source, 'utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(
        `${source}: not JSON (${err instanceof Error ? err.message : String(err)}); is it a results.json?`,
      );
    }
    out.push({ source, run: parseRun(raw, source), raw });
  }
  return out;
}

/** A veristat-diff --json output. Checked for the fields the report reads. */
export async function loadVeristatDiff(path: string): Promise<VeristatDiff> {
  const value = JSON.parse(await readFile(path, 'utf8')) as Partial<VeristatDiff> | null;
  if (
    !value ||
    !Array.isArray(value.programs) ||
    !Array.isArray(value.added) ||
    typeof value.incomplete !== 'object'
  )
    throw new Error(`${path}: not a veristat-diff --json output (no programs/added/incomplete)`);
  return value as VeristatDiff;
}
