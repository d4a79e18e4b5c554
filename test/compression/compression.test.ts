import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  CompressionAlgo,
  DecompressError,
  decompressTransform,
  lz77Decompress,
  lz77HuffmanDecompress,
  lznt1Decompress,
  parseCompressionTransform,
  patternV1Decompress,
} from "../../src/smb2/compression/index.js";

const hex = (s: string) => Buffer.from(s.replace(/[\s,]|0x/g, ""), "hex");
const fixtures = join(import.meta.dirname, "../fixtures/crypto");

// ---------- MS-XCA known answers ----------

test("plain LZ77: MS-XCA 3.1 examples", () => {
  const a = hex("3f 00 00 00 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78 79 7a");
  assert.equal(lz77Decompress(a, 26).toString(), "abcdefghijklmnopqrstuvwxyz");
  const b = hex("ff ff ff 1f 61 62 63 17 00 0f ff 26 01");
  assert.equal(lz77Decompress(b, 300).toString(), "abc".repeat(100));
  assert.equal(lz77Decompress(b, 1000).toString(), "abc".repeat(100));
  assert.throws(() => lz77Decompress(b, 299), DecompressError);
});

test("plain LZ77: an 80 KB stream made by Samba's own compressor (lzxpress_compress)", () => {
  const words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"];
  let text = "";
  for (let i = 0; i < 2000; i++)
    text += `line ${i}: ${words[i % 8]} ${words[(i * 7) % 8]} ${"x".repeat(i % 37)}\n`;
  const comp = readFileSync(join(fixtures, "samba-lzxpress.bin"));
  const out = lz77Decompress(comp, text.length);
  assert.equal(out.length, text.length);
  assert.equal(out.toString(), text);
});

const HUFF_ABC = Buffer.concat([
  Buffer.alloc(48),
  hex("30 23"),
  Buffer.alloc(78),
  hex("02"),
  Buffer.alloc(14),
  hex("20"),
  Buffer.alloc(112),
  hex("a8 dc 00 00 ff 26 01"),
]);
const HUFF_ALPHABET = Buffer.concat([
  Buffer.alloc(48),
  hex("50 55 55 55 55 55 55 55 55 55 55 45 44 04"),
  Buffer.alloc(66),
  hex("04"),
  Buffer.alloc(127),
  hex("d8 52 3e d7 94 11 5b e9 19 5f f9 d6 7c df 8d 04 00 00 00 00"),
]);

test("LZ77+Huffman: MS-XCA 3.2 examples", () => {
  assert.equal(HUFF_ABC.length, 263);
  assert.equal(lz77HuffmanDecompress(HUFF_ABC, 300).toString(), "abc".repeat(100));
  assert.equal(HUFF_ALPHABET.length, 276);
  assert.equal(lz77HuffmanDecompress(HUFF_ALPHABET, 26).toString(), "abcdefghijklmnopqrstuvwxyz");
});

test("LZNT1: MS-XCA 3.3 example", () => {
  const comp = hex(`38 b0 88 46 23 20 00 20 47 20 41 00 10 a2 47 01 a0 45 20 44 00 08 45 01 50 79 00 c0
    45 20 05 24 13 88 05 b4 02 4a 44 ef 03 58 02 8c 09 16 01 48 45 00 be 00 9e 00 04 01 18 90 00`);
  const plain =
    "F# F# G A A G F# E D D E F# F# E E F# F# G A A G F# E D D E F# E D D E E F# D E F# G F# D E F# G F# E D E A " +
    "F# F# G A A G F# E D D E F# E D D\0";
  assert.equal(plain.length, 142);
  assert.equal(lznt1Decompress(comp, 4096).toString("latin1"), plain);
  assert.throws(() => lznt1Decompress(comp, 100), DecompressError);
});

// ---------- tiny compressors for round trips ----------

/** Greedy matches (window `maxOff`, lengths up to `maxLen`) with a 3-byte hash chain head. */
function* tokens(data: Buffer, maxOff: number, maxLen: number, start = 0, end = data.length) {
  const head = new Map<number, number>();
  let i = start;
  while (i < end) {
    let best = 0;
    let bestOff = 0;
    if (i + 3 <= end) {
      const key = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16);
      const cand = head.get(key);
      if (cand !== undefined && i - cand <= maxOff) {
        let l = 0;
        while (l < maxLen && i + l < end && data[cand + l] === data[i + l]) l++;
        if (l >= 3) {
          best = l;
          bestOff = i - cand;
        }
      }
      head.set(key, i);
    }
    if (best) {
      yield { match: true as const, off: bestOff, len: best, at: i };
      for (let k = i + 1; k < i + best && k + 3 <= end; k++) {
        head.set(data[k]! | (data[k + 1]! << 8) | (data[k + 2]! << 16), k);
      }
      i += best;
    } else {
      yield { match: false as const, byte: data[i]!, at: i };
      i++;
    }
  }
}

/** MS-XCA 2.3 plain LZ77 compressor (with the shared nibble and all length escapes). */
function lz77Compress(data: Buffer): Buffer {
  const out: number[] = [0, 0, 0, 0];
  let flagPos = 0;
  let flags = 0;
  let flagCount = 0;
  let nibblePos = -1;
  const pushFlag = (bit: number) => {
    flags = (flags << 1) | bit;
    if (++flagCount === 32) {
      const w = Buffer.alloc(4);
      w.writeUInt32LE(flags >>> 0);
      out.splice(flagPos, 4, ...w);
      flagPos = out.length;
      out.push(0, 0, 0, 0);
      flags = 0;
      flagCount = 0;
    }
  };
  for (const t of tokens(data, 8192, 70000)) {
    if (!t.match) {
      out.push(t.byte);
      pushFlag(0);
      continue;
    }
    const l = t.len - 3;
    const w = ((t.off - 1) << 3) | Math.min(l, 7);
    out.push(w & 0xff, w >> 8);
    if (l >= 7) {
      const l2 = l - 7;
      const nib = Math.min(l2, 15);
      if (nibblePos < 0) {
        nibblePos = out.length;
        out.push(nib);
      } else {
        out[nibblePos]! |= nib << 4;
        nibblePos = -1;
      }
      if (l2 >= 15) {
        const l3 = l2 - 15;
        if (l3 < 255) out.push(l3);
        else {
          out.push(255);
          // The 16/32-bit escape carries length - 3 itself.
          if (l <= 0xffff) out.push(l & 0xff, l >> 8);
          else {
            out.push(0, 0);
            const b = Buffer.alloc(4);
            b.writeUInt32LE(l);
            out.push(...b);
          }
        }
      }
    }
    pushFlag(1);
  }
  // Pad the last flag word with 1 bits: the decoder stops at a match flag with no input left.
  const pad = 32 - flagCount;
  const w = Buffer.alloc(4);
  w.writeUInt32LE((((flags << pad) >>> 0) | ((2 ** pad - 1) >>> 0)) >>> 0);
  out.splice(flagPos, 4, ...w);
  return Buffer.from(out);
}

/** MS-XCA 2.5 LZNT1 compressor: 4 KB chunks, uncompressed chunks when compression does not pay. */
function lznt1Compress(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0; c < data.length; c += 4096) {
    const end = Math.min(c + 4096, data.length);
    const body: number[] = [];
    let flagIdx = -1;
    let bit = 8;
    for (const t of tokens(data, 4096, 4096, c, end)) {
      if (bit === 8) {
        flagIdx = body.length;
        body.push(0);
        bit = 0;
      }
      const pos = t.at - c;
      if (!t.match || pos === 0) {
        body.push(t.match ? data[t.at]! : t.byte);
        bit++;
        if (t.match) throw new Error("unreachable");
        continue;
      }
      // Split long matches into tokens that fit the position-dependent offset/length split.
      let done = 0;
      while (done < t.len) {
        if (bit === 8) {
          flagIdx = body.length;
          body.push(0);
          bit = 0;
        }
        const p = pos + done;
        let lengthBits = 12;
        for (let q = p - 1; q >= 0x10; q >>= 1) lengthBits--;
        const len = Math.min(t.len - done, (1 << lengthBits) + 2);
        if (len < 3 || t.off > 1 << (16 - lengthBits)) {
          body.push(data[t.at + done]!);
          bit++;
          done++;
          continue;
        }
        const token = ((t.off - 1) << lengthBits) | (len - 3);
        body[flagIdx]! |= 1 << bit;
        body.push(token & 0xff, token >> 8);
        bit++;
        done += len;
      }
    }
    const raw = data.subarray(c, end);
    const hdr = Buffer.alloc(2);
    if (body.length < raw.length) {
      hdr.writeUInt16LE(0xb000 | (body.length - 1));
      parts.push(hdr, Buffer.from(body));
    } else {
      hdr.writeUInt16LE(0x3000 | (raw.length - 1));
      parts.push(hdr, raw);
    }
  }
  return Buffer.concat(parts);
}

/**
 * LZ77+Huffman with every symbol 9 bits long (a complete canonical code: code = symbol). Long-match
 * length bytes go where the decoder reads them: after the 16-bit words it has fetched by then (two at
 * the block start, one more each time its 16 spare bits run out).
 */
function lz77HuffmanCompress(data: Buffer, maxLen = 17): Buffer {
  const parts: Buffer[] = [];
  // A block ends after 65536 output bytes, or after the match that crosses that point.
  for (let b = 0; b < data.length; ) {
    const words: number[] = [];
    const inserts: { afterWords: number; bytes: number[] }[] = [];
    let acc = 0;
    let nbits = 0;
    let total = 0;
    const put = (v: number, n: number) => {
      for (let i = n - 1; i >= 0; i--) {
        acc = (acc << 1) | ((v >> i) & 1);
        if (++nbits === 16) {
          words.push(acc);
          acc = 0;
          nbits = 0;
        }
      }
      total += n;
    };
    const wordsRead = () => 2 + Math.max(0, Math.ceil((total - 16) / 16));
    let next = data.length;
    for (const t of tokens(data, 65535, maxLen, b, data.length)) {
      if (t.at >= b + 65536) {
        next = t.at;
        break;
      }
      if (!t.match) {
        put(t.byte, 9);
        continue;
      }
      const ob = 31 - Math.clz32(t.off);
      const l = t.len - 3;
      put(256 + Math.min(l, 15) + (ob << 4), 9);
      if (l >= 15) {
        let bytes: number[];
        if (l - 15 < 255) bytes = [l - 15];
        else if (l <= 0xffff) bytes = [255, l & 0xff, l >> 8];
        else bytes = [255, 0, 0, l & 0xff, (l >>> 8) & 0xff, (l >>> 16) & 0xff, l >>> 24];
        inserts.push({ afterWords: wordsRead(), bytes });
      }
      if (ob) put(t.off - (1 << ob), ob);
    }
    if (nbits) words.push(acc << (16 - nbits));
    // The decoder reads ceil(bits / 16) + 1 words of a block before the next table.
    while (words.length < Math.ceil(total / 16) + 1) words.push(0);
    const out: number[] = [];
    let k = 0;
    for (let w = 0; w <= words.length; w++) {
      while (k < inserts.length && inserts[k]!.afterWords === w) out.push(...inserts[k++]!.bytes);
      if (w < words.length) out.push(words[w]! & 0xff, words[w]! >> 8);
    }
    parts.push(Buffer.alloc(256, 0x99), Buffer.from(out));
    b = next;
  }
  return Buffer.concat(parts);
}

function sampleData(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    // Mostly text-like with repeats, some noise, some long runs.
    if (i % 5000 < 1200) b[i] = 0x41;
    else if (i > 64 && x % 4 !== 0) b[i] = b[i - 1 - (x % 60)]!;
    else b[i] = 32 + ((x >>> 24) % 90);
  }
  return b;
}

test("round trips through the test compressors", () => {
  for (const [n, seed] of [
    [0, 1],
    [1, 2],
    [100, 3],
    [4096, 4],
    [4097, 5],
    [70000, 6],
    [200_000, 7],
  ] as const) {
    const d = sampleData(n, seed);
    assert.deepEqual(lz77Decompress(lz77Compress(d), n), d, `lz77 ${n}`);
    assert.deepEqual(lznt1Decompress(lznt1Compress(d), n), d, `lznt1 ${n}`);
    if (n > 0) assert.deepEqual(lz77HuffmanDecompress(lz77HuffmanCompress(d), n), d, `huffman ${n}`);
  }
  // Long runs exercise the 8-, 16- and 32-bit length escapes of LZ77 and LZ77+Huffman.
  for (const n of [30, 300, 70_000, 300_000]) {
    const d = Buffer.concat([
      Buffer.from("xyz"),
      Buffer.alloc(n, 7),
      Buffer.from("tail"),
      sampleData(3000, n),
    ]);
    const c = lz77Compress(d);
    assert.deepEqual(lz77Decompress(c, d.length), d);
    const h = lz77HuffmanCompress(d, 200_000);
    assert.deepEqual(lz77HuffmanDecompress(h, d.length), d, `huffman run ${n}`);
  }
  const mixed = sampleData(150_000, 11);
  assert.deepEqual(lz77HuffmanDecompress(lz77HuffmanCompress(mixed, 1000), mixed.length), mixed);
});

// ---------- SMB2 compression transform ----------

function unchained(
  algorithm: number,
  original: Buffer,
  prefixLen: number,
  compress: (b: Buffer) => Buffer,
): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(0x424d53fc, 0);
  h.writeUInt32LE(original.length - prefixLen, 4);
  h.writeUInt16LE(algorithm, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt32LE(prefixLen, 12);
  return Buffer.concat([h, original.subarray(0, prefixLen), compress(original.subarray(prefixLen))]);
}

function payload(algorithm: number, flags: number, body: Buffer, originalSize?: number): Buffer {
  const h = Buffer.alloc(originalSize === undefined ? 8 : 12);
  h.writeUInt16LE(algorithm, 0);
  h.writeUInt16LE(flags, 2);
  h.writeUInt32LE(body.length + (originalSize === undefined ? 0 : 4), 4);
  if (originalSize !== undefined) h.writeUInt32LE(originalSize, 8);
  return Buffer.concat([h, body]);
}

function chained(total: number, ...payloads: Buffer[]): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32LE(0x424d53fc, 0);
  h.writeUInt32LE(total, 4);
  return Buffer.concat([h, ...payloads]);
}

const smbMessage = Buffer.concat([hex("fe534d42 4000"), Buffer.alloc(58), sampleData(5000, 9)]);

test("unchained transform: LZ77, LZNT1, LZ77+Huffman with an uncompressed prefix", () => {
  for (const [algo, fn] of [
    [CompressionAlgo.LZ77, lz77Compress],
    [CompressionAlgo.LZNT1, lznt1Compress],
    [CompressionAlgo.LZ77Huffman, lz77HuffmanCompress],
  ] as const) {
    const pdu = unchained(algo, smbMessage, 64, fn);
    const r = decompressTransform(pdu);
    assert.ok(r.ok, r.ok ? "" : r.error);
    assert.deepEqual(r.data, smbMessage);
    assert.ok(!r.header.chained && r.header.offset === 64);
  }
});

test("chained transform: NONE + LZ77 + Pattern_V1 (the shape Windows sends for READ responses)", () => {
  const header = smbMessage.subarray(0, 80);
  const data = smbMessage.subarray(80);
  const pattern = hex("00 00 0000 00100000"); // 4096 zero bytes
  const pdu = chained(
    smbMessage.length + 4096,
    payload(CompressionAlgo.NONE, 1, header),
    payload(CompressionAlgo.LZ77, 0, lz77Compress(data), data.length),
    payload(CompressionAlgo.PatternV1, 0, pattern),
  );
  const r = decompressTransform(pdu);
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.deepEqual(r.data, Buffer.concat([smbMessage, Buffer.alloc(4096)]));
  const p = parseCompressionTransform(pdu);
  assert.ok(p.ok && p.value.chained && p.value.payloads.length === 3);
  assert.equal(p.ok && p.value.chained && p.value.payloads[1]!.originalPayloadSize, data.length);
});

test("bombs and malformed input give clear errors, fast, never throw", () => {
  const t0 = Date.now();
  const err = (pdu: Buffer, opts?: { maxOutput?: number }) => {
    const r = decompressTransform(pdu, opts);
    assert.equal(r.ok, false);
    return r.ok ? "" : r.error;
  };
  // Pattern_V1 claiming 4 GiB.
  assert.match(
    err(chained(0xffffffff, payload(CompressionAlgo.PatternV1, 1, hex("41 00 0000 ffffffff")))),
    /exceeds the limit/,
  );
  // A header announcing more than the cap.
  assert.match(
    err(unchained(CompressionAlgo.LZ77, smbMessage, 0, lz77Compress), { maxOutput: 1000 }),
    /exceeds the limit/,
  );
  // Pattern payload bigger than the header's total.
  assert.match(
    err(chained(100, payload(CompressionAlgo.PatternV1, 1, hex("41 00 0000 00010000")))),
    /only 100 left/,
  );
  // An LZ77 stream whose matches expand past the announced size: a million-byte run declared as 10.
  const run = lz77Compress(Buffer.concat([Buffer.from("a"), Buffer.alloc(1_000_000, 0x61)]));
  const bomb = Buffer.concat([hex("fc534d42 0a000000 0200 0000 00000000"), run]);
  assert.match(err(bomb), /exceeds 10 bytes/);
  // Each decompressor on garbage and truncations.
  let x = 12345;
  for (let i = 0; i < 2000; i++) {
    const n = i % 700;
    const g = Buffer.alloc(n);
    for (let k = 0; k < n; k++) {
      x = (x * 1103515245 + 12345) >>> 0;
      g[k] = x >>> 24;
    }
    for (const fn of [lz77Decompress, lznt1Decompress, lz77HuffmanDecompress, patternV1Decompress]) {
      try {
        fn(g, 5000);
      } catch (e) {
        assert.ok(e instanceof DecompressError, String(e));
      }
    }
    const pdu = Buffer.concat([hex("fc534d42"), g]);
    decompressTransform(pdu);
  }
  const good = unchained(CompressionAlgo.LZ77Huffman, smbMessage, 64, lz77HuffmanCompress);
  for (let cut = 0; cut < good.length; cut += 37) decompressTransform(good.subarray(0, cut));
  assert.match(err(good.subarray(0, 10)), /truncated/);
  assert.match(err(hex("fc534d42 10000000 0500 0000 00000000 00")), /unsupported/);
  assert.match(err(hex("fe534d42")), /not a compression/);
  assert.match(err(chained(5, hex("0000 0100 ff000000"))), /runs past the end/);
  // Huffman table that is not a valid code.
  assert.throws(() => lz77HuffmanDecompress(Buffer.alloc(300), 10), /incomplete Huffman table/);
  assert.throws(() => lz77HuffmanDecompress(Buffer.alloc(300, 0x11), 10), /over-subscribed/);
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
});
