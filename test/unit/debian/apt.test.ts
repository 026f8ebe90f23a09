import { describe, expect, it } from 'vitest';
import { parseAptDepends, parseAptVersion } from '@bpf-ci/debian';
import { findBtf } from '../../../packages/kernel/src/vmlinux.ts';

describe('apt output', () => {
  it('reads the image package a metapackage depends on (captured apt-cache depends output)', () => {
    expect(parseAptDepends('linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n')).toEqual([
      'linux-image-6.1.0-56-amd64',
    ]);
    const headers = [
      'linux-headers-6.1.0-56-amd64',
      '  Depends: linux-headers-6.1.0-56-common',
      '  Depends: linux-kbuild-6.1',
      '  Depends: linux-compiler-gcc-12-x86',
    ].join('\n');
    expect(parseAptDepends(headers)).toEqual([
      'linux-headers-6.1.0-56-common',
      'linux-kbuild-6.1',
      'linux-compiler-gcc-12-x86',
    ]);
  });

  it('reads an arch-all dependency that a foreign-arch query prints in brackets (captured, arm64 on amd64)', () => {
    const text = [
      'linux-headers-6.1.0-56-arm64:arm64',
      '  Depends: <linux-headers-6.1.0-56-common:arm64>',
      '    linux-headers-6.1.0-56-common',
      '  Depends: linux-kbuild-6.1:arm64',
      '    linux-kbuild-6.1',
      '  Depends: gcc-12:arm64',
    ].join('\n');
    expect(parseAptDepends(text)).toEqual([
      'linux-headers-6.1.0-56-common',
      'linux-kbuild-6.1:arm64',
      'gcc-12:arm64',
    ]);
  });

  it('reads the Version field', () => {
    expect(parseAptVersion('Package: linux-source-6.1\nSource: linux\nVersion: 6.1.192-2\n')).toBe(
      '6.1.192-2',
    );
    expect(parseAptVersion('N: Unable to locate package x\n')).toBeUndefined();
  });
});

describe('findBtf', () => {
  function btfBlob(types: Buffer, strings: Buffer): Buffer {
    const header = Buffer.alloc(24);
    header.writeUInt16LE(0xeb9f, 0);
    header.writeUInt8(1, 2);
    header.writeUInt32LE(24, 4);
    header.writeUInt32LE(0, 8);
    header.writeUInt32LE(types.length, 12);
    header.writeUInt32LE(types.length, 16);
    header.writeUInt32LE(strings.length, 20);
    return Buffer.concat([header, types, strings]);
  }

  it('carves the BTF blob out of an image, skipping a header-like false start', () => {
    const blob = btfBlob(Buffer.alloc(16, 7), Buffer.from('\0int\0'));
    const falseStart = Buffer.from([0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00, 5, 0, 0, 0]);
    const image = Buffer.concat([Buffer.alloc(100), falseStart, Buffer.alloc(50), blob, Buffer.alloc(64)]);
    expect(findBtf(image)?.equals(blob)).toBe(true);
  });

  it('finds nothing in an image without BTF', () => {
    expect(findBtf(Buffer.alloc(4096))).toBeUndefined();
  });
});
