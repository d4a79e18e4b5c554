/**
 * Plain LZ77 decompression (MS-XCA 2.4): 32-bit flag words (MSB first; 0 = literal byte, 1 = match),
 * 16-bit match words (13-bit offset - 1, 3-bit length) with nibble/byte/16-bit/32-bit length escapes.
 */
import { DecompressError } from "./errors.js";

const NAME = "LZ77";

/** Copies a match byte by byte (offset < length repeats), after bound checks. */
export function copyMatch(out: Buffer, op: number, offset: number, length: number, name: string): number {
  if (offset > op)
    throw new DecompressError(name, `match offset ${offset} before the start of the output (at ${op})`);
  if (op + length > out.length) {
    throw new DecompressError(name, `output exceeds ${out.length} bytes (match of ${length} at ${op})`);
  }
  const src = op - offset;
  if (length <= 16) {
    for (let i = 0; i < length; i++) out[op + i] = out[src + i]!;
    return op + length;
  }
  // An overlapping match repeats the last `offset` bytes: copy whole periods, doubling each time,
  // so the source range is always already written.
  let done = 0;
  while (done < length) {
    const n = Math.min(length - done, offset + done - (done % offset));
    out.copyWithin(op + done, src, src + n);
    done += n;
  }
  return op + length;
}

/**
 * Decompresses `input`, producing at most `maxOutput` bytes (an error beyond). Ends where the stream
 * ends (a match flag with no input left); the caller compares the length with what it expected.
 */
export function lz77Decompress(input: Buffer, maxOutput: number): Buffer {
  const out = Buffer.alloc(maxOutput);
  let ip = 0;
  let op = 0;
  let flags = 0;
  let flagCount = 0;
  let halfByte = 0; // position of a pending shared length nibble; 0 = none (0 is always a flag byte)
  const need = (n: number) => {
    if (ip + n > input.length) throw new DecompressError(NAME, `truncated input at byte ${ip}`);
  };
  for (;;) {
    if (flagCount === 0) {
      if (ip + 4 > input.length) break; // no flags left: end of stream
      flags = input.readUInt32LE(ip);
      ip += 4;
      flagCount = 32;
    }
    flagCount--;
    if (((flags >>> flagCount) & 1) === 0) {
      if (ip >= input.length) break;
      if (op >= maxOutput) throw new DecompressError(NAME, `output exceeds ${maxOutput} bytes`);
      out[op++] = input[ip++]!;
      continue;
    }
    if (ip === input.length) break;
    need(2);
    const word = input.readUInt16LE(ip);
    ip += 2;
    let length = word & 7;
    const offset = (word >>> 3) + 1;
    if (length === 7) {
      if (halfByte === 0) {
        need(1);
        length = input[ip]! & 15;
        halfByte = ip++;
      } else {
        length = input[halfByte]! >>> 4;
        halfByte = 0;
      }
      if (length === 15) {
        need(1);
        length = input[ip++]!;
        if (length === 255) {
          need(2);
          length = input.readUInt16LE(ip);
          ip += 2;
          if (length === 0) {
            need(4);
            length = input.readUInt32LE(ip);
            ip += 4;
          }
          if (length < 15 + 7)
            throw new DecompressError(NAME, `invalid match length ${length} at byte ${ip}`);
          length -= 15 + 7;
        }
        length += 15;
      }
      length += 7;
    }
    length += 3;
    op = copyMatch(out, op, offset, length, NAME);
  }
  return out.subarray(0, op);
}
