/**
 * LZNT1 decompression (MS-XCA 2.5): chunks of up to 4096 output bytes, each with a 16-bit header
 * (bit 15 compressed, bits 0-11 data size - 1); compressed chunks hold flag bytes (LSB first) and
 * copy tokens whose offset/length split depends on the position inside the chunk.
 */
import { DecompressError } from "./errors.js";
import { copyMatch } from "./lz77.js";

const NAME = "LZNT1";
const CHUNK = 4096;

export function lznt1Decompress(input: Buffer, maxOutput: number): Buffer {
  const out = Buffer.alloc(maxOutput);
  let ip = 0;
  let op = 0;
  while (ip + 2 <= input.length) {
    const header = input.readUInt16LE(ip);
    ip += 2;
    if (header === 0) break; // end marker
    const size = (header & 0x0fff) + 1;
    const end = ip + size;
    if (end > input.length) throw new DecompressError(NAME, `chunk of ${size} bytes truncated at byte ${ip}`);
    if ((header & 0x8000) === 0) {
      if (op + size > maxOutput) throw new DecompressError(NAME, `output exceeds ${maxOutput} bytes`);
      input.copy(out, op, ip, end);
      op += size;
      ip = end;
      continue;
    }
    const chunkStart = op;
    const chunkLimit = Math.min(maxOutput, chunkStart + CHUNK);
    while (ip < end) {
      const flags = input[ip++]!;
      for (let bit = 0; bit < 8 && ip < end; bit++) {
        if ((flags & (1 << bit)) === 0) {
          if (op >= chunkLimit)
            throw new DecompressError(NAME, `chunk output exceeds ${CHUNK} bytes or the limit`);
          out[op++] = input[ip++]!;
          continue;
        }
        if (ip + 2 > end) throw new DecompressError(NAME, `copy token truncated at byte ${ip}`);
        const token = input.readUInt16LE(ip);
        ip += 2;
        const pos = op - chunkStart;
        if (pos === 0) throw new DecompressError(NAME, `copy token at the start of a chunk (byte ${ip - 2})`);
        let lengthBits = 12;
        for (let p = pos - 1; p >= 0x10; p >>= 1) lengthBits--;
        const length = (token & ((1 << lengthBits) - 1)) + 3;
        const offset = (token >>> lengthBits) + 1;
        if (op + length > chunkLimit) {
          throw new DecompressError(NAME, `chunk output exceeds ${CHUNK} bytes or the limit`);
        }
        op = copyMatch(out, op, offset, length, NAME);
      }
    }
  }
  return out.subarray(0, op);
}
