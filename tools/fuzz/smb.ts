/**
 * Builders of hostile SMB PDUs (NBSS-framed): deep compound chains, compression-transform bombs for
 * each MS-XCA algorithm, transform headers with lying sizes. Formats from MS-SMB2 2.2.1, 2.2.41,
 * 2.2.42 and MS-XCA 2.3/2.5 (plain LZ77, LZNT1), written for the fuzzer only.
 */
import type { Rng } from "./prng.js";

export function nbss(body: Buffer, lengthOverride?: number): Buffer {
  const h = Buffer.alloc(4);
  const len = lengthOverride ?? Math.min(body.length, 0xffffff);
  h[1] = (len >>> 16) & 0xff;
  h.writeUInt16BE(len & 0xffff, 2);
  return Buffer.concat([h, body]);
}

export interface HeaderOpts {
  cmd?: number;
  response?: boolean;
  flags?: number;
  next?: number;
  msgId?: bigint;
  sesId?: bigint;
  tid?: number;
  status?: number;
  structureSize?: number;
}

/** A 64-byte SMB2 sync header. */
export function smb2Header(o: HeaderOpts = {}): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32LE(0x424d53fe, 0);
  h.writeUInt16LE(o.structureSize ?? 64, 4);
  h.writeUInt16LE(1, 6);
  h.writeUInt32LE(o.status ?? 0, 8);
  h.writeUInt16LE(o.cmd ?? 13, 12);
  h.writeUInt16LE(1, 14);
  h.writeUInt32LE(((o.flags ?? 0) | (o.response ? 1 : 0)) >>> 0, 16);
  h.writeUInt32LE((o.next ?? 0) >>> 0, 20);
  h.writeBigUInt64LE(o.msgId ?? 1n, 24);
  h.writeUInt32LE(o.tid ?? 1, 36);
  h.writeBigUInt64LE(o.sesId ?? 0x1122334455667788n, 40);
  return h;
}

/** ECHO request/response body: StructureSize 4, Reserved. */
const ECHO_BODY = Buffer.from([4, 0, 0, 0]);

/**
 * A compound chain of `depth` messages. `related` sets SMB2_FLAGS_RELATED_OPERATIONS on all but the
 * first; `bodies` (whole messages without header, e.g. taken from real captures) vary the commands.
 */
export function compoundChain(rng: Rng, depth: number, bodies: { cmd: number; body: Buffer }[] = []): Buffer {
  const parts: Buffer[] = [];
  const response = rng.chance(0.5);
  const related = rng.chance(0.5);
  for (let i = 0; i < depth; i++) {
    const b = bodies.length && rng.chance(0.3) ? rng.pick(bodies) : { cmd: 13, body: ECHO_BODY };
    const len = 64 + b.body.length;
    const padded = (len + 7) & ~7;
    const last = i === depth - 1;
    const h = smb2Header({
      cmd: b.cmd,
      response,
      flags: related && i > 0 ? 4 : 0,
      next: last ? 0 : padded,
      msgId: BigInt(i + 1),
      sesId: related && i > 0 ? 0xffffffffffffffffn : undefined,
      tid: related && i > 0 ? 0xffffffff : 1,
    });
    parts.push(h, b.body, Buffer.alloc(last ? 0 : padded - len));
  }
  return Buffer.concat(parts);
}

/** Plain LZ77 (MS-XCA 2.3): one literal then one match of `length` bytes at distance 1. */
export function lz77Bomb(length: number): Buffer {
  const b = Buffer.alloc(4 + 1 + 2 + 1 + 1 + 2 + 4);
  b.writeUInt32LE(0x7fffffff, 0); // literal, then matches (MSB first)
  b[4] = 0x41;
  b.writeUInt16LE(7, 5); // distance 1, length field 7: extended
  b[7] = 0x0f; // half-byte 15: extended again
  b[8] = 0xff; // 255: a 16-bit length follows
  b.writeUInt16LE(0, 9); // 0: a 32-bit length follows
  b.writeUInt32LE((length - 3) >>> 0, 11);
  return b;
}

/** LZNT1 (MS-XCA 2.5): `chunks` compressed chunks, each a literal plus a 4095-byte match (4 KiB out). */
export function lznt1Bomb(chunks: number): Buffer {
  const one = Buffer.from([0x03, 0xb0, 0x02, 0x41, 0xfc, 0x0f]);
  return Buffer.concat(Array.from({ length: chunks }, () => one));
}

/** Pattern_V1 payload: one byte repeated `reps` times. */
export function patternPayload(byte: number, reps: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = byte;
  b.writeUInt32LE(reps >>> 0, 4);
  return b;
}

/** Unchained compression transform header (MS-SMB2 2.2.42.1). */
export function compressedUnchained(
  originalSize: number,
  algorithm: number,
  offset: number,
  rest: Buffer,
): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(0x424d53fc, 0);
  h.writeUInt32LE(originalSize >>> 0, 4);
  h.writeUInt16LE(algorithm, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt32LE(offset >>> 0, 12);
  return Buffer.concat([h, rest]);
}

export interface ChainedPart {
  algorithm: number;
  data: Buffer;
  /** OriginalPayloadSize for LZNT1/LZ77/LZ77+Huffman/LZ4. */
  originalSize?: number;
  lengthOverride?: number;
}

/** Chained compression transform (MS-SMB2 2.2.42.2). */
export function compressedChained(originalSize: number, parts: ChainedPart[]): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x424d53fc, 0);
  h.writeUInt32LE(originalSize >>> 0, 4);
  const out: Buffer[] = [h];
  parts.forEach((p, i) => {
    const withSize = p.originalSize !== undefined;
    const ph = Buffer.alloc(withSize ? 12 : 8);
    ph.writeUInt16LE(p.algorithm, 0);
    ph.writeUInt16LE(i === 0 ? 1 : 0, 2);
    ph.writeUInt32LE((p.lengthOverride ?? p.data.length + (withSize ? 4 : 0)) >>> 0, 4);
    if (withSize) ph.writeUInt32LE(p.originalSize! >>> 0, 8);
    out.push(ph, p.data);
  });
  return Buffer.concat(out);
}

/** SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41) over `payload`, with any size it is told to claim. */
export function transformHeader(
  payload: Buffer,
  o: { size?: number; flags?: number; sesId?: bigint } = {},
): Buffer {
  const h = Buffer.alloc(52);
  h.writeUInt32LE(0x424d53fd, 0);
  h.fill(0xab, 4, 20);
  h.fill(0x5a, 20, 36);
  h.writeUInt32LE((o.size ?? payload.length) >>> 0, 36);
  h.writeUInt16LE(o.flags ?? 1, 42);
  h.writeBigUInt64LE(o.sesId ?? 0x1122334455667788n, 44);
  return Buffer.concat([h, payload]);
}

/** One hostile SMB PDU body (without NBSS), chosen by the rng; `name` says what it is. */
export function hostilePdu(rng: Rng, bodies: { cmd: number; body: Buffer }[]): { name: string; pdu: Buffer } {
  const kind = rng.int(9);
  const huge = rng.pick([0xffffffff, 0x7fffffff, 0x10000000, 16 * 1024 * 1024 + 1, 64 * 1024 * 1024]);
  switch (kind) {
    case 0: {
      const depth = rng.pick([2, 64, 511, 512, 513, 1000, 1024, 1025, 2000]);
      return { name: `compound-depth-${depth}`, pdu: compoundChain(rng, depth, bodies) };
    }
    case 1: {
      // NextCommand loops and self-references.
      const m = compoundChain(rng, rng.range(2, 6), bodies);
      const at = 64 * rng.int(2);
      if (at + 24 <= m.length)
        m.writeUInt32LE(rng.pick([0, 1, 8, 63, 64, 0xfffffff8, 0xffffffff, m.length]), at + 20);
      return { name: "compound-bad-next", pdu: m };
    }
    case 2: {
      const len = rng.pick([huge, 16 * 1024 * 1024, 1 << 20]);
      const inner = lz77Bomb(len);
      return {
        name: `lz77-bomb-${len}`,
        pdu: rng.chance(0.5)
          ? compressedUnchained(rng.chance(0.5) ? len : huge, 2, 0, inner)
          : compressedChained(len, [{ algorithm: 2, data: inner, originalSize: len }]),
      };
    }
    case 3: {
      const chunks = rng.pick([16, 1024, 4097, 8000]);
      const inner = lznt1Bomb(chunks);
      const claimed = rng.chance(0.5) ? chunks * 4096 : huge;
      return {
        name: `lznt1-bomb-${chunks}`,
        pdu: rng.chance(0.5)
          ? compressedUnchained(claimed, 1, 0, inner)
          : compressedChained(claimed, [{ algorithm: 1, data: inner, originalSize: claimed }]),
      };
    }
    case 4: {
      const reps = rng.pick([huge, 16 * 1024 * 1024, 0]);
      const n = rng.range(1, 40);
      const parts: ChainedPart[] = Array.from({ length: n }, () => ({
        algorithm: 4,
        data: patternPayload(0, reps),
      }));
      if (rng.chance(0.5)) parts.unshift({ algorithm: 0, data: smb2Header() });
      return {
        name: `pattern-bomb-${n}x${reps}`,
        pdu: compressedChained(rng.chance(0.5) ? huge : reps * n, parts),
      };
    }
    case 5: {
      // Lying payload lengths and sizes in chained headers.
      const parts: ChainedPart[] = [
        { algorithm: 0, data: smb2Header(), lengthOverride: rng.interesting(32) },
        { algorithm: rng.int(7), data: rng.bytes(rng.int(64)), originalSize: rng.interesting(32) },
      ];
      return { name: "chained-bad-lengths", pdu: compressedChained(rng.interesting(32), parts) };
    }
    case 6: {
      // LZ77+Huffman with a random (mostly invalid) table, or Offset past the end.
      const alg = rng.pick([1, 2, 3, 4, 5, 0, 6, 0xffff]);
      return {
        name: `unchained-random-alg-${alg}`,
        pdu: compressedUnchained(rng.interesting(32), alg, rng.interesting(32), rng.bytes(rng.range(0, 600))),
      };
    }
    case 7: {
      // Compression inside compression: the inner message is itself a bomb.
      const inner = compressedUnchained(16 * 1024 * 1024, 2, 0, lz77Bomb(16 * 1024 * 1024));
      return {
        name: "nested-compression",
        pdu: compressedChained(inner.length, [{ algorithm: 0, data: inner }]),
      };
    }
    default: {
      const inner = rng.chance(0.5) ? compoundChain(rng, 3, bodies) : rng.bytes(rng.range(0, 200));
      const size = rng.pick([0, 1, inner.length - 1, inner.length + 1, 0xffffffff, huge]);
      return {
        name: `transform-size-${size}`,
        pdu: transformHeader(inner, {
          size,
          flags: rng.pick([0, 1, 2, 0xffff]),
          sesId: rng.chance(0.5) ? 0n : undefined,
        }),
      };
    }
  }
}

/** An SMB1 PDU of `n` chained LOGOFF_ANDX requests (MS-CIFS 2.2.4.54), 7 bytes per hop. */
export function smb1AndXChain(n: number): Buffer {
  const h = Buffer.alloc(32);
  h.writeUInt32LE(0x424d53ff, 0);
  h[4] = 0x74;
  h[9] = 0x18;
  h.writeUInt16LE(0xc807, 10);
  h.writeUInt16LE(1, 24);
  h.writeUInt16LE(100, 26);
  h.writeUInt16LE(2048, 28);
  h.writeUInt16LE(7, 30);
  const body = Buffer.alloc(7 * n);
  for (let i = 0; i < n; i++) {
    const at = i * 7;
    body[at] = 2;
    body[at + 1] = i === n - 1 ? 0xff : 0x74;
    body.writeUInt16LE(i === n - 1 ? 0 : 32 + 7 * (i + 1), at + 3);
  }
  return Buffer.concat([h, body]);
}
