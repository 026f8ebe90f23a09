// Reading our results.json files out of an artifact zip: every version the project wrote is read
// (schemaVersion 1 today); a newer version is recorded as such, an invalid file as invalid.
import { unzipSync } from 'fflate';
import { ResultsFormatError, SCHEMA_VERSION, parseRun } from '@bpf-ci/model';
import { flattenRun, type ParsedResults } from './records.ts';

/**
 * The run-level artifact the run-report job uploads: every job's results.json in one zip
 * (`<job>/results.json`), so a run costs one download instead of one per job. Names that start
 * with it (a re-run attempt may add a suffix) are all read.
 */
export const RESULTS_BUNDLE_ARTIFACT = 'bpf-ci-results-bundle';
/** Per-job artifacts the kernel-ci workflow uploads (`results-<test>-<arch>-<toolchain>...`). */
export const RESULTS_ARTIFACT_PREFIX = 'results-';

export type ResultsFile =
  | { path: string; state: 'ok'; parsed: ParsedResults }
  | { path: string; state: 'invalid' | 'unknown-schema'; detail: string };

export class ZipError extends Error {}

export function readResultsZip(zip: Uint8Array, source: string): ResultsFile[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, { filter: (f) => f.name === 'results.json' || f.name.endsWith('/results.json') });
  } catch (err) {
    throw new ZipError(`${source}: not a readable zip (${err instanceof Error ? err.message : String(err)})`);
  }
  return Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, bytes]) => readResultsJson(new TextDecoder().decode(bytes), `${source}:${path}`, path));
}

export function readResultsJson(text: string, source: string, path = source): ResultsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      path,
      state: 'invalid',
      detail: `${source}: not JSON (${err instanceof Error ? err.message : String(err)})`,
    };
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    return {
      path,
      state: 'unknown-schema',
      detail: `${source}: schemaVersion ${version} is newer than this bpf-ci reads (${SCHEMA_VERSION})`,
    };
  }
  try {
    const run = parseRun(value, source);
    const accelerator = (value as { context?: { accelerator?: unknown } }).context?.accelerator;
    const parsed: ParsedResults = { run, results: flattenRun(run) };
    if (typeof accelerator === 'string') parsed.accelerator = accelerator;
    return { path, state: 'ok', parsed };
  } catch (err) {
    if (!(err instanceof ResultsFormatError)) throw err;
    return { path, state: 'invalid', detail: err.message };
  }
}
