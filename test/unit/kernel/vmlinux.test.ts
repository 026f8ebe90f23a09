import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { findBtf, findBtfWithOrder, s390xPayload } from '../../../packages/kernel/src/vmlinux.ts';
import { configHasBtf } from '../../../packages/kernel/src/debian.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'btf');
const bigEndian = readFileSync(join(FIXTURES, 'point.bpfeb.btf'));
const littleEndian = readFileSync(join(FIXTURES, 'point.bpfel.btf'));

/** A kernel image stand-in: the blob between unrelated bytes. */
function image(blob: Buffer): Buffer {
  return Buffer.concat([Buffer.alloc(1000, 0x11), blob, Buffer.alloc(333, 0x22)]);
}

describe('BTF in either byte order', () => {
  it("finds clang's big-endian BTF (magic 0xeB9F stored as eb 9f) whole, as s390x kernels carry it", () => {
    expect(bigEndian.subarray(0, 2)).toEqual(Buffer.from([0xeb, 0x9f]));
    const found = findBtfWithOrder(image(bigEndian));
    expect(found?.order).toBe('BE');
    expect(found?.blob.equals(bigEndian)).toBe(true);
  });

  it('finds the little-endian BTF of the same program, of the same size', () => {
    const found = findBtfWithOrder(image(littleEndian));
    expect(found?.order).toBe('LE');
    expect(found?.blob.equals(littleEndian)).toBe(true);
    expect(littleEndian.length).toBe(bigEndian.length);
  });

  it('skips a big-endian header whose section lengths do not fit the image', () => {
    // Cut at the end of the image: its string section would run past it.
    const truncated = Buffer.concat([Buffer.alloc(100, 0x11), bigEndian.subarray(0, bigEndian.length - 10)]);
    expect(findBtf(truncated)).toBeUndefined();
    // A header whose string section does not start with the empty string is no BTF either.
    const noEmptyString = Buffer.from(bigEndian);
    noEmptyString[24 + noEmptyString.readUInt32BE(16)] = 0x41;
    expect(findBtf(image(noEmptyString))).toBeUndefined();
    // ...and a real one after a false start is still found.
    expect(findBtf(Buffer.concat([image(noEmptyString), bigEndian]))?.equals(bigEndian)).toBe(true);
  });
});

describe('s390x kernel payload', () => {
  it('decompresses an xz payload behind a decompressor stub and finds its big-endian BTF', async () => {
    const kernel = image(bigEndian);
    const xz = execFileSync('xz', ['-c', '--check=crc32'], { input: kernel });
    const s390Image = Buffer.concat([Buffer.alloc(4096, 0x07), xz, Buffer.alloc(512)]);
    const payload = await s390xPayload(s390Image);
    expect(payload?.equals(kernel)).toBe(true);
    expect(findBtfWithOrder(payload ?? Buffer.alloc(0))?.order).toBe('BE');
  });

  it('decompresses a gzip payload too, and gives nothing for an image with neither', async () => {
    const kernel = image(bigEndian);
    const payload = await s390xPayload(Buffer.concat([Buffer.alloc(64, 0x07), gzipSync(kernel)]));
    expect(payload?.equals(kernel)).toBe(true);
    expect(await s390xPayload(Buffer.alloc(4096, 0x07))).toBeUndefined();
  });
});

describe('configHasBtf', () => {
  it("reads CONFIG_DEBUG_INFO_BTF from a .config (Debian 12's s390x kernel has it unset)", () => {
    expect(configHasBtf('CONFIG_BPF=y\nCONFIG_DEBUG_INFO_BTF=y\n')).toBe(true);
    expect(configHasBtf('CONFIG_BPF=y\n# CONFIG_DEBUG_INFO_BTF is not set\n')).toBe(false);
    expect(configHasBtf('CONFIG_DEBUG_INFO_BTF_MODULES=y\n')).toBe(false);
  });
});
