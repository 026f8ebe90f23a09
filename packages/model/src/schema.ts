import { z } from 'zod';
import { Run, SCHEMA_VERSION } from './model.ts';

/** The JSON schema of results.json, published as packages/model/results.schema.json. */
export function resultsJsonSchema(): Record<string, unknown> {
  return {
    $id: `https://github.com/bpf-ci/bpf-ci/results.schema.v${SCHEMA_VERSION}.json`,
    ...z.toJSONSchema(Run, { target: 'draft-2020-12' }),
  };
}

export class ResultsFormatError extends Error {}

/** Validate a parsed results.json; the error names the file, the path and what was expected. */
export function parseRun(value: unknown, source = 'results.json'): Run {
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== SCHEMA_VERSION) {
    throw new ResultsFormatError(
      `${source}: schemaVersion ${JSON.stringify(version)} is not supported (expected ${SCHEMA_VERSION}); ` +
        're-create it with this version of bpf-ci.',
    );
  }
  const parsed = Run.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new ResultsFormatError(`${source}: invalid at ${where}: ${issue?.message ?? 'unknown error'}`);
  }
  return parsed.data;
}
