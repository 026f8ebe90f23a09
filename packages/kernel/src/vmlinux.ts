import { spawn } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

/** BTF header magic (0xeB9F), version 1, flags 0, hdr_len 24, as little-endian bytes. */
const BTF_HEADER_LE = Buffer.from([0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00]);

/**
 * The kernel's BTF blob inside a decompressed kernel image: the first well-formed little-endian
 * BTF header (types directly after the header, strings directly after the types) and its data.
 * The arm64 Image is not an ELF file, so VMLINUX_BTF gets this raw blob, which bpftool reads.
 */
export function findBtf(image: Buffer): Buffer | undefined {
  for (let at = image.indexOf(BTF_HEADER_LE); at >= 0; at = image.indexOf(BTF_HEADER_LE, at + 1)) {
    if (at + 24 > image.length) return undefined;
    const typeOff = image.readUInt32LE(at + 8);
    const typeLen = image.readUInt32LE(at + 12);
    const strOff = image.readUInt32LE(at + 16);
    const strLen = image.readUInt32LE(at + 20);
    const end = at + 24 + strOff + strLen;
    if (typeOff === 0 && strOff === typeLen && typeLen > 0 && strLen > 0 && end <= image.length) {
      // The string section starts with an empty string.
      if (image[at + 24 + strOff] === 0) return image.subarray(at, end);
    }
  }
  return undefined;
}

/**
 * Writes the uncompressed kernel for VMLINUX_BTF to `out`: on x86_64 the ELF vmlinux that the
 * source's scripts/extract-vmlinux recovers from the bzImage; on arm64 (a gzip-compressed Image,
 * not ELF) the raw BTF blob carved out of the Image.
 */
export async function extractVmlinux(options: {
  vmlinuz: string;
  out: string;
  sourceDir: string;
  arch: 'x86_64' | 'aarch64';
}): Promise<void> {
  if (options.arch === 'aarch64') {
    const compressed = await readFile(options.vmlinuz);
    const image = compressed[0] === 0x1f && compressed[1] === 0x8b ? gunzipSync(compressed) : compressed;
    const btf = findBtf(image);
    if (!btf) throw new Error(`no BTF found in ${options.vmlinuz}: was it built with CONFIG_DEBUG_INFO_BTF?`);
    await writeFile(options.out, btf);
    return;
  }
  const script = join(options.sourceDir, 'scripts', 'extract-vmlinux');
  const file = await open(options.out, 'w');
  try {
    const stderr: string[] = [];
    const code = await new Promise<number>((resolvePromise, reject) => {
      const child = spawn(script, [options.vmlinuz], { stdio: ['ignore', file.fd, 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolvePromise(c ?? 1));
    });
    if (code !== 0)
      throw new Error(`${script} ${options.vmlinuz} failed (${code}): ${stderr.join('').trim()}`);
  } finally {
    await file.close();
  }
  const head = Buffer.alloc(4);
  const check = await open(options.out, 'r');
  try {
    await check.read(head, 0, 4, 0);
  } finally {
    await check.close();
  }
  if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) {
    throw new Error(`extract-vmlinux on ${options.vmlinuz} did not produce an ELF file`);
  }
}
