// Every workflow and action.yml must pass GitHub's own parser (the one behind the Actions editor
// and the VS Code extension), with no validation errors.
import { describe, expect, it } from 'vitest';
// The rule keeps the runtime toolkit (@actions/core, ...) in packages/gh; this is GitHub's parser,
// used only by the tests.
// eslint-disable-next-line no-restricted-imports
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
// eslint-disable-next-line no-restricted-imports
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { actionFiles, read, rel, workflowFiles } from './files.ts';

describe("GitHub's workflow parser", () => {
  it('finds the workflows and actions to check', () => {
    expect(workflowFiles().map(rel)).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/kernel-ci.yml',
        'examples/kernel-patches-bpf/.github/workflows/bpf-ci.yml',
        'examples/netdev/.github/workflows/bpf-ci.yml',
      ]),
    );
    expect(actionFiles().map(rel)).toContain('actions/matrix-generator/action.yml');
  });

  it.each(workflowFiles().map((f) => [rel(f), f]))('%s has no parse errors', async (name, file) => {
    const parsed = parseWorkflow({ name, content: read(file) }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    const template = await convertWorkflowTemplate(parsed.context, parsed.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it.each(actionFiles().map((f) => [rel(f), f]))('%s has no parse errors', (name, file) => {
    const parsed = parseAction({ name, content: read(file) }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const action = convertActionTemplate(parsed.context, parsed.value!);
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(action.runs.using).toBeDefined();
  });

  it('reports errors in a broken workflow (the check can fail)', () => {
    const content =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    timeout-minutes: soon\n    stepz: []\n';
    const parsed = parseWorkflow({ name: 'broken.yml', content }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0);
  });
});
