// The inputs and outputs tables of every actions/<name>/README.md, generated from its action.yml
// between `<!-- action.yml:begin -->` and `<!-- action.yml:end -->`. --check: fail if a README's
// table differs from its action.yml (also checked by test/unit/actions/readme.test.ts).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const root = join(import.meta.dirname, '..');
const BEGIN = '<!-- action.yml:begin (npm run build:readmes) -->';
const END = '<!-- action.yml:end -->';

interface ActionYml {
  inputs?: Record<string, { description?: string; required?: boolean; default?: string } | null>;
  outputs?: Record<string, { description?: string } | null>;
}

const cell = (text: string): string => text.replace(/\s+/g, ' ').trim().replaceAll('|', '\\|');
const code = (text: string): string => (text === '' ? '(empty)' : `\`${text.replaceAll('`', "'")}\``);

/** The Markdown tables for one action.yml. */
export function actionTables(ymlText: string): string {
  const yml = parseYaml(ymlText) as ActionYml;
  const inputs = Object.entries(yml.inputs ?? {}).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec?.required ? 'required' : code(String(spec?.default ?? ''))} | ${cell(spec?.description ?? '')} |`,
  );
  const outputs = Object.entries(yml.outputs ?? {}).map(
    ([name, spec]) => `| \`${name}\` | ${cell(spec?.description ?? '')} |`,
  );
  return [
    '## Inputs',
    '',
    '| input | default | description |',
    '| --- | --- | --- |',
    ...inputs,
    '',
    '## Outputs',
    '',
    '| output | description |',
    '| --- | --- |',
    ...outputs,
  ].join('\n');
}

/** The README with its generated part replaced (appended when it has none). */
export function withTables(readme: string, ymlText: string): string {
  const block = `${BEGIN}\n\n${actionTables(ymlText)}\n\n${END}`;
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return `${readme.trimEnd()}\n\n${block}\n`;
  return `${readme.slice(0, start)}${block}${readme.slice(end + END.length)}`;
}

export function actionNames(): string[] {
  return readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

if (import.meta.main) {
  let stale = 0;
  for (const action of actionNames()) {
    const dir = join(root, 'actions', action);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const next = withTables(readme, readFileSync(join(dir, 'action.yml'), 'utf8'));
    if (next === readme) continue;
    if (process.argv.includes('--check')) {
      process.stderr.write(`actions/${action}/README.md: tables differ from action.yml\n`);
      stale++;
    } else writeFileSync(join(dir, 'README.md'), next);
  }
  if (stale > 0) process.exit(1);
}
