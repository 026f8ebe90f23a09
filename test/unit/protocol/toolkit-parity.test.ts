// Our one escaping module against GitHub's own toolkit: for the same annotation, ActionsLogger must
// print byte for byte what @actions/core prints (the toolkit is what the runner's unescaping was
// written for).
// eslint-disable-next-line no-restricted-imports -- the toolkit is the reference this test compares with
import * as core from '@actions/core';
import { ActionsLogger } from '@bpf-ci/gh';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOSTILE } from '../report/gfm.ts';

function toolkitOutput(emit: () => void): string {
  let out = '';
  const original = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  };
  try {
    emit();
  } finally {
    process.stdout.write = original;
  }
  return out;
}

describe('parity with @actions/core', () => {
  it('annotations, with hostile titles, files and messages, are printed exactly as the toolkit prints them', () => {
    // The toolkit does not trim property values; the runner does (see protocol/workflow-commands.test.ts),
    // so compare on values without edge whitespace.
    const text = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary' })).map((s) => s.trim());
    fc.assert(
      fc.property(text, text, text, fc.integer({ min: 1, max: 9999 }), (title, file, message, line) => {
        let ours = '';
        const logger = new ActionsLogger((t) => (ours += t));
        logger.error(message, { title, file, line });
        logger.warning(message, { title });
        logger.notice(message);
        const theirs = toolkitOutput(() => {
          core.error(message, { title, file, startLine: line });
          core.warning(message, { title });
          core.notice(message);
        });
        // One known, harmless difference: when every property is empty the toolkit still prints the
        // separating space ("::warning ::m"); we print "::warning::m". The runner reads both the same.
        expect(ours).toBe(theirs.replace(/^(::[a-z]+) ::/gm, '$1::'));
      }),
      { numRuns: 500 },
    );
  });

  it('groups and debug lines match too', () => {
    let ours = '';
    const logger = new ActionsLogger((t) => (ours += t));
    for (const s of HOSTILE) logger.debug(s);
    const theirs = toolkitOutput(() => {
      for (const s of HOSTILE) core.debug(s);
    });
    expect(ours).toBe(theirs);
  });
});
