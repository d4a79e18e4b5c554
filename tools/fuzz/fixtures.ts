/**
 * Writes the hand-made hostile captures of test/fixtures/fuzz/ (each < 50 KB): the inputs that hit
 * the dissector's limits (compound depth, AndX depth, decompression output) and lying sizes.
 *
 *   node --import tsx tools/fuzz/fixtures.ts [DIR]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { type Rec, writePcap } from "./capfile.js";
import { ethTcp } from "./net.js";
import { Rng } from "./prng.js";
import {
  compoundChain,
  compressedChained,
  compressedUnchained,
  lz77Bomb,
  lznt1Bomb,
  nbss,
  patternPayload,
  smb1AndXChain,
  smb2Header,
  transformHeader,
} from "./smb.js";

/** One client→server connection to port 445 carrying `pdus` (NBSS bodies, or whole NBSS messages). */
export function connection(pdus: Buffer[], framed = false): Buffer {
  const recs: Rec[] = [];
  let seq = 1000;
  pdus.forEach((p, k) => {
    const w = framed ? p : nbss(p);
    for (let at = 0; at < w.length; at += 1448) {
      const seg = w.subarray(at, at + 1448);
      const data = ethTcp([0x0a000001, 49152], [0x0a000002, 445], seq, 1, seg);
      recs.push({ sec: 1_700_000_000 + k, usec: 0, data, origLen: data.length });
      seq += seg.length;
    }
  });
  return writePcap({ linktype: 1, snaplen: 65535, recs });
}

const MiB = 1024 * 1024;

/** A chained compression transform holding `m` uncompressed (algorithm NONE). */
function wrap(m: Buffer): Buffer {
  return compressedChained(m.length, [{ algorithm: 0, data: m }]);
}

/** CREATE request and response (MS-SMB2 2.2.13/2.2.14) whose CreateContextsOffset is `ctxOff`. */
function createPair(ctxOff: number, ctxLen: number): Buffer[] {
  const req = Buffer.alloc(56 + 2);
  req.writeUInt16LE(57, 0);
  req.writeUInt32LE(0x80, 24); // DesiredAccess
  req.writeUInt32LE(1, 36); // CreateDisposition
  req.writeUInt16LE(64 + 56, 44); // NameOffset
  req.writeUInt16LE(2, 46); // NameLength: "a"
  req.writeUInt32LE(ctxOff >>> 0, 48);
  req.writeUInt32LE(ctxLen >>> 0, 52);
  req.write("a", 56, "utf16le");
  const resp = Buffer.alloc(88);
  resp.writeUInt16LE(89, 0);
  resp.fill(0x11, 64, 80); // FileId
  resp.writeUInt32LE(ctxOff >>> 0, 80);
  resp.writeUInt32LE(ctxLen >>> 0, 84);
  return [
    Buffer.concat([smb2Header({ cmd: 5, msgId: 9n }), req]),
    Buffer.concat([smb2Header({ cmd: 5, msgId: 9n, response: true }), resp]),
  ];
}

/** CHANGE_NOTIFY response (MS-SMB2 2.2.36) with OutputBufferOffset `off` and Length `len`. */
function notifyResponse(off: number, len: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(off, 2);
  b.writeUInt32LE(len >>> 0, 4);
  return Buffer.concat([smb2Header({ cmd: 15, msgId: 3n, response: true }), b]);
}

/** Fixture name → capture bytes. */
export function hostileFixtures(): Record<string, Buffer> {
  const rng = new Rng(12);
  const loop = compoundChain(rng, 4);
  loop.writeUInt32LE(0, 72 * 3 + 20);
  loop.writeUInt32LE(0xfffffff8, 72 + 20);
  const selfRef = compoundChain(rng, 2);
  // A compressed message whose payload is another compressed message (16 MiB of 'A').
  const inner = compressedUnchained(16 * MiB - 1, 2, 0, lz77Bomb(16 * MiB - 2));
  const nested = compressedChained(inner.length, [{ algorithm: 0, data: inner }]);
  selfRef.writeUInt32LE(1, 20);
  return {
    "compound-600.pcap": connection([compoundChain(new Rng(1), 600)]),
    "smb1-andx-300.pcap": connection([smb1AndXChain(300)]),
    "lz77-bomb.pcap": connection([
      compressedUnchained(16 * MiB, 2, 0, lz77Bomb(16 * MiB)),
      compressedUnchained(64 * MiB, 2, 0, lz77Bomb(64 * MiB)),
      compressedChained(16 * MiB, [{ algorithm: 2, data: lz77Bomb(0xfffffff0), originalSize: 16 * MiB }]),
    ]),
    "lznt1-bomb.pcap": connection([
      compressedUnchained(16 * MiB, 1, 0, lznt1Bomb(4097)),
      compressedChained(20 * MiB, [{ algorithm: 1, data: lznt1Bomb(2000), originalSize: 20 * MiB }]),
    ]),
    "pattern-bomb.pcap": connection([
      compressedChained(
        0xffffffff,
        Array.from({ length: 40 }, () => ({ algorithm: 4, data: patternPayload(0, 0xffffffff) })),
      ),
      compressedChained(16 * MiB, [
        { algorithm: 0, data: smb2Header() },
        ...Array.from({ length: 40 }, () => ({ algorithm: 4, data: patternPayload(0x41, MiB) })),
      ]),
    ]),
    "nested-compression.pcap": connection([nested, wrap(wrap(wrap(wrap(wrap(smb2Header())))))]),
    "transform-lies.pcap": connection([
      transformHeader(compoundChain(rng, 2), { size: 0 }),
      transformHeader(compoundChain(rng, 2), { size: 0xffffffff }),
      transformHeader(Buffer.alloc(0), { size: 100, sesId: 0n }),
      compressedUnchained(100, 2, 0xffffffff, Buffer.alloc(8)),
      compressedChained(8, [{ algorithm: 0, data: smb2Header(), lengthOverride: 0xffffffff }]),
    ]),
    "compound-next-lies.pcap": connection([loop, selfRef]),
    // Found by the fuzzer: an ExtraInfo node of negative length.
    // Found by the fuzzer: an Out Data node of negative length.
    "notify-offset.pcap": connection([notifyResponse(0xffff, 12), notifyResponse(72, 0xffffffff)]),
    "create-contexts-offset.pcap": connection([
      ...createPair(0x1000000, 0x100),
      ...createPair(0xffffffff, 1),
    ]),
    "nbss-lengths.pcap": connection(
      [
        nbss(smb2Header({ structureSize: 0xffff, next: 0xffffffff })),
        nbss(Buffer.concat([smb2Header(), Buffer.alloc(4)]), 3),
        nbss(smb2Header(), 0),
        nbss(smb2Header({ cmd: 0 }), 0xffffff),
      ],
      true,
    ),
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir =
    process.argv[2] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../test/fixtures/fuzz");
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(hostileFixtures())) {
    fs.writeFileSync(path.join(dir, name), bytes);
    console.log(`${name}: ${bytes.length} bytes`);
  }
}
