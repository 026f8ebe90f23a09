import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCpio, buildInitramfs } from '@bpf-ci/vm';

function extract(archive: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'cpio-'));
  // GNU cpio reads what the kernel reads: the newc format.
  execFileSync('cpio', ['-i', '--quiet', '--no-absolute-filenames', '-D', dir], { input: archive });
  return dir;
}

describe('cpio newc', () => {
  it('is read back by GNU cpio with contents, modes and symlinks intact', () => {
    const data = Buffer.from('odd length\n');
    const archive = buildCpio([
      { type: 'dir', path: 'bin' },
      { type: 'file', path: 'bin/tool', data, mode: 0o755 },
      { type: 'symlink', path: 'bin/alias', target: 'tool' },
      { type: 'file', path: 'empty', data: new Uint8Array() },
    ]);
    const listing = execFileSync('cpio', ['-t', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listing.trim().split('\n')).toEqual(['bin', 'bin/tool', 'bin/alias', 'empty']);
    const dir = extract(archive);
    expect(readFileSync(join(dir, 'bin/tool'))).toEqual(data);
    expect(statSync(join(dir, 'bin/tool')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(dir, 'bin/alias'))).toBe('tool');
    expect(statSync(join(dir, 'empty')).size).toBe(0);
  });

  it('is byte-for-byte reproducible', () => {
    const entries = [{ type: 'file' as const, path: 'a', data: Buffer.from('x') }];
    expect(buildCpio(entries).equals(buildCpio(entries))).toBe(true);
  });
});

describe('initramfs', () => {
  it('holds busybox, the modules under /modules and an executable /init', () => {
    const dir = mkdtempSync(join(tmpdir(), 'initramfs-'));
    const mod = join(dir, '9p.ko');
    writeFileSync(mod, 'not really a module');
    const archive = buildInitramfs({ busybox: '/bin/busybox', modules: [mod], init: '#!/bin/sh\necho hi\n' });
    const out = extract(archive);
    expect(readFileSync(join(out, 'modules/9p.ko'), 'utf8')).toBe('not really a module');
    expect(statSync(join(out, 'init')).mode & 0o111).toBe(0o111);
    expect(readFileSync(join(out, 'bin/busybox')).equals(readFileSync('/bin/busybox'))).toBe(true);
    const listing = execFileSync('cpio', ['-tv', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listing).toMatch(/^crw-------.* 5,\s+1 .*dev\/console$/m);
  });
});
