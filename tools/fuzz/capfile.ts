/**
 * A tiny, independent pcap/pcapng record reader and pcap writer for the fuzzer: seeds are normalised
 * to little-endian microsecond pcap so record- and packet-level mutators work on one shape, while
 * the raw bytes of the original file stay available for file-level mutators. Deliberately separate
 * from src/capture (the code under test).
 */
import * as zlib from "node:zlib";

export interface Rec {
  sec: number;
  usec: number;
  /** Bytes as captured (may be shorter than origLen). */
  data: Buffer;
  origLen: number;
}

export interface Cap {
  linktype: number;
  snaplen: number;
  recs: Rec[];
}

const PCAP_LE = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;

/** Parses a pcap or pcapng file (gzip allowed); throws on anything it cannot read. */
export function readCap(raw: Buffer): Cap {
  let buf = raw;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  if (buf.length < 24) throw new Error("too short for a capture");
  const m = buf.readUInt32LE(0);
  if (m === 0x0a0d0d0a) return readPcapng(buf);
  let le: boolean;
  let nanos: boolean;
  if (m === PCAP_LE || m === PCAP_NS) {
    le = true;
    nanos = m === PCAP_NS;
  } else if (buf.readUInt32BE(0) === PCAP_LE || buf.readUInt32BE(0) === PCAP_NS) {
    le = false;
    nanos = buf.readUInt32BE(0) === PCAP_NS;
  } else throw new Error("not a pcap/pcapng file");
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const cap: Cap = { snaplen: u32(16), linktype: u32(20) & 0xffff, recs: [] };
  let at = 24;
  while (at + 16 <= buf.length) {
    const incl = u32(at + 8);
    if (at + 16 + incl > buf.length) break;
    cap.recs.push({
      sec: u32(at),
      usec: nanos ? Math.floor(u32(at + 4) / 1000) : u32(at + 4),
      data: Buffer.from(buf.subarray(at + 16, at + 16 + incl)),
      origLen: u32(at + 12),
    });
    at += 16 + incl;
  }
  return cap;
}

function readPcapng(buf: Buffer): Cap {
  let le = true;
  const ifaces: { linktype: number; tsres: number }[] = [];
  const recs: (Rec & { linktype: number })[] = [];
  let at = 0;
  while (at + 12 <= buf.length) {
    const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    let type = u32(at);
    if (type === 0x0a0d0d0a) {
      le = buf.readUInt32LE(at + 8) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces.length = 0;
    }
    const len = le ? buf.readUInt32LE(at + 4) : buf.readUInt32BE(at + 4);
    if (len < 12 || at + len > buf.length) break;
    if (type === 1) {
      // Interface description: linktype, then options (if_tsresol = 9).
      let tsres = 6;
      let o = at + 16;
      while (o + 4 <= at + len - 4) {
        const code = u16(o);
        const olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1) tsres = buf[o + 4]!;
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linktype: u16(at + 8), tsres });
    } else if (type === 6 || type === 3) {
      const iface = type === 6 ? ifaces[u32(at + 8)] : ifaces[0];
      if (iface) {
        const incl = type === 6 ? u32(at + 20) : Math.min(u32(at + 8), len - 16);
        const dataAt = type === 6 ? at + 28 : at + 12;
        const origLen = type === 6 ? u32(at + 24) : u32(at + 8);
        if (dataAt + incl <= at + len) {
          let sec = 0;
          let usec = 0;
          if (type === 6) {
            const ts = u32(at + 12) * 0x1_0000_0000 + u32(at + 16);
            const units = iface.tsres & 0x80 ? 2 ** (iface.tsres & 0x7f) : 10 ** iface.tsres;
            sec = Math.floor(ts / units);
            usec = Math.floor(((ts % units) * 1e6) / units);
          }
          recs.push({
            linktype: iface.linktype,
            sec,
            usec,
            data: Buffer.from(buf.subarray(dataAt, dataAt + incl)),
            origLen,
          });
        }
      }
    }
    at += len;
  }
  const linktype = recs[0]?.linktype ?? ifaces[0]?.linktype ?? 1;
  return {
    linktype,
    snaplen: 262144,
    recs: recs
      .filter((r) => r.linktype === linktype)
      .map(({ sec, usec, data, origLen }) => ({ sec, usec, data, origLen })),
  };
}

/** A little-endian microsecond pcap. `origLen` and `incl` are written as given (mutators lie on purpose). */
export function writePcap(cap: Cap, lie?: (i: number, r: Rec) => { incl?: number; orig?: number }): Buffer {
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  h.writeUInt32LE(PCAP_LE, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(cap.snaplen >>> 0, 16);
  h.writeUInt32LE(cap.linktype >>> 0, 20);
  parts.push(h);
  cap.recs.forEach((r, i) => {
    const l = lie?.(i, r) ?? {};
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(r.sec >>> 0, 0);
    rh.writeUInt32LE(r.usec >>> 0, 4);
    rh.writeUInt32LE((l.incl ?? r.data.length) >>> 0, 8);
    rh.writeUInt32LE((l.orig ?? Math.max(r.origLen, r.data.length)) >>> 0, 12);
    parts.push(rh, r.data);
  });
  return Buffer.concat(parts);
}

export function cloneCap(c: Cap): Cap {
  return {
    linktype: c.linktype,
    snaplen: c.snaplen,
    recs: c.recs.map((r) => ({ ...r, data: Buffer.from(r.data) })),
  };
}
