import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  globMatch,
  listLayerFiles,
  mergeListEntries,
  parseListFile,
  readLayeredList,
  toNamesArgument,
} from '@bpf-ci/vm';

describe('allow/deny lists', () => {
  it('reads the DENYLIST file format: comments anywhere, blank lines, spaces in names', () => {
    expect(
      parseListFile(
        '# header\nsockmap_basic/sockmap udp multi channels\n\nlru_lock_nmi     # rqspinlock\n  tc_tunnel/ip6gre*  \n',
      ),
    ).toEqual(['sockmap_basic/sockmap udp multi channels', 'lru_lock_nmi', 'tc_tunnel/ip6gre*']);
  });

  it('drops test/subtest when the whole test is listed, but test8 does not swallow test8_peek', () => {
    expect(mergeListEntries(['test8', 'test8/sub', 'test8_peek/sub', 'test8', 'a*', 'abc/x', 'b/x'])).toEqual(
      ['test8', 'test8_peek/sub', 'a*', 'b/x'],
    );
  });

  it('globs like test_progs: * only, everything else literal', () => {
    expect(globMatch('tc_*', 'tc_redirect')).toBe(true);
    expect(globMatch('tc.x', 'tcax')).toBe(false);
    expect(globMatch('test8', 'test8_peek')).toBe(false);
  });

  it('layers base, .ARCH, .DEPLOYMENT, .RUNNER in that order and skips missing layers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lists-'));
    const base = join(dir, 'DENYLIST');
    writeFileSync(base, 'a\nb/x\n');
    writeFileSync(`${base}.x86_64`, 'b\nc # arch\n');
    writeFileSync(`${base}.test_progs`, 'a\nd\n');
    expect(listLayerFiles(base, { arch: 'x86_64', deployment: 'ci', runner: 'test_progs' })).toEqual([
      base,
      `${base}.x86_64`,
      `${base}.ci`,
      `${base}.test_progs`,
    ]);
    const merged = readLayeredList([base], { arch: 'x86_64', deployment: 'ci', runner: 'test_progs' });
    expect(merged.entries).toEqual(['a', 'b', 'c', 'd']);
    expect(merged.files).toEqual([base, `${base}.x86_64`, `${base}.test_progs`]);
    expect(() => readLayeredList([join(dir, 'nope')], {})).toThrow(/does not exist/);
  });

  it('turns a comma inside a subtest name into a glob, since NAMES splits at commas', () => {
    const { names, widened } = toNamesArgument(['sockopt/getsockopt: a, b', 'verifier_sdiv']);
    expect(names).toBe('sockopt/getsockopt: a* b,verifier_sdiv');
    expect(widened).toEqual(['sockopt/getsockopt: a, b']);
    expect(globMatch('getsockopt: a* b', 'getsockopt: a, b')).toBe(true);
  });
});
