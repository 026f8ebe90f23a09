// The veristat-diff action's bundle run the way the runner runs it, through the shared harness.
// Shared by the action's unit test and the VM e2e.
import { runBundle } from '../../helpers/action-harness.ts';

export interface ActionRun {
  code: number;
  stdout: string;
  summary: string;
  outputs: Record<string, string>;
}

export async function runVeristatAction(inputs: Record<string, string>): Promise<ActionRun> {
  const { code, stdout, summary, outputs } = await runBundle('veristat-diff', inputs);
  return { code, stdout, summary, outputs };
}
