// The workflow and action files the repository ships, found on disk so that workflows and actions
// added later are covered without touching the tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

function yamlFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f));
}

/** .github/workflows/* and every examples/<name>/.github/workflows/*. */
export function workflowFiles(): string[] {
  const examples = join(ROOT, 'examples');
  const exampleDirs = existsSync(examples)
    ? readdirSync(examples, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(examples, d.name, '.github', 'workflows'))
    : [];
  return [join(ROOT, '.github', 'workflows'), ...exampleDirs].flatMap(yamlFilesIn).sort();
}

/** actions/<name>/action.yml (or .yaml) of every action. */
export function actionFiles(): string[] {
  const actions = join(ROOT, 'actions');
  if (!existsSync(actions)) return [];
  return readdirSync(actions, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ['action.yml', 'action.yaml'].map((f) => join(actions, d.name, f)).find((f) => existsSync(f)))
    .filter((f): f is string => f !== undefined)
    .sort();
}

export function read(file: string): string {
  return readFileSync(file, 'utf8');
}

export function rel(file: string): string {
  return relative(ROOT, file);
}

/** Every .ts file under a folder. */
export function tsFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts'))
    .map((d) => join(d.parentPath, d.name))
    .sort();
}
