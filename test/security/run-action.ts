// The security tests run an action from its TypeScript entry in a workspace folder: the shared
// harness's runSource, with the folder as the step's working directory and GITHUB_WORKSPACE.
import { runSource, type ActionRun } from '../helpers/action-harness.ts';

export function runAction(
  action: string,
  workspace: string,
  inputs: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ActionRun> {
  return runSource(action, inputs, { cwd: workspace, env: { GITHUB_WORKSPACE: workspace }, timeoutMs });
}
