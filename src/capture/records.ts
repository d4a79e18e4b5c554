/**
 * Record-level reading of pcap and pcapng files: a chunked forward reader that exposes the current
 * packet record as fields (no per-record objects), and random access to one record by file offset.
 */
import * as fs from "node:fs";
import { CaptureError } from "./source.js";

/**
 * Bytes read per fs.readSync into one reused buffer: records are parsed as views into it, and the
 * layers above copy what they keep, so no fresh memory is touched per chunk. Measured on a 452 MB
 * capture: 4 MB reused 0.11 s, 512 KB reused 0.30 s, 512 KB freshly allocated 0.89 s.
 */
export const CHUNK = 1 << 20;
/**
 * The first read is small: the chunk's end is then reached (and the buffer replaced by a CHUNK
 * one) while the code is still unoptimised, so the refill path has type feedback and the
 * optimised code does not deoptimise at the first real chunk end.
 */
const FIRST_CHUNK = 32 << 10;
/** A record larger than this is treated as corruption. */
const MAX_RECORD = 64 << 20;

const PCAPNG_SHB = 0x0a0d0d0a;
const BOM = 0x1a2b3c4d;

export interface Iface {
  linktype: number;
  /** Timestamp units per second (1e6 by default). */
  units: number;
  /** if_tsoffset, seconds added to every timestamp. */
  tsOffset: number;
  le: boolean;
  /** pcap: record header size (16, or 24 for the Kuznetsov "modified" format). */
  hdr: number;
}

export type Format = "pcap" | "pcapng";

/** Seconds and nanoseconds of a timestamp of `hi * 2^32 + lo` units of 1/units s. */
export function splitTime(hi: number, lo: number, units: number, out: { sec: number; nanos: number }): void {
  if (units <= 1 << 21) {
    const q1 = Math.floor(hi / units);
    const rem = (hi - q1 * units) * 4294967296 + lo;
    const s2 = Math.floor(rem / units);
    const frac = rem - s2 * units;
    out.sec = q1 * 4294967296 + s2;
    out.nanos = units === 1e6 ? frac * 1000 : Math.floor((frac * 1e9) / units);
  } else {
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const u = BigInt(units);
    out.sec = Number(v / u);
    out.nanos = Number(((v % u) * 1000000000n) / u);
  }
}

export class RecordReader {
  readonly format: Format;
  readonly ifaces: Iface[] = [];
  /** Current chunk and the file offset of its first byte. */
  buf: Buffer;
  private bufStart = 0;
  private bufLen = 0;
  private pos = 0;
  private eof = false;

  // The current record (valid after next() returned true).
  /** File offset of the record (pcap record header / pcapng block). */
  recOff = 0;
  /** Offset of the packet data in `buf`. */
  dataPos = 0;
  caplen = 0;
  origLen = 0;
  iface = 0;
  tsHi = 0;
  tsLo = 0;

  /** Set when reading stopped early (truncated/corrupt file): one-line reason. */
  problem: string | undefined;

  private sectionBase = 0;
  private le = true;
  /** pcap only: the single interface. */
  private pcapIface: Iface | undefined;

  constructor(
    private readonly fd: number,
    readonly size: number,
    name: string,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(FIRST_CHUNK, Math.max(64, size)));
    this.fill(24);
    if (this.bufLen === 0) throw new CaptureError(`${name}: empty file, not a capture file`);
    const b = this.buf;
    const m = this.bufLen >= 4 ? b.readUInt32LE(0) : 0;
    if (m === PCAPNG_SHB) {
      this.format = "pcapng";
      if (this.bufLen < 12 || (b.readUInt32LE(8) !== BOM && b.readUInt32BE(8) !== BOM))
        throw new CaptureError(`${name}: not a capture file (bad pcapng section header)`);
    } else {
      let le: boolean;
      let units = 1e6;
      let hdr = 16;
      switch (m) {
        case 0xa1b2c3d4:
          le = true;
          break;
        case 0xd4c3b2a1:
          le = false;
          break;
        case 0xa1b23c4d:
          le = true;
          units = 1e9;
          break;
        case 0x4d3cb2a1:
          le = false;
          units = 1e9;
          break;
        case 0xa1b2cd34:
          le = true;
          hdr = 24;
          break;
        case 0x34cdb2a1:
          le = false;
          hdr = 24;
          break;
        default:
          throw new CaptureError(
            `${name}: not a capture file (unknown magic 0x${b.subarray(0, Math.min(4, this.bufLen)).toString("hex")}; pcap, pcapng or gzip of either expected)`,
          );
      }
      if (this.bufLen < 24) throw new CaptureError(`${name}: truncated pcap file header`);
      this.format = "pcap";
      this.le = le;
      const lt = (le ? b.readUInt32LE(20) : b.readUInt32BE(20)) & 0x03ffffff;
      this.pcapIface = { linktype: lt, units, tsOffset: 0, le, hdr };
      this.ifaces.push(this.pcapIface);
      this.pos = 24;
    }
  }

  /**
   * Makes `n` bytes available at `pos` (reading a new chunk when needed); false at end of file.
   * The buffer is reused: views into it are only valid until the next call to `next()`.
   */
  private fill(n: number): boolean {
    if (this.pos + n <= this.bufLen) return true;
    if (this.eof) return false;
    const keep = this.bufLen - this.pos;
    let nb = this.buf;
    const grow = nb.length < CHUNK && nb.length < this.size && this.bufStart + this.bufLen > 0; // see FIRST_CHUNK
    if (n > nb.length || grow) {
      nb = Buffer.allocUnsafe(Math.max(Math.min(CHUNK, this.size), n > nb.length ? n + (1 << 16) : 0));
      this.buf.copy(nb, 0, this.pos, this.bufLen);
    } else if (keep > 0 && this.pos > 0) this.buf.copyWithin(0, this.pos, this.bufLen);
    this.bufStart += this.pos;
    this.pos = 0;
    this.buf = nb;
    this.bufLen = keep;
    while (this.bufLen < nb.length) {
      const got = fs.readSync(this.fd, nb, this.bufLen, nb.length - this.bufLen, this.bufStart + this.bufLen);
      if (got <= 0) {
        this.eof = true;
        break;
      }
      this.bufLen += got;
    }
    return n <= this.bufLen;
  }

  /** File offset of buf[i]. */
  fileOffset(i: number): number {
    return this.bufStart + i;
  }

  /** Bytes consumed so far. */
  get done(): number {
    return this.bufStart + this.pos;
  }

  private u32(at: number): number {
    const b = this.buf;
    return this.le
      ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
      : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  /** Advances to the next packet record; false at the end (see `problem`). */
  next(): boolean {
    return this.format === "pcap" ? this.nextPcap() : this.nextPcapng();
  }

  private nextPcap(): boolean {
    const hdr = this.pcapIface!.hdr;
    const le = this.le;
    let b = this.buf;
    let p = this.pos;
    // One record per call on the hot path: fields read inline. The refill at the chunk's end is
    // one call site for both cases (header or data cut), so it has type feedback when this is
    // optimised.
    if (p + hdr > this.bufLen || p + hdr + this.u32(p + 8) > this.bufLen) {
      if (!this.refill(hdr)) return false;
      p = this.pos;
      b = this.buf;
    }
    const caplen = le
      ? (b[p + 8]! | (b[p + 9]! << 8) | (b[p + 10]! << 16) | (b[p + 11]! << 24)) >>> 0
      : ((b[p + 8]! << 24) | (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!) >>> 0;
    this.recOff = this.bufStart + p;
    if (le) {
      this.tsHi = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
      this.tsLo = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
      this.origLen = (b[p + 12]! | (b[p + 13]! << 8) | (b[p + 14]! << 16) | (b[p + 15]! << 24)) >>> 0;
    } else {
      this.tsHi = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      this.tsLo = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
      this.origLen = ((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0;
    }
    this.caplen = caplen;
    this.iface = 0;
    this.dataPos = p + hdr;
    this.pos = p + hdr + caplen;
    return true;
  }

  /** Makes the next pcap record whole in the buffer; false (with `problem` set) at the end. */
  private refill(hdr: number): boolean {
    if (!this.fill(hdr)) {
      if (this.bufLen > this.pos) this.problem = "file is truncated in the middle of a record header";
      return false;
    }
    const caplen = this.u32(this.pos + 8);
    if (caplen > MAX_RECORD) {
      this.problem = `bad record at offset ${this.bufStart + this.pos}: captured length ${caplen} is too big`;
      return false;
    }
    if (!this.fill(hdr + caplen)) {
      this.problem = "file is truncated in the middle of a record";
      return false;
    }
    return true;
  }

  private nextPcapng(): boolean {
    for (;;) {
      if (!this.fill(12)) {
        if (this.bufLen > this.pos) this.problem = "file is truncated in the middle of a block header";
        return false;
      }
      let p = this.pos;
      let b = this.buf;
      let type = this.u32(p);
      if (type === PCAPNG_SHB) {
        const bom = b.readUInt32LE(p + 8);
        if (bom === BOM) this.le = true;
        else if (b.readUInt32BE(p + 8) === BOM) this.le = false;
        else {
          this.problem = `bad section header at offset ${this.bufStart + p}`;
          return false;
        }
        this.sectionBase = this.ifaces.length;
      }
      const len = this.u32(p + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
        this.problem = `bad block at offset ${this.bufStart + p} (length ${len})`;
        return false;
      }
      if (!this.fill(len)) {
        this.problem = "file is truncated in the middle of a block";
        return false;
      }
      p = this.pos;
      b = this.buf; // fill may have moved the block to a new buffer
      type = this.u32(p);
      this.pos = p + len;
      const end = p + len - 4;
      switch (type) {
        case 1: {
          // Interface Description Block
          if (len < 20) break;
          const lt = this.le ? this.buf.readUInt16LE(p + 8) : this.buf.readUInt16BE(p + 8);
          const ifc: Iface = { linktype: lt, units: 1e6, tsOffset: 0, le: this.le, hdr: 0 };
          this.parseIdbOptions(p + 16, end, ifc);
          this.ifaces.push(ifc);
          break;
        }
        case 6: // Enhanced Packet Block
        case 2: {
          // obsolete Packet Block
          if (len < 32) break;
          const id = type === 6 ? this.u32(p + 8) : this.le ? b.readUInt16LE(p + 8) : b.readUInt16BE(p + 8);
          const caplen = this.u32(p + 20);
          this.recOff = this.bufStart + p;
          this.iface = this.sectionBase + id;
          this.tsHi = this.u32(p + 12);
          this.tsLo = this.u32(p + 16);
          this.caplen = Math.min(caplen, Math.max(0, len - 32));
          this.origLen = this.u32(p + 24);
          this.dataPos = p + 28;
          return true;
        }
        case 3: {
          // Simple Packet Block: interface 0, no timestamp
          if (len < 16) break;
          this.recOff = this.bufStart + p;
          this.iface = this.sectionBase;
          this.tsHi = 0;
          this.tsLo = 0;
          this.origLen = this.u32(p + 8);
          this.caplen = Math.min(this.origLen, len - 16);
          this.dataPos = p + 12;
          return true;
        }
        default:
          break; // SHB, NRB, ISB, DSB, custom, unknown: skipped
      }
    }
  }

  private parseIdbOptions(p: number, end: number, ifc: Iface): void {
    const b = this.buf;
    while (p + 4 <= end) {
      const code = this.le ? b.readUInt16LE(p) : b.readUInt16BE(p);
      const olen = this.le ? b.readUInt16LE(p + 2) : b.readUInt16BE(p + 2);
      if (code === 0) break;
      const v = p + 4;
      if (v + olen > end) break;
      if (code === 9 && olen >= 1) {
        const r = b[v]!;
        const exp = r & 0x7f;
        ifc.units = r & 0x80 ? 2 ** exp : 10 ** exp;
      } else if (code === 14 && olen >= 8) {
        const hi = this.le ? b.readInt32LE(v + 4) : b.readInt32BE(v);
        const lo = this.le ? b.readUInt32LE(v) : b.readUInt32BE(v + 4);
        ifc.tsOffset = hi * 4294967296 + lo;
      }
      p = v + ((olen + 3) & ~3);
    }
  }

  /** Link type of the current record's interface (-1 when the interface is undeclared). */
  linktype(): number {
    const f = this.ifaces[this.iface];
    return f ? f.linktype : -1;
  }

  /** Timestamp of the current record. */
  time(out: { sec: number; nanos: number }): void {
    const f = this.ifaces[this.iface];
    if (this.format === "pcap") {
      out.sec = this.tsHi;
      out.nanos = f!.units === 1e6 ? this.tsLo * 1000 : this.tsLo;
      return;
    }
    splitTime(this.tsHi, this.tsLo, f ? f.units : 1e6, out);
    if (f) out.sec += f.tsOffset;
  }

  /** Reads the record at file offset `off` again (for readFrame); undefined if it cannot be read. */
  recordAt(
    off: number,
    iface: number,
  ): { data: Buffer; linktype: number; time: number; nanos: number; origLen: number } | undefined {
    const f = this.ifaces[iface];
    if (!f) return undefined;
    const h = Buffer.alloc(32);
    const got = fs.readSync(this.fd, h, 0, 32, off);
    const u32 = (at: number) => (f.le ? h.readUInt32LE(at) : h.readUInt32BE(at));
    const t = { sec: 0, nanos: 0 };
    let dataOff: number;
    let caplen: number;
    let origLen: number;
    if (this.format === "pcap") {
      if (got < 16) return undefined;
      t.sec = u32(0);
      t.nanos = f.units === 1e6 ? u32(4) * 1000 : u32(4);
      caplen = u32(8);
      origLen = u32(12);
      dataOff = off + f.hdr;
    } else {
      if (got < 12) return undefined;
      const type = u32(0);
      const len = u32(4);
      if (type === 3) {
        origLen = u32(8);
        caplen = Math.min(origLen, len - 16);
        dataOff = off + 12;
      } else {
        if (got < 28) return undefined;
        splitTime(u32(12), u32(16), f.units, t);
        t.sec += f.tsOffset;
        caplen = Math.min(u32(20), Math.max(0, len - 32));
        origLen = u32(24);
        dataOff = off + 28;
      }
    }
    if (caplen > MAX_RECORD) return undefined;
    const data = Buffer.alloc(caplen);
    const n = fs.readSync(this.fd, data, 0, caplen, dataOff);
    return {
      data: data.subarray(0, n),
      linktype: f.linktype,
      time: t.sec + t.nanos / 1e9,
      nanos: t.nanos,
      origLen,
    };
  }
}
