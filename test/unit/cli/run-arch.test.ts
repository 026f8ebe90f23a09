import { describe, expect, it } from 'vitest';
import { notBuiltMarkdown } from '../../../packages/cli/src/commands/run.ts';

describe('run --arch: binaries that did not build', () => {
  it("names each one in the summary with the build's own words, which cannot break out of their block", () => {
    const reason =
      "make: *** No rule to make target '/nonexistent/6.1.0-50-s390x-has-no-BTF'.  Stop.\n```\n# <b>x</b>";
    const md = notBuiltMarkdown('s390x', [{ name: 'test_progs', reason }]);
    expect(md).toContain('## ❌ Not built on s390x');
    expect(md).toContain('**test\\_progs**: not built, so not run');
    // The fence is longer than any backtick run in the reason, so the reason stays text.
    expect(md).toContain(`\`\`\`\`text\n${reason}\n\`\`\`\`\n`);
  });
});
