import assert from "node:assert/strict";
import { createHash } from "node:crypto";
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

import { lz77Compress, lz77HuffmanCompress, lznt1Compress, sampleData } from "./compressors.js";

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

test("Wireshark agrees: tshark 4.0 decompresses the same PDUs to the same bytes", () => {
  const f = JSON.parse(readFileSync(join(fixtures, "compression.json"), "utf8")) as {
    cases: { name: string; pdu: string; tsharkLength: number | null; tsharkSha256: string | null }[];
  };
  assert.equal(f.cases.length, 5);
  for (const c of f.cases) {
    assert.ok(c.tsharkLength, `tshark decompressed ${c.name}`);
    const r = decompressTransform(Buffer.from(c.pdu, "base64"));
    assert.ok(r.ok, `${c.name}: ${r.ok ? "" : r.error}`);
    assert.equal(r.data.length, c.tsharkLength, c.name);
    assert.equal(createHash("sha256").update(r.data).digest("hex"), c.tsharkSha256, c.name);
  }
});
