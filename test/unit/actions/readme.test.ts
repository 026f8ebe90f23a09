// Every action has a README whose inputs/outputs tables are those of its action.yml (regenerate
// with npm run build:readmes), and whose workflow example pins bpf-ci and every other action by a
// full commit SHA.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionNames, withTables } from '../../../scripts/action-readmes.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe.each(actionNames())('actions/%s/README.md', (action) => {
  const readme = readFileSync(join(ROOT, 'actions', action, 'README.md'), 'utf8');
  const yml = readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8');

  it('has the inputs and outputs tables of action.yml (npm run build:readmes)', () => {
    expect(readme).toBe(withTables(readme, yml));
    expect(readme).toContain('| input | default | description |');
  });

  it('shows a workflow example using it, every action pinned by a full commit SHA', () => {
    const uses = [...readme.matchAll(/uses: (\S+)/g)].map((m) => m[1]!);
    expect(uses.some((u) => u.startsWith(`bpf-ci/bpf-ci/actions/${action}@`))).toBe(true);
    for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
  });
});
