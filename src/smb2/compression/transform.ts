/**
 * SMB2 COMPRESSION_TRANSFORM_HEADER (MS-SMB2 2.2.42): unchained (Flags 0: one algorithm, an
 * uncompressed prefix of Offset bytes, then the compressed segment) and chained (Flags 1: a sequence
 * of payload headers, each NONE / LZNT1 / LZ77 / LZ77+Huffman / Pattern_V1 / LZ4).
 */
import { DEFAULT_MAX_OUTPUT, DecompressError } from "./errors.js";
import { lz77Decompress } from "./lz77.js";
import { lz77HuffmanDecompress } from "./lz77huffman.js";
import { lznt1Decompress } from "./lznt1.js";
import { patternV1Decompress } from "./pattern.js";

export const COMPRESSION_PROTOCOL_ID = 0x424d53fc; // "\xfcSMB" read little-endian
export const FLAG_CHAINED = 1;

export const CompressionAlgo = {
  NONE: 0,
  LZNT1: 1,
  LZ77: 2,
  LZ77Huffman: 3,
  PatternV1: 4,
  LZ4: 5,
} as const;

export const compressionAlgoNames: Record<number, string> = {
  0: "NONE",
  1: "LZNT1",
  2: "LZ77",
  3: "LZ77+Huffman",
  4: "Pattern_V1",
  5: "LZ4",
};

export interface ChainedPayload {
  algorithm: number;
  flags: number;
  /** Length field: the payload size including OriginalPayloadSize when present. */
  length: number;
  originalPayloadSize?: number;
  /** Offset of this payload header in the PDU. */
  offset: number;
  /** The payload bytes after the header fields (compressed data, raw data or the pattern). */
  data: Buffer;
}

export type CompressionHeader =
  | {
      chained: false;
      originalSize: number;
      algorithm: number;
      flags: number;
      /** Bytes of uncompressed data between the header and the compressed segment. */
      offset: number;
      prefix: Buffer;
      compressed: Buffer;
    }
  | { chained: true; originalSize: number; payloads: ChainedPayload[] };

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export function isCompressionTransform(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === COMPRESSION_PROTOCOL_ID;
}

function hasOriginalSize(algorithm: number): boolean {
  return (
    (algorithm >= CompressionAlgo.LZNT1 && algorithm <= CompressionAlgo.LZ77Huffman) ||
    algorithm === CompressionAlgo.LZ4
  );
}

export function parseCompressionTransform(pdu: Buffer): Result<CompressionHeader> {
  if (!isCompressionTransform(pdu))
    return { ok: false, error: "not a compression transform header (no \\xfcSMB)" };
  if (pdu.length < 16)
    return { ok: false, error: `compression transform header truncated: ${pdu.length} of 16 bytes` };
  const originalSize = pdu.readUInt32LE(4);
  const flags = pdu.readUInt16LE(10);
  if ((flags & FLAG_CHAINED) === 0) {
    const offset = pdu.readUInt32LE(12);
    if (16 + offset > pdu.length) {
      return { ok: false, error: `Offset ${offset} points past the end of the ${pdu.length}-byte message` };
    }
    return {
      ok: true,
      value: {
        chained: false,
        originalSize,
        algorithm: pdu.readUInt16LE(8),
        flags,
        offset,
        prefix: pdu.subarray(16, 16 + offset),
        compressed: pdu.subarray(16 + offset),
      },
    };
  }
  const payloads: ChainedPayload[] = [];
  let at = 8;
  while (at < pdu.length) {
    if (at + 8 > pdu.length) return { ok: false, error: `payload header truncated at byte ${at}` };
    const algorithm = pdu.readUInt16LE(at);
    const pflags = pdu.readUInt16LE(at + 2);
    const length = pdu.readUInt32LE(at + 4);
    const start = at + 8;
    if (start + length > pdu.length) {
      return {
        ok: false,
        error: `payload at byte ${at} (Length ${length}) runs past the end of the message`,
      };
    }
    const p: ChainedPayload = {
      algorithm,
      flags: pflags,
      length,
      offset: at,
      data: pdu.subarray(start, start + length),
    };
    if (hasOriginalSize(algorithm)) {
      if (length < 4)
        return { ok: false, error: `payload at byte ${at}: Length ${length} leaves no OriginalPayloadSize` };
      p.originalPayloadSize = pdu.readUInt32LE(start);
      p.data = pdu.subarray(start + 4, start + length);
    }
    payloads.push(p);
    at = start + length;
  }
  if (payloads.length === 0) return { ok: false, error: "chained compression header without payloads" };
  return { ok: true, value: { chained: true, originalSize, payloads } };
}

/** Decompresses one algorithm's data to exactly `size` bytes. Throws DecompressError. */
export function decompressAlgorithm(
  algorithm: number,
  data: Buffer,
  size: number,
  maxOutput = DEFAULT_MAX_OUTPUT,
): Buffer {
  const name = compressionAlgoNames[algorithm] ?? `algorithm ${algorithm}`;
  if (size > maxOutput)
    throw new DecompressError(name, `announced size ${size} exceeds the limit of ${maxOutput} bytes`);
  let out: Buffer;
  switch (algorithm) {
    case CompressionAlgo.NONE:
      out = data;
      break;
    case CompressionAlgo.LZNT1:
      out = lznt1Decompress(data, size);
      break;
    case CompressionAlgo.LZ77:
      out = lz77Decompress(data, size);
      break;
    case CompressionAlgo.LZ77Huffman:
      out = lz77HuffmanDecompress(data, size);
      break;
    case CompressionAlgo.PatternV1:
      out = patternV1Decompress(data, size);
      break;
    default:
      throw new DecompressError(name, "unsupported compression algorithm");
  }
  if (out.length !== size)
    throw new DecompressError(name, `decompressed to ${out.length} bytes, expected ${size}`);
  return out;
}

export interface DecompressOptions {
  /** Hard cap on the output, whatever the header says (default 16 MiB). */
  maxOutput?: number;
}

export type DecompressResult =
  | { ok: true; data: Buffer; header: CompressionHeader }
  | { ok: false; error: string };

/**
 * Turns a compressed PDU (starting with \xfcSMB) back into the SMB2 message(s) it carries.
 * Never throws: malformed data, unknown algorithms and outputs beyond the header's size or the cap
 * become `{ok:false, error}`.
 */
export function decompressTransform(pdu: Buffer, opts: DecompressOptions = {}): DecompressResult {
  const maxOutput = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  const parsed = parseCompressionTransform(pdu);
  if (!parsed.ok) return parsed;
  const h = parsed.value;
  try {
    if (!h.chained) {
      if (h.algorithm === CompressionAlgo.NONE) {
        return { ok: false, error: "unchained compression header with algorithm NONE" };
      }
      if (h.offset + h.originalSize > maxOutput) {
        return {
          ok: false,
          error: `message of ${h.offset + h.originalSize} bytes exceeds the limit of ${maxOutput}`,
        };
      }
      const body = decompressAlgorithm(h.algorithm, h.compressed, h.originalSize, maxOutput);
      return { ok: true, data: Buffer.concat([h.prefix, body]), header: h };
    }
    const total = h.originalSize;
    if (total > maxOutput)
      return { ok: false, error: `message of ${total} bytes exceeds the limit of ${maxOutput}` };
    const parts: Buffer[] = [];
    let produced = 0;
    for (const p of h.payloads) {
      const remaining = total - produced;
      let size: number;
      if (p.algorithm === CompressionAlgo.NONE) size = p.data.length;
      else if (p.algorithm === CompressionAlgo.PatternV1)
        size = p.data.length >= 8 ? p.data.readUInt32LE(4) : 0;
      else size = p.originalPayloadSize ?? 0;
      if (size > remaining) {
        const name = compressionAlgoNames[p.algorithm] ?? `algorithm ${p.algorithm}`;
        return {
          ok: false,
          error: `${name} payload at byte ${p.offset} yields ${size} bytes, only ${remaining} left of ${total}`,
        };
      }
      const out = decompressAlgorithm(p.algorithm, p.data, size, remaining);
      parts.push(out);
      produced += out.length;
    }
    if (produced !== total)
      return { ok: false, error: `payloads yield ${produced} bytes, header says ${total}` };
    return { ok: true, data: Buffer.concat(parts), header: h };
  } catch (e) {
    if (e instanceof DecompressError) return { ok: false, error: e.message };
    return { ok: false, error: `decompression failed: ${(e as Error).message}` };
  }
}
