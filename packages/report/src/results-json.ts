// results.json: the Run itself, validated against the model's schema before it is written, so a
// consumer never reads a file this tool could not read back.
import type { Run } from '@bpf-ci/model';
import { parseRun } from '@bpf-ci/model';

export function toResultsJson(run: Run): string {
  return `${JSON.stringify(parseRun(run), null, 2)}\n`;
}
