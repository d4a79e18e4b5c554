/**
 * LZ77+Huffman decompression (MS-XCA 2.2): blocks of 65536 output bytes, each starting with a 256-byte
 * table of 512 4-bit code lengths (canonical Huffman, max 15 bits), then a bit stream of 16-bit LE
 * words read MSB first; symbols 0-255 are literals, 256-511 matches (low nibble length, high nibble
 * offset bit count), with length escapes as extra bytes in the byte stream.
 */
import { DecompressError } from "./errors.js";
import { copyMatch } from "./lz77.js";

const NAME = "LZ77+Huffman";
const BLOCK = 65536;

function buildTable(input: Buffer, at: number, lengths: Uint8Array, table: Uint16Array): void {
  for (let i = 0; i < 256; i++) {
    const b = input[at + i]!;
    lengths[2 * i] = b & 15;
    lengths[2 * i + 1] = b >>> 4;
  }
  let entry = 0;
  for (let bits = 1; bits <= 15; bits++) {
    for (let sym = 0; sym < 512; sym++) {
      if (lengths[sym] !== bits) continue;
      const count = 1 << (15 - bits);
      if (entry + count > 1 << 15)
        throw new DecompressError(NAME, `over-subscribed Huffman table at byte ${at}`);
      table.fill(sym, entry, entry + count);
      entry += count;
    }
  }
  if (entry !== 1 << 15) throw new DecompressError(NAME, `incomplete Huffman table at byte ${at}`);
}

/**
 * Decompresses exactly `outputSize` bytes (the size the SMB2 header announces; callers bound it).
 * Errors on malformed input, or when the input ends first.
 */
export function lz77HuffmanDecompress(input: Buffer, outputSize: number): Buffer {
  const out = Buffer.alloc(outputSize);
  const lengths = new Uint8Array(512);
  const table = new Uint16Array(1 << 15);
  let op = 0;
  let base = 0;
  while (op < outputSize) {
    if (input.length - base < 256) {
      throw new DecompressError(
        NAME,
        `input ends at byte ${input.length} with ${outputSize - op} bytes to go`,
      );
    }
    buildTable(input, base, lengths, table);
    let ip = base + 256;
    // Past the end, reads give zeros (the stream's own padding); a guard below stops runaway decoding.
    const rd16 = (): number => {
      const v = ip + 1 < input.length ? input.readUInt16LE(ip) : ip < input.length ? input[ip]! : 0;
      ip += 2;
      return v;
    };
    let bits = ((rd16() << 16) | rd16()) >>> 0;
    let extra = 16;
    const blockEnd = Math.min(op + BLOCK, outputSize);
    while (op < blockEnd) {
      if (ip > input.length + 4) throw new DecompressError(NAME, `input exhausted after ${op} output bytes`);
      const sym = table[bits >>> 17]!;
      const len = lengths[sym]!;
      bits = (bits << len) >>> 0;
      extra -= len;
      if (extra < 0) {
        bits = (bits | (rd16() << -extra)) >>> 0;
        extra += 16;
      }
      if (sym < 256) {
        out[op++] = sym;
        continue;
      }
      const m = sym - 256;
      let length = m & 15;
      const offsetBits = m >>> 4;
      if (length === 15) {
        // Escapes: a byte (added to 15); 255 means a 16-bit value that is the whole length - 3,
        // and a 16-bit 0 means a 32-bit one (as Windows and Samba write them).
        if (ip >= input.length) throw new DecompressError(NAME, `match length truncated at byte ${ip}`);
        length = input[ip++]!;
        if (length === 255) {
          if (ip + 2 > input.length) throw new DecompressError(NAME, `match length truncated at byte ${ip}`);
          length = input.readUInt16LE(ip);
          ip += 2;
          if (length === 0) {
            if (ip + 4 > input.length)
              throw new DecompressError(NAME, `match length truncated at byte ${ip}`);
            length = input.readUInt32LE(ip);
            ip += 4;
          }
        } else {
          length += 15;
        }
      }
      length += 3;
      let offset = 1 << offsetBits;
      if (offsetBits > 0) {
        offset += bits >>> (32 - offsetBits);
        bits = (bits << offsetBits) >>> 0;
        extra -= offsetBits;
        if (extra < 0) {
          bits = (bits | (rd16() << -extra)) >>> 0;
          extra += 16;
        }
      }
      op = copyMatch(out, op, offset, length, NAME);
    }
    base = ip;
  }
  return out;
}
