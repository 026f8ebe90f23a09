// Step outputs through @actions/core (GITHUB_OUTPUT with a random heredoc delimiter).
import { setOutput } from '@actions/core';

export function setOutputs(outputs: Record<string, string | number | boolean>): void {
  for (const [name, value] of Object.entries(outputs)) setOutput(name, String(value));
}
