import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featuresFromText } from '@bpf-ci/vm';

describe('test_progs feature probe', () => {
  it("reads 6.1's --help: -j and -l yes, no -w watchdog, no -J JSON summary", () => {
    // `test_progs --help` of the selftests built from Debian's linux-source 6.1.192.
    const help = readFileSync(
      join(import.meta.dirname, '../../fixtures/vm/test_progs-6.1.192-help.txt'),
      'utf8',
    );
    expect(featuresFromText(help, 'help')).toEqual({
      parallel: true,
      watchdog: false,
      jsonSummary: false,
      list: true,
      how: 'help',
    });
  });

  it('finds the options of a newer test_progs by their names in the binary', () => {
    // argp keeps long option names as plain strings in .rodata.
    const rodata = '\0allow\0workers\0json-summary\0watchdog-timeout\0list\0';
    expect(featuresFromText(rodata, 'strings')).toMatchObject({
      parallel: true,
      watchdog: true,
      jsonSummary: true,
    });
  });
});
