/**
 * Buffers for PDU payload copies, carved out of shared slabs. `Buffer.from(b.subarray(...))` per
 * PDU made three Buffer objects and, every 8 KB, a fresh pool ArrayBuffer (Node's pool); a slab
 * makes one Buffer object per copy and a new ArrayBuffer only every SLAB bytes. A slab stays alive
 * while any PDU carved from it does, so it is kept small.
 */

const SLAB = 64 << 10;
/** Bigger requests get their own buffer. */
const SMALL = 4 << 10;

let slab = Buffer.allocUnsafeSlow(SLAB);
let slabAt = 0;

/** An uninitialised `n`-byte buffer. */
export function allocBytes(n: number): Buffer {
  if (n > SMALL) return Buffer.allocUnsafeSlow(n);
  if (slabAt + n > SLAB) {
    slab = Buffer.allocUnsafeSlow(SLAB);
    slabAt = 0;
  }
  const out = slab.subarray(slabAt, slabAt + n);
  slabAt = (slabAt + n + 7) & ~7;
  return out;
}

/**
 * Copies src[from, from+n) to dst[at...]: a loop for a few bytes, else set() from a plain
 * Uint8Array view (cheaper than Buffer.subarray; measured faster than a loop from ~32 bytes on).
 */
export function copyBytes(src: Uint8Array, from: number, dst: Uint8Array, at: number, n: number): void {
  if (n <= 16) for (let i = 0; i < n; i++) dst[at + i] = src[from + i]!;
  else dst.set(new Uint8Array(src.buffer, src.byteOffset + from, n), at);
}

/** A copy of src[from, to). */
export function copyOut(src: Uint8Array, from: number, to: number): Buffer {
  const out = allocBytes(to - from);
  copyBytes(src, from, out, 0, to - from);
  return out;
}
