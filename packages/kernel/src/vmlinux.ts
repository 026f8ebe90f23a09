import { spawn } from 'node:child_process';
import { open, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

/** The BTF header's magic, 0xeB9F, written in the byte order of the kernel that carries it. */
const BTF_MAGIC = 0xeb9f;
const BTF_HEADER_LEN = 24;

/**
 * BTF header prefixes (magic, version 1, flags 0, hdr_len 24) in each byte order: little-endian
 * kernels (x86_64, arm64) and big-endian ones (s390x). See include/uapi/linux/btf.h.
 */
const BTF_HEADERS = (['LE', 'BE'] as const).map((order) => {
  const prefix = Buffer.alloc(8);
  if (order === 'LE') {
    prefix.writeUInt16LE(BTF_MAGIC, 0);
    prefix.writeUInt32LE(BTF_HEADER_LEN, 4);
  } else {
    prefix.writeUInt16BE(BTF_MAGIC, 0);
    prefix.writeUInt32BE(BTF_HEADER_LEN, 4);
  }
  prefix.writeUInt8(1, 2);
  return { order, prefix };
});

export type ByteOrder = 'LE' | 'BE';

/**
 * The kernel's BTF blob inside a decompressed kernel image: the first well-formed BTF header, in
 * either byte order (types directly after the header, strings directly after the types) and its
 * data. Kernel images that are not ELF files (arm64's Image, s390x's payload) give VMLINUX_BTF
 * this raw blob, which bpftool and libbpf read in either byte order.
 */
export function findBtf(image: Buffer): Buffer | undefined {
  return findBtfWithOrder(image)?.blob;
}

export function findBtfWithOrder(image: Buffer): { blob: Buffer; order: ByteOrder } | undefined {
  let best: { blob: Buffer; order: ByteOrder; at: number } | undefined;
  for (const { order, prefix } of BTF_HEADERS) {
    const found = firstBtf(image, prefix, order);
    if (found && (!best || found.at < best.at)) best = { ...found, order };
  }
  return best ? { blob: best.blob, order: best.order } : undefined;
}

function firstBtf(image: Buffer, prefix: Buffer, order: ByteOrder): { blob: Buffer; at: number } | undefined {
  const u32 = (at: number): number => (order === 'LE' ? image.readUInt32LE(at) : image.readUInt32BE(at));
  for (let at = image.indexOf(prefix); at >= 0; at = image.indexOf(prefix, at + 1)) {
    if (at + BTF_HEADER_LEN > image.length) return undefined;
    const typeOff = u32(at + 8);
    const typeLen = u32(at + 12);
    const strOff = u32(at + 16);
    const strLen = u32(at + 20);
    const end = at + BTF_HEADER_LEN + strOff + strLen;
    if (typeOff === 0 && strOff === typeLen && typeLen > 0 && strLen > 0 && end <= image.length) {
      // The string section starts with an empty string.
      if (image[at + BTF_HEADER_LEN + strOff] === 0) return { blob: image.subarray(at, end), at };
    }
  }
  return undefined;
}

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/**
 * The decompressed kernel inside an s390x image: a small decompressor followed by the kernel
 * compressed with CONFIG_KERNEL_{XZ,GZIP} (arch/s390/boot). Tries each xz or gzip stream in the
 * image until one decompresses.
 */
export async function s390xPayload(image: Buffer): Promise<Buffer | undefined> {
  for (let at = image.indexOf(XZ_MAGIC); at >= 0; at = image.indexOf(XZ_MAGIC, at + 1)) {
    const out = await unxz(image.subarray(at));
    if (out && out.length > 0) return out;
  }
  for (let at = image.indexOf(GZIP_MAGIC); at >= 0; at = image.indexOf(GZIP_MAGIC, at + 1)) {
    try {
      return gunzipSync(image.subarray(at));
    } catch {
      // Not a stream that starts here: keep looking.
    }
  }
  return undefined;
}

/** xz -dc --single-stream: the first xz stream, ignoring whatever follows it in the image. */
function unxz(data: Buffer): Promise<Buffer | undefined> {
  return new Promise((resolvePromise) => {
    const child = spawn('xz', ['-dc', '--single-stream'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', () => resolvePromise(undefined));
    child.on('close', (code) => resolvePromise(code === 0 ? Buffer.concat(chunks) : undefined));
    // xz stops reading after the stream's end: an EPIPE on the rest is expected.
    child.stdin.on('error', () => undefined);
    child.stdin.end(data);
  });
}

/**
 * Writes the uncompressed kernel for VMLINUX_BTF to `out`: on x86_64 the ELF vmlinux that the
 * source's scripts/extract-vmlinux recovers from the bzImage; on arm64 (a gzip-compressed Image,
 * not ELF) and s390x (an xz payload behind its decompressor) the raw BTF blob carved out of the
 * decompressed kernel.
 */
export async function extractVmlinux(options: {
  vmlinuz: string;
  out: string;
  sourceDir: string;
  arch: 'x86_64' | 'aarch64' | 's390x';
}): Promise<void> {
  if (options.arch !== 'x86_64') {
    const compressed = await readFile(options.vmlinuz);
    const image =
      options.arch === 's390x'
        ? await s390xPayload(compressed)
        : compressed[0] === 0x1f && compressed[1] === 0x8b
          ? gunzipSync(compressed)
          : compressed;
    if (!image) throw new Error(`no xz or gzip kernel payload found in ${options.vmlinuz}`);
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
