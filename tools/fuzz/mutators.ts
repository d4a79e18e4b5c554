/**
 * Structure-aware mutators. A case is built from a seed capture by 1-3 record/TCP/SMB mutators on
 * the parsed records, serialised as pcap (possibly with lying record headers), and sometimes a
 * final file-level mutation of the bytes (truncation, bit flips, pcapng block lengths).
 */
import { type Cap, cloneCap, type Rec, writePcap } from "./capfile.js";
import { decryptTransform, encryptTransform, transformKeys } from "./crypt.js";
import { ethTcp, locateTcp, type TcpLoc, withPayload } from "./net.js";
import type { Rng } from "./prng.js";
import { compoundChain, hostilePdu, nbss } from "./smb.js";

export interface Seed {
  name: string;
  /** The file's own bytes (pcapng and gzip seeds keep their format for file-level mutators). */
  raw: Buffer;
  /** Normalised, trimmed records. */
  cap: Cap;
  /** Key file text to open it with, if any. */
  keys?: string;
}

export interface Case {
  bytes: Buffer;
  /** Mutators applied, in order. */
  ops: string[];
}

interface Work {
  cap: Cap;
  /** Record-header lies applied at serialisation. */
  lies: Map<number, { incl?: number; orig?: number }>;
  ops: string[];
  /** SMB2 message bodies seen in seeds, to vary synthetic chains. */
  bodies: { cmd: number; body: Buffer }[];
  /** Transform keys of the seed (ServerIn/ServerOut), for re-encryption. */
  keys: Buffer[];
}

type Mutator = (rng: Rng, w: Work) => void;

// ---------------------------------------------------------------- helpers

interface SmbFrame {
  i: number;
  loc: TcpLoc;
  /** Offset of the NBSS header in the frame. */
  nb: number;
}

/** Frames whose TCP payload starts with an NBSS header and an SMB magic. */
function smbFrames(cap: Cap): SmbFrame[] {
  const out: SmbFrame[] = [];
  cap.recs.forEach((r, i) => {
    const loc = locateTcp(cap.linktype, r.data);
    if (!loc || loc.end - loc.payload < 8) return;
    const d = r.data;
    const p = loc.payload;
    if (d[p] === 0 && d[p + 5] === 0x53 && d[p + 6] === 0x4d && d[p + 7] === 0x42 && d[p + 4]! >= 0xfc)
      out.push({ i, loc, nb: p });
  });
  return out;
}

function tcpFrames(cap: Cap): { i: number; loc: TcpLoc }[] {
  const out: { i: number; loc: TcpLoc }[] = [];
  cap.recs.forEach((r, i) => {
    const loc = locateTcp(cap.linktype, r.data);
    if (loc) out.push({ i, loc });
  });
  return out;
}

function setInt(d: Buffer, at: number, bytes: 1 | 2 | 4, v: number): void {
  if (at < 0 || at + bytes > d.length) return;
  if (bytes === 1) d[at] = v & 0xff;
  else if (bytes === 2) d.writeUInt16LE(v & 0xffff, at);
  else d.writeUInt32LE(v >>> 0, at);
}

function interestingFor(rng: Rng, bytes: 1 | 2 | 4, current: number): number {
  const r = rng.int(4);
  if (r === 0) return (current + rng.pick([1, -1, 8, -8, 64, -64])) >>> 0;
  return rng.interesting(bytes === 1 ? 8 : bytes === 2 ? 16 : 32);
}

function readInt(d: Buffer, at: number, bytes: 1 | 2 | 4): number {
  if (at < 0 || at + bytes > d.length) return 0;
  return bytes === 1 ? d[at]! : bytes === 2 ? d.readUInt16LE(at) : d.readUInt32LE(at);
}

// ---------------------------------------------------------------- record level

const truncateRecords: Mutator = (rng, w) => {
  const n = w.cap.recs.length;
  if (!n) return;
  const k = rng.range(1, Math.min(8, n));
  for (let j = 0; j < k; j++) {
    const r = rng.pick(w.cap.recs);
    const cut = rng.int(r.data.length + 1);
    r.origLen = Math.max(r.origLen, r.data.length);
    r.data = r.data.subarray(0, cut);
  }
  w.ops.push(`truncate-records(${k})`);
};

const bogusRecordLengths: Mutator = (rng, w) => {
  const n = w.cap.recs.length;
  if (!n) return;
  const i = rng.int(n);
  const r = w.cap.recs[i]!;
  const which = rng.int(3);
  if (which === 0)
    w.lies.set(i, {
      incl: rng.pick([0, 0xffffffff, 0x7fffffff, r.data.length + rng.range(1, 100000), 262145]),
    });
  else if (which === 1) w.lies.set(i, { orig: rng.pick([0, 1, 0xffffffff, r.data.length - 1]) });
  else w.lies.set(i, { incl: Math.max(0, r.data.length - rng.range(1, 16)) });
  w.ops.push(`bogus-record-length(${i})`);
};

const snaplenGames: Mutator = (rng, w) => {
  const snap = rng.pick([0, 1, 14, 54, 64, 96, 128, 200, 65535, 0xffffffff]);
  w.cap.snaplen = snap;
  if (snap > 0 && snap < 0xffff && rng.chance(0.7)) {
    for (const r of w.cap.recs) {
      if (r.data.length > snap) {
        r.origLen = Math.max(r.origLen, r.data.length);
        r.data = r.data.subarray(0, snap);
      }
    }
  }
  w.ops.push(`snaplen(${snap})`);
};

const weirdTimestamps: Mutator = (rng, w) => {
  for (const r of w.cap.recs) {
    if (!rng.chance(0.2)) continue;
    r.sec = rng.pick([0, 0xffffffff, 0x7fffffff, r.sec - 1000]);
    r.usec = rng.pick([0, 999999, 1000000, 0xffffffff]);
  }
  w.ops.push("timestamps");
};

const flipHeaderBits: Mutator = (rng, w) => {
  if (!w.cap.recs.length) return;
  const n = rng.range(1, 12);
  for (let j = 0; j < n; j++) {
    const r = rng.pick(w.cap.recs);
    if (!r?.data.length) continue;
    const at = rng.int(Math.min(r.data.length, 80));
    r.data = Buffer.from(r.data);
    r.data[at]! ^= 1 << rng.int(8);
  }
  w.ops.push(`flip-header-bits(${n})`);
};

const flipPayloadBits: Mutator = (rng, w) => {
  if (!w.cap.recs.length) return;
  const n = rng.range(1, 40);
  for (let j = 0; j < n; j++) {
    const r = rng.pick(w.cap.recs);
    if (!r?.data.length) continue;
    const at = rng.int(r.data.length);
    r.data = Buffer.from(r.data);
    r.data[at] = rng.chance(0.5) ? r.data[at]! ^ (1 << rng.int(8)) : rng.u32() & 0xff;
  }
  w.ops.push(`flip-bits(${n})`);
};

const spliceRecords: Mutator = (rng, w) => {
  const rs = w.cap.recs;
  if (rs.length < 2) return;
  const a = rng.int(rs.length);
  const len = rng.range(1, Math.min(20, rs.length - a));
  const chunk = rs.slice(a, a + len).map((r) => ({ ...r }));
  rs.splice(rng.int(rs.length + 1), 0, ...chunk);
  w.ops.push(`splice-records(${a},${len})`);
};

const dropTail: Mutator = (rng, w) => {
  const keep = rng.int(w.cap.recs.length + 1);
  w.cap.recs.length = keep;
  w.ops.push(`keep-records(${keep})`);
};

// ---------------------------------------------------------------- TCP level

const outOfOrderStorm: Mutator = (rng, w) => {
  const rs = w.cap.recs;
  if (rs.length < 3) return;
  const start = rng.int(rs.length);
  const span = rng.range(2, Math.min(64, rs.length - start + 1));
  const win = rs.slice(start, start + span);
  for (let i = win.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [win[i], win[j]] = [win[j]!, win[i]!];
  }
  rs.splice(start, win.length, ...win);
  w.ops.push(`ooo-storm(${start},${win.length})`);
};

const duplicateSegments: Mutator = (rng, w) => {
  const rs = w.cap.recs;
  const n = rng.range(1, 20);
  for (let j = 0; j < n && rs.length; j++) {
    const i = rng.int(rs.length);
    const copy: Rec = { ...rs[i]!, data: Buffer.from(rs[i]!.data) };
    // A retransmission with different content (overlap conflict) now and then.
    if (rng.chance(0.3) && copy.data.length > 60) copy.data[rng.range(54, copy.data.length - 1)]! ^= 0xff;
    rs.splice(rng.range(i, Math.min(rs.length, i + 10)), 0, copy);
  }
  w.ops.push(`duplicate(${n})`);
};

const dropSegments: Mutator = (rng, w) => {
  const rs = w.cap.recs;
  const n = rng.range(1, 10);
  for (let j = 0; j < n && rs.length; j++) rs.splice(rng.int(rs.length), 1);
  w.ops.push(`drop(${n})`);
};

/** Splits one segment's payload in two segments (sequence numbers right), then maybe swaps them. */
const splitSegment: Mutator = (rng, w) => {
  const fs = tcpFrames(w.cap).filter((f) => f.loc.end - f.loc.payload > 1);
  if (!fs.length) return;
  const f = rng.pick(fs);
  const r = w.cap.recs[f.i]!;
  const pay = r.data.subarray(f.loc.payload, f.loc.end);
  const cut = rng.range(1, pay.length - 1);
  const a: Rec = { ...r, data: withPayload(r.data, f.loc, pay.subarray(0, cut)) };
  const b: Rec = { ...r, data: withPayload(r.data, f.loc, pay.subarray(cut), f.loc.seq + cut) };
  a.origLen = a.data.length;
  b.origLen = b.data.length;
  w.cap.recs.splice(f.i, 1, ...(rng.chance(0.5) ? [b, a] : [a, b]));
  w.ops.push(`split-segment(${f.i},${cut})`);
};

const tcpFlagsAndSeq: Mutator = (rng, w) => {
  const fs = tcpFrames(w.cap);
  if (!fs.length) return;
  const n = rng.range(1, 6);
  for (let j = 0; j < n; j++) {
    const f = rng.pick(fs);
    const r = w.cap.recs[f.i]!;
    r.data = Buffer.from(r.data);
    const what = rng.int(4);
    if (what === 0) r.data[f.loc.tcp + 13] = rng.pick([0x02, 0x12, 0x04, 0x01, 0x11, 0x14, 0xff, 0]);
    else if (what === 1) r.data.writeUInt32BE(rng.u32(), f.loc.tcp + 4);
    else if (what === 2)
      r.data.writeUInt32BE(
        (f.loc.seq + rng.pick([1, -1, 0x7fffffff, 0x80000000, 1460])) >>> 0,
        f.loc.tcp + 4,
      );
    else r.data[f.loc.tcp + 12] = rng.int(256);
  }
  w.ops.push(`tcp-fields(${n})`);
};

/** Shifts every sequence number of the capture so streams wrap past 2^32. */
const seqWrap: Mutator = (rng, w) => {
  const delta = (0x100000000 - rng.range(1, 4000)) >>> 0;
  for (const f of tcpFrames(w.cap)) {
    const r = w.cap.recs[f.i]!;
    r.data = Buffer.from(r.data);
    r.data.writeUInt32BE((f.loc.seq + delta) >>> 0, f.loc.tcp + 4);
    const ack = r.data.readUInt32BE(f.loc.tcp + 8);
    r.data.writeUInt32BE((ack + delta) >>> 0, f.loc.tcp + 8);
  }
  w.ops.push("seq-wrap");
};

// ---------------------------------------------------------------- SMB level

/** SMB2 header fields (offset from the SMB2 header, width). */
const SMB2_FIELDS: [number, 1 | 2 | 4][] = [
  [4, 2], // StructureSize
  [6, 2], // CreditCharge
  [8, 4], // Status
  [12, 2], // Command
  [14, 2], // Credits
  [16, 4], // Flags
  [20, 4], // NextCommand
  [24, 4], // MessageId
  [32, 4], // ProcessId / AsyncId
  [36, 4], // TreeId
  [40, 4], // SessionId
];

const nbssLength: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap);
  if (!fs.length) return;
  const f = rng.pick(fs);
  const r = w.cap.recs[f.i]!;
  r.data = Buffer.from(r.data);
  const cur = (r.data[f.nb + 1]! << 16) | r.data.readUInt16BE(f.nb + 2);
  const v = rng.pick([0, 1, 4, 63, 64, 0xffffff, 0x1ffff, cur - 1, cur + 1, cur * 2]) & 0x1ffffff;
  r.data[f.nb + 1] = (v >>> 16) & 0xff;
  r.data.writeUInt16BE(v & 0xffff, f.nb + 2);
  if (rng.chance(0.2)) r.data[f.nb] = rng.pick([0x85, 0x81, 0x82, 0x01]);
  w.ops.push(`nbss-length(${f.i},${v})`);
};

const smbHeaderFields: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap);
  if (!fs.length) return;
  const n = rng.range(1, 4);
  for (let j = 0; j < n; j++) {
    const f = rng.pick(fs);
    const r = w.cap.recs[f.i]!;
    r.data = Buffer.from(r.data);
    const h = f.nb + 4;
    if (r.data[h] === 0xfe) {
      const [off, bytes] = rng.pick(SMB2_FIELDS);
      let v = interestingFor(rng, bytes, readInt(r.data, h + off, bytes));
      if (off === 12 && rng.chance(0.7)) v = rng.int(0x14);
      if (off === 16 && rng.chance(0.6)) v = readInt(r.data, h + 16, 4) ^ rng.pick([1, 2, 4, 8, 0x10000000]);
      setInt(r.data, h + off, bytes, v);
      w.ops.push(`smb2-header(${f.i},+${off}=${v})`);
    } else if (r.data[h] === 0xff) {
      // SMB1: Command, Status, Flags, Flags2, TID, UID, MID, WordCount.
      const [off, bytes] = rng.pick<[number, 1 | 2 | 4]>([
        [4, 1],
        [5, 4],
        [9, 1],
        [10, 2],
        [24, 2],
        [28, 2],
        [30, 2],
        [32, 1],
      ]);
      const v = off === 4 ? rng.int(256) : interestingFor(rng, bytes, readInt(r.data, h + off, bytes));
      setInt(r.data, h + off, bytes, v);
      w.ops.push(`smb1-header(${f.i},+${off}=${v})`);
    } else {
      // Transform headers: OriginalMessageSize / OriginalSize / Offset / algorithm / flags.
      const [off, bytes] = rng.pick<[number, 1 | 2 | 4]>([
        [4, 4],
        [8, 2],
        [10, 2],
        [12, 4],
        [36, 4],
        [42, 2],
        [44, 4],
      ]);
      const v = rng.interesting(bytes === 2 ? 16 : 32);
      setInt(r.data, h + off, bytes, v);
      w.ops.push(`transform-header(${f.i},+${off}=${v})`);
    }
  }
};

/** Offsets/lengths inside SMB bodies: interesting values at aligned positions after the header. */
const smbBodyFields: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap);
  if (!fs.length) return;
  const n = rng.range(1, 8);
  for (let j = 0; j < n; j++) {
    const f = rng.pick(fs);
    const r = w.cap.recs[f.i]!;
    r.data = Buffer.from(r.data);
    const h = f.nb + 4;
    const hdr = r.data[h] === 0xfe ? 64 : r.data[h] === 0xff ? 32 : 16;
    const bodyAt = h + hdr;
    const span = f.loc.end - bodyAt;
    if (span < 2) continue;
    const bytes = rng.pick<1 | 2 | 4>([1, 2, 2, 4, 4]);
    // Length/offset fields cluster near the start of bodies: bias there.
    const at = bodyAt + (rng.chance(0.7) ? rng.int(Math.min(span, 48)) & ~1 : rng.int(span));
    const v =
      at === bodyAt && rng.chance(0.5)
        ? rng.pick([0, 1, 0xffff, 0x41, 9])
        : interestingFor(rng, bytes, readInt(r.data, at, bytes));
    setInt(r.data, at, bytes, v);
  }
  w.ops.push(`smb-body-fields(${n})`);
};

/** Truncates the TCP payload of an SMB frame (the NBSS length now lies; later bytes shift in). */
const truncateSmbPayload: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap);
  if (!fs.length) return;
  const f = rng.pick(fs);
  const r = w.cap.recs[f.i]!;
  const pay = r.data.subarray(f.loc.payload, f.loc.end);
  const cut = rng.int(pay.length);
  r.data = withPayload(r.data, f.loc, pay.subarray(0, cut));
  r.origLen = r.data.length;
  w.ops.push(`truncate-smb(${f.i},${cut})`);
};

/** Bytes of one SMB payload pasted over another's (same length, so TCP stays consistent). */
const spliceSmbPayload: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap);
  if (fs.length < 2) return;
  const a = rng.pick(fs);
  const b = rng.pick(fs);
  const ra = w.cap.recs[a.i]!;
  const rb = w.cap.recs[b.i]!;
  ra.data = Buffer.from(ra.data);
  const from = b.nb + 4 + rng.int(Math.max(1, b.loc.end - b.nb - 4));
  const to = a.nb + 4 + rng.int(Math.max(1, a.loc.end - a.nb - 4));
  const n = Math.min(rb.data.length - from, a.loc.end - to, rng.range(1, 256));
  if (n > 0) rb.data.copy(ra.data, to, from, from + n);
  w.ops.push(`splice-smb(${b.i}->${a.i},${n})`);
};

/**
 * Appends a synthetic TCP connection to port 445 carrying hostile PDUs (deep compounds, bombs,
 * lying transforms), segmented at 1448 bytes, as the client and the server in turn.
 */
const hostileConnection: Mutator = (rng, w) => {
  const cli: [number, number] = [0x0a000001, 40000 + rng.int(20000)];
  const srv: [number, number] = [0x0a000002, 445];
  let cseq = rng.u32();
  let sseq = rng.u32();
  const recs: Rec[] = [];
  const base = w.cap.recs.at(-1) ?? { sec: 1_700_000_000, usec: 0 };
  const push = (d: Buffer) => recs.push({ sec: base.sec, usec: base.usec, data: d, origLen: d.length });
  if (rng.chance(0.5)) {
    push(ethTcp(cli, srv, cseq, 0, Buffer.alloc(0), 0x02));
    push(ethTcp(srv, cli, sseq, cseq + 1, Buffer.alloc(0), 0x12));
    cseq = (cseq + 1) >>> 0;
    sseq = (sseq + 1) >>> 0;
    push(ethTcp(cli, srv, cseq, sseq, Buffer.alloc(0), 0x10));
  }
  const n = rng.range(1, 4);
  const names: string[] = [];
  for (let j = 0; j < n; j++) {
    const { name, pdu } = hostilePdu(rng, w.bodies);
    names.push(name);
    const wire = nbss(pdu, rng.chance(0.1) ? rng.pick([0, 0xffffff, pdu.length + 1]) : undefined);
    const fromClient = rng.chance(0.6);
    for (let at = 0; at < wire.length; at += 1448) {
      const seg = wire.subarray(at, at + 1448);
      if (fromClient) {
        push(ethTcp(cli, srv, cseq, sseq, seg));
        cseq = (cseq + seg.length) >>> 0;
      } else {
        push(ethTcp(srv, cli, sseq, cseq, seg));
        sseq = (sseq + seg.length) >>> 0;
      }
    }
  }
  // The hostile connection needs an Ethernet capture; other link types get a fresh capture.
  if (w.cap.linktype !== 1) {
    w.cap.linktype = 1;
    w.cap.recs = [];
  }
  w.cap.recs.splice(rng.int(w.cap.recs.length + 1), 0, ...recs);
  w.ops.push(`hostile-conn(${names.join(",")})`);
};

/** Replaces one real SMB2 PDU with a deep compound chain of the same messages (TCP seqs shifted). */
const deepCompoundInPlace: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap).filter((f) => w.cap.recs[f.i]!.data[f.nb + 4] === 0xfe);
  if (!fs.length) return;
  const f = rng.pick(fs);
  const r = w.cap.recs[f.i]!;
  const depth = rng.pick([2, 100, 600, 1100]);
  const chain = compoundChain(rng, depth, w.bodies).subarray(0, 60000);
  r.data = withPayload(r.data, f.loc, nbss(chain));
  r.origLen = r.data.length;
  w.ops.push(`deep-compound(${f.i},${depth})`);
};

/** Heavy edits of one SMB PDU body (without NBSS): header and body fields, cuts, inserts. */
function mutatePdu(rng: Rng, pdu: Buffer): Buffer {
  let b = Buffer.from(pdu);
  const hdr = b[0] === 0xfe ? 64 : b[0] === 0xff ? 32 : 16;
  const n = rng.range(1, 6);
  for (let j = 0; j < n && b.length; j++) {
    const what = rng.int(8);
    if (what <= 3) {
      // An int at an aligned spot: lengths and offsets sit on 2-byte boundaries.
      const bytes = rng.pick<1 | 2 | 4>([1, 2, 2, 4, 4]);
      const near = rng.chance(0.7)
        ? hdr + (rng.int(Math.min(64, Math.max(1, b.length - hdr))) & ~1)
        : rng.int(b.length);
      setInt(b, near, bytes, interestingFor(rng, bytes, readInt(b, near, bytes)));
    } else if (what === 4 && b[0] === 0xfe) {
      const [off, bytes] = rng.pick(SMB2_FIELDS);
      setInt(b, off, bytes, interestingFor(rng, bytes, readInt(b, off, bytes)));
    } else if (what === 5) {
      b = b.subarray(0, rng.int(b.length + 1));
    } else if (what === 6) {
      const at = rng.int(b.length + 1);
      b = Buffer.concat([b.subarray(0, at), rng.bytes(rng.range(1, 64)), b.subarray(at)]);
    } else {
      b[rng.int(b.length)] = rng.u32() & 0xff;
    }
  }
  return b;
}

/**
 * Re-sends the seed's SMB PDUs in order (requests and responses keep their pairing, so state such
 * as info classes and file names builds up) on a fresh connection, with many of them mutated.
 */
const pduStream: Mutator = (rng, w) => {
  const fs = smbFrames(w.cap);
  if (!fs.length || w.cap.linktype !== 1) return;
  const clientDir = fs[0]!.loc.dir;
  const cli: [number, number] = [0x0a000003, 30000 + rng.int(20000)];
  const srv: [number, number] = [0x0a000004, 445];
  let cseq = rng.u32();
  let sseq = rng.u32();
  const p = rng.pick([0.1, 0.3, 0.6]);
  const recs: Rec[] = [];
  const start = rng.int(fs.length);
  let mutated = 0;
  for (const f of fs.slice(start, start + 200)) {
    const r = w.cap.recs[f.i]!;
    const len = (r.data[f.nb + 1]! << 16) | r.data.readUInt16BE(f.nb + 2);
    let pdu = r.data.subarray(f.nb + 4, Math.min(f.loc.end, f.nb + 4 + len));
    const dec = w.keys.length && pdu[0] === 0xfd ? decryptTransform(pdu, w.keys) : undefined;
    if (dec) {
      // Mutate the plaintext and encrypt it again: the decrypted path sees the mutation.
      if (rng.chance(p)) {
        pdu = encryptTransform(pdu, mutatePdu(rng, dec.plain), dec.key, dec.mode);
        mutated++;
      }
    } else if (rng.chance(p)) {
      pdu = mutatePdu(rng, pdu);
      mutated++;
    }
    const fromClient = f.loc.dir === clientDir;
    const d = fromClient ? ethTcp(cli, srv, cseq, sseq, nbss(pdu)) : ethTcp(srv, cli, sseq, cseq, nbss(pdu));
    if (fromClient) cseq = (cseq + pdu.length + 4) >>> 0;
    else sseq = (sseq + pdu.length + 4) >>> 0;
    recs.push({ sec: r.sec, usec: r.usec, data: d, origLen: d.length });
  }
  w.cap.recs.push(...recs);
  w.ops.push(`pdu-stream(${start},${recs.length},${mutated})`);
};

const MUTATORS: [number, string, Mutator][] = [
  [3, "truncate-records", truncateRecords],
  [2, "bogus-record-lengths", bogusRecordLengths],
  [1, "snaplen", snaplenGames],
  [1, "timestamps", weirdTimestamps],
  [3, "flip-header-bits", flipHeaderBits],
  [3, "flip-bits", flipPayloadBits],
  [1, "splice-records", spliceRecords],
  [1, "drop-tail", dropTail],
  [3, "ooo-storm", outOfOrderStorm],
  [2, "duplicate", duplicateSegments],
  [2, "drop", dropSegments],
  [2, "split-segment", splitSegment],
  [2, "tcp-fields", tcpFlagsAndSeq],
  [1, "seq-wrap", seqWrap],
  [3, "nbss-length", nbssLength],
  [6, "smb-header", smbHeaderFields],
  [8, "smb-body", smbBodyFields],
  [2, "truncate-smb", truncateSmbPayload],
  [3, "splice-smb", spliceSmbPayload],
  [3, "hostile-conn", hostileConnection],
  [1, "deep-compound", deepCompoundInPlace],
  [8, "pdu-stream", pduStream],
];

export const MUTATOR_NAMES = MUTATORS.map(([, n]) => n);

// ---------------------------------------------------------------- file level

function fileLevel(rng: Rng, bytes: Buffer, ops: string[]): Buffer {
  const b = Buffer.from(bytes);
  const what = rng.int(5);
  if (what === 0) {
    const cut = rng.int(b.length + 1);
    ops.push(`truncate-file(${cut})`);
    return b.subarray(0, cut);
  }
  if (what === 1) {
    const n = rng.range(1, 8);
    for (let j = 0; j < n && b.length; j++) b[rng.int(Math.min(b.length, 64))]! ^= 1 << rng.int(8);
    ops.push(`flip-file-header(${n})`);
    return b;
  }
  if (what === 2 && b.length >= 12 && b.readUInt32LE(0) === 0x0a0d0d0a) {
    // pcapng: lie in one block's total length, EPB captured length or IDB link type.
    const blocks: number[] = [];
    for (let at = 0; at + 12 <= b.length && blocks.length < 5000; ) {
      const len = b.readUInt32LE(at + 4);
      blocks.push(at);
      if (len < 12) break;
      at += len;
    }
    const at = rng.pick(blocks);
    const field = rng.pick([4, 8, 12, 20, 24]);
    if (at + field + 4 <= b.length) b.writeUInt32LE(rng.interesting(32), at + field);
    ops.push(`pcapng-block(${at},+${field})`);
    return b;
  }
  if (what === 3) {
    // Concatenate a capture with itself (second file header in the middle).
    ops.push("double-file");
    return Buffer.concat([b, b.subarray(0, rng.int(b.length + 1))]);
  }
  const n = rng.range(1, 64);
  for (let j = 0; j < n && b.length; j++) b[rng.int(b.length)] = rng.u32() & 0xff;
  ops.push(`random-bytes(${n})`);
  return b;
}

/** Builds one fuzz case from `seed`, deterministically from `rng`. */
export function mutate(rng: Rng, seed: Seed, bodies: { cmd: number; body: Buffer }[]): Case {
  const ops: string[] = [];
  // Raw-file mutations on the seed's own bytes keep pcapng/gzip framing in play.
  if (rng.chance(0.12)) return { bytes: fileLevel(rng, seed.raw, ops), ops };
  const w: Work = {
    cap: cloneCap(seed.cap),
    lies: new Map(),
    ops,
    bodies,
    keys: seed.keys ? transformKeys(seed.keys) : [],
  };
  const n = rng.weighted([
    [5, 1],
    [3, 2],
    [2, 3],
  ]);
  const table = MUTATORS.map(([wt, , fn]) => [wt, fn] as const);
  for (let j = 0; j < n; j++) rng.weighted(table)(rng, w);
  let bytes = writePcap(w.cap, (i) => w.lies.get(i) ?? {});
  if (rng.chance(0.08)) bytes = fileLevel(rng, bytes, ops);
  return { bytes, ops };
}

/** SMB2 messages (command, body after the header) found in single-message PDUs of a capture. */
export function collectBodies(cap: Cap, max = 64): { cmd: number; body: Buffer }[] {
  const out: { cmd: number; body: Buffer }[] = [];
  for (const f of smbFrames(cap)) {
    const d = cap.recs[f.i]!.data;
    const h = f.nb + 4;
    if (d[h] !== 0xfe || h + 64 > f.loc.end || d.readUInt32LE(h + 20) !== 0) continue;
    const len = (d[f.nb + 1]! << 16) | d.readUInt16BE(f.nb + 2);
    if (h + len > f.loc.end || len > 2000) continue;
    out.push({ cmd: d.readUInt16LE(h + 12), body: Buffer.from(d.subarray(h + 64, h + len)) });
    if (out.length >= max) break;
  }
  return out;
}
