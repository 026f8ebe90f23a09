import { ConfigError, type ConfigIssue } from '@bpf-ci/domain';
import { parseConfig } from '@bpf-ci/matrix';

/** The issues a config text gets, with the exact position of each. */
export function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('the config was accepted');
}
