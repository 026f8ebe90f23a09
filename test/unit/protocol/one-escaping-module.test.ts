// The security rule "no hand-built workflow command anywhere but packages/protocol/src/commands.ts", checked
// over every source file of the repository (packages, actions, scripts, bench).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const ALLOWED = new Set(['packages/protocol/src/commands.ts']);
// A command name after `::`, or `::${...}` (a token or a computed name).
const HAND_BUILT =
  /::(?:error|warning|notice|debug|group|endgroup|add-mask|stop-commands|set-output|set-env|add-path|save-state|echo|add-matcher|remove-matcher)\b|::\$\{/i;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|js|sh)$/.test(entry.name) ? [path] : [];
  });
}

describe('one escaping module', () => {
  it('no source outside protocol/src/commands.ts writes a workflow command by hand', () => {
    const offenders: string[] = [];
    for (const top of ['packages', 'actions', 'scripts', 'bench']) {
      for (const file of sources(join(root, top))) {
        const rel = relative(root, file);
        if (ALLOWED.has(rel)) continue;
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            // Comments may name commands; code may not build them.
            const code = line
              .replace(/\/\*.*?\*\//g, '')
              .replace(/\/\/.*$/, '')
              .replace(/^\s*\/?\*.*$/, '');
            if (HAND_BUILT.test(code)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});
