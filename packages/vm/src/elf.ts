// Reading an ELF header without running the binary.

/** The e_machine field of an ELF header (62 x86_64, 183 aarch64, 22 s390x). */
export function elfMachine(header: Buffer): number | undefined {
  if (header.length < 20 || header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const littleEndian = header[5] === 1;
  return littleEndian ? header.readUInt16LE(18) : header.readUInt16BE(18);
}
