/**
 * TCP connection tracking, per-direction reassembly by sequence number, and NBSS framing.
 *
 * Each direction keeps: the next expected sequence number, at most one incomplete PDU (its bytes
 * copied once into a buffer that grows by doubling), and bounded out-of-order data. A hole that the
 * capture will never fill (the peer acknowledged past it, or too much data queued behind it) becomes
 * a gap: inside a PDU body it is zero-filled and the PDU flagged incomplete; otherwise framing is
 * lost and resumes at the next segment starting with an NBSS header followed by an SMB magic.
 */

import { mapPieces, type Piece } from "./net.js";
import { allocBytes, copyBytes, copyOut } from "./slab.js";

/** Cap on out-of-order bytes queued per direction. */
export const MAX_OOO = 64 << 20;
/** Cap on out-of-order bytes queued over all connections. */
export const MAX_OOO_TOTAL = 256 << 20;
/** A PDU declaring more than this is indexed from its first PREFIX bytes only (NBSS allows 16 MB). */
export const MAX_PDU = 16 << 20;
/** Connections tracked at once; beyond, the least recently active are forgotten. */
export const MAX_CONNS = 100_000;

export interface TcpLimits {
  maxOoo?: number;
  maxOooTotal?: number;
  maxPdu?: number;
  maxConns?: number;
  /** PDUs whole in one segment get a view of the segment's buffer, not a copy (see ReadOptions.borrowData). */
  borrow?: boolean;
}
/** Segments of an unknown-port connection examined for NBSS+SMB before giving up on it. */
const DETECT_SEGMENTS = 32;
const MAX_GAP_WARNINGS = 50;

/**
 * A plain SMB2 READ response or WRITE request bigger than BIG_PDU keeps only its first PREFIX
 * bytes: the index needs the header and the fixed body (and the start of a named pipe's DCE/RPC
 * payload), never the file data, which trees re-read from the file on demand. Bulk transfers are
 * then never copied.
 */
export const BIG_PDU = 32 << 10;
export const PREFIX = 1024;

/** An SMB2 message at b[p, p+n) whose payload the index never needs (see BIG_PDU). */
function skippable(b: Uint8Array, p: number, n: number): boolean {
  if (n < 64 || b[p] !== 0xfe || !isSmbMagic(b, p)) return false;
  if (b[p + 4] !== 64 || b[p + 5] !== 0 || b[p + 13] !== 0) return false;
  const cmd = b[p + 12];
  const response = (b[p + 16]! & 1) === 1;
  if (!(cmd === 8 ? response : cmd === 9 && !response)) return false;
  // Not a compound: a following message could sit after the payload.
  return (b[p + 20]! | b[p + 21]! | b[p + 22]! | b[p + 23]!) === 0;
}

/** SMB1 `\xffSMB`, SMB2 `\xfeSMB`, transform `\xfdSMB`, compression `\xfcSMB`. */
export function isSmbMagic(b: Uint8Array, i: number): boolean {
  const m = b[i];
  return (
    (m === 0xfe || m === 0xff || m === 0xfd || m === 0xfc) &&
    b[i + 1] === 0x53 &&
    b[i + 2] === 0x4d &&
    b[i + 3] === 0x42
  );
}

/** An NBSS session message header followed by an SMB magic at b[p]. */
export function looksLikeNbssSmb(b: Uint8Array, p: number, end: number, is139: boolean): boolean {
  if (end - p < 8 || b[p] !== 0 || !isSmbMagic(b, p + 4)) return false;
  if (is139 && (b[p + 1]! & 0xfe) !== 0) return false;
  const len = (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  return len >= 4;
}

/** A strongly plausible NBSS+SMB header at b[i] (for resynchronising inside a segment). */
function plausiblePdu(b: Uint8Array, i: number, end: number, is139: boolean): boolean {
  if (!looksLikeNbssSmb(b, i, end, is139)) return false;
  const len = (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
  const m = b[i + 4];
  if (m === 0xfe) {
    // SMB2 header: StructureSize 64.
    if (end - i >= 10 && (b[i + 8] !== 64 || b[i + 9] !== 0)) return false;
    if (len < 64) return false;
  } else if (m === 0xff && len < 32) return false;
  const next = i + 4 + len;
  // If the next header is in view, it must look right too.
  return next >= end - 8 || looksLikeNbssSmb(b, next, end, is139);
}

/** Offset of the first plausible PDU start in b[from, end), or -1. */
function findPduStart(b: Buffer, from: number, end: number, is139: boolean): number {
  const v = b.subarray(0, end); // so indexOf stops at `end`
  let i = from + 5;
  while (i < end) {
    const j = v.indexOf(0x53, i); // the 'S' of ?SMB
    if (j < 0 || j + 3 > end) return -1;
    const h = j - 5;
    if (h >= from && plausiblePdu(b, h, end, is139)) return h;
    i = j + 1;
  }
  return -1;
}

interface Seg {
  seq: number;
  data: Buffer;
  pieces: Piece[];
}

export class Dir {
  /** First sequence number seen (SYN's ISN or first data), -1 if none. */
  baseSeq = -1;
  nextSeq = -1;
  /** Highest sequence number known to have been sent (from ACKs and bare segments), -1 if none. */
  sentTo = -1;
  /** Framing position known. */
  sync = false;
  seenData = false;
  fin = false;
  // A PDU being assembled: header bytes, then body.
  hdr = Buffer.alloc(4);
  hdrHave = 0;
  inBody = false;
  pduType = 0;
  pduLen = 0;
  body: Buffer | null = null;
  /** Body bytes received so far. */
  have = 0;
  /** Body bytes kept in `body` (the whole PDU, or its first PREFIX bytes; see BIG_PDU). */
  keep = 0;
  /** Whether `keep` is final (big PDUs decide once PREFIX bytes are in). */
  decided = true;
  /** File ranges of the PDU so far, flat: offset, length, offset, length... (see Pdu.spans). */
  spans: number[] = [];
  frames: number[] = [];
  incomplete = false;
  ooo: Seg[] = [];
  oooBytes = 0;
  oooWarned = false;

  constructor(
    readonly conn: Conn,
    readonly src: string,
    readonly dst: string,
    readonly srcPort: number,
    readonly dstPort: number,
  ) {}

  /** `TCP a:p → b:q`, for warnings. */
  toString(): string {
    return `TCP ${this.src}:${this.srcPort} → ${this.dst}:${this.dstPort}`;
  }

  get peer(): Dir {
    return this === this.conn.a ? this.conn.b : this.conn.a;
  }

  resetPdu(): void {
    this.hdrHave = 0;
    this.inBody = false;
    this.body = null;
    this.have = 0;
    this.keep = 0;
    this.decided = true;
    this.spans = [];
    this.frames = [];
    this.incomplete = false;
  }
}

export class Conn {
  a!: Dir;
  b!: Dir;
  /** 1: carries NBSS, -1: does not, 0: undecided (unknown port, still looking). */
  nbss = 0;
  segsSeen = 0;
  closed = false;
  is139 = false;
  /** Last frame with a segment of this connection (for forgetting idle ones). */
  lastFrame = 0;
  constructor(
    readonly index: number,
    /** Address and port of side a (the first packet's source): IPv4 as a number, IPv6 as 16 latin1 chars. */
    readonly sa: number | string,
    readonly pa: number,
    /** Address and port of side b. */
    readonly sb: number | string,
    readonly pb: number,
  ) {}
}

/** Appends a file range to flat spans, extending the last one when adjacent (never a hole, -1). */
function pushSpan(spans: number[], off: number, n: number): void {
  const k = spans.length;
  if (k > 0 && spans[k - 2]! >= 0 && spans[k - 2]! + spans[k - 1]! === off) spans[k - 1] = spans[k - 1]! + n;
  else spans.push(off, n);
}

/** conns6 key of an endpoint pair, the same for both directions. */
function key6(sa: string, sport: number, da: string, dport: number): string {
  const ka = `${sa}${sport}`;
  const kb = `${da}${dport}`;
  return ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
}

export interface PduSink {
  emit(
    dir: Dir,
    nbssType: number,
    data: Buffer,
    size: number,
    spans: number[],
    frames: number[] | undefined,
    incomplete: boolean,
  ): void;
  warn(message: string): void;
}

const TH_FIN = 0x01;
const TH_SYN = 0x02;
const TH_RST = 0x04;
const TH_ACK = 0x10;

/** Dotted IPv4 or RFC 5952 IPv6 text. */
export function formatAddr(a: number | string): string {
  if (typeof a === "number") return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((a.charCodeAt(i) << 8) | a.charCodeAt(i + 1));
  // Longest run (>= 2) of zero groups becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (x: number[]) => x.map((v) => v.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

export class Tcp {
  /** IPv4 connections by (lower endpoint key, higher endpoint key): no string keys in the hot path. */
  private readonly conns4 = new Map<number, Map<number, Conn>>();
  private readonly conns6 = new Map<string, Conn>();
  private all: Conn[] = [];
  private nconn = 0;
  private last: Conn | null = null;
  private readonly ports: Set<number>;
  /** The current frame. */
  frame = 0;
  // Where the bytes of the buffer being processed are in the file.
  private base = 0;
  private pieces: Piece[] | null = null;
  private gapWarnings = 0;
  private readonly maxOoo: number;
  private readonly maxOooTotal: number;
  private readonly maxPdu: number;
  private readonly maxConns: number;
  private readonly borrow: boolean;
  /** Out-of-order bytes queued over all connections. */
  private oooTotal = 0;
  private readonly warned = new Set<string>();

  constructor(
    private readonly sink: PduSink,
    extraPorts: readonly number[] = [],
    limits: TcpLimits = {},
  ) {
    this.ports = new Set([445, 139, ...extraPorts]);
    this.maxOoo = limits.maxOoo ?? MAX_OOO;
    this.maxOooTotal = limits.maxOooTotal ?? MAX_OOO_TOTAL;
    this.maxPdu = limits.maxPdu ?? MAX_PDU;
    this.maxConns = limits.maxConns ?? MAX_CONNS;
    this.borrow = limits.borrow === true;
  }

  /** A limit was hit: warn once per kind. */
  private limit(kind: string, message: string): void {
    if (this.warned.has(kind)) return;
    this.warned.add(kind);
    this.warn(message);
  }

  /**
   * One TCP segment: header at b[p], segment ends at `end`. Addresses: IPv4 as 32-bit numbers,
   * IPv6 as 16-char latin1 strings. `base`: file offset of b[0] (contiguous case), or `pieces`
   * locate the bytes of b (reassembled IP payload). `wireEnd` > `end` when the frame was cut by
   * the snapshot length: the bytes after `end` are a known hole.
   */
  segment(
    b: Buffer,
    p: number,
    end: number,
    wireEnd: number,
    sa: number | string,
    da: number | string,
    base: number,
    pieces: Piece[] | null,
  ): void {
    if (end - p < 20) return;
    const sport = (b[p]! << 8) | b[p + 1]!;
    const dport = (b[p + 2]! << 8) | b[p + 3]!;
    const seq = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    const ack = ((b[p + 8]! << 24) | (b[p + 9]! << 16) | (b[p + 10]! << 8) | b[p + 11]!) >>> 0;
    const hl = (b[p + 12]! >> 4) * 4;
    const flags = b[p + 13]!;
    if (hl < 20 || p + hl > end) return;
    this.base = base;
    this.pieces = pieces;

    // The connection of the previous segment, compared on raw endpoints (no key built).
    let c = this.last;
    let fwd: boolean;
    if (c !== null && sport === c.pa && dport === c.pb && sa === c.sa && da === c.sb) fwd = true;
    else if (c !== null && sport === c.pb && dport === c.pa && sa === c.sb && da === c.sa) fwd = false;
    else {
      c = this.lookup(sa, sport, da, dport);
      if (c === null) c = this.newConn(sport, dport, sa, da);
      this.last = c;
      fwd = sport === c.pa && sa === c.sa;
    }
    c.lastFrame = this.frame;
    let d = fwd ? c.a : c.b;

    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN && d.baseSeq !== -1 && (seq !== d.baseSeq || c.closed)) {
      // A new connection reusing the ports.
      c = this.newConn(sport, dport, sa, da);
      this.last = c;
      d = c.a;
    }

    let dataSeq = seq;
    if (flags & TH_SYN) {
      if (d.baseSeq === -1) d.baseSeq = seq;
      if (d.nextSeq === -1 || !d.seenData) {
        d.nextSeq = (seq + 1) >>> 0;
        d.sync = true;
      }
      dataSeq = (seq + 1) >>> 0;
    }
    if (flags & TH_ACK) {
      const peer = d.peer;
      if (c.nbss === 1 && peer.nextSeq !== -1 && ((ack - peer.nextSeq) | 0) > 0) this.sent(peer, ack);
    }

    const len = end - p - hl;
    if (len > 0 && c.nbss >= 0) {
      const q = p + hl;
      if (c.nbss === 0) {
        c.segsSeen++;
        if (looksLikeNbssSmb(b, q, end, false)) {
          c.nbss = 1;
          // A direction whose earlier bytes were skipped must find a boundary again.
          c.a.sync = c.a.sync && !c.a.seenData;
          c.b.sync = c.b.sync && !c.b.seenData;
          if (d.nextSeq === -1 || !d.sync) {
            d.nextSeq = dataSeq;
            d.sync = true;
          }
        } else {
          d.seenData = true;
          if (d.baseSeq === -1) d.baseSeq = seq;
          if (c.segsSeen >= DETECT_SEGMENTS) c.nbss = -1;
        }
      }
      if (c.nbss === 1) {
        this.data(d, b, q, end, dataSeq);
        // Cut by the snapshot length: the rest of the segment is a hole we know about now.
        if (wireEnd > end && d.nextSeq === (dataSeq + len) >>> 0) {
          this.gap(d, (dataSeq + len + wireEnd - end) >>> 0, "cut by the snapshot length");
          if (d.ooo.length > 0) this.drain(d);
        }
      }
    } else {
      if (d.baseSeq === -1) d.baseSeq = seq;
      // A bare segment's sequence number is where the sender is: bytes before it were sent.
      if (
        len === 0 &&
        c.nbss === 1 &&
        d.nextSeq !== -1 &&
        !(flags & (TH_SYN | TH_RST)) &&
        ((seq - d.nextSeq) | 0) > 0
      )
        this.sent(d, seq);
    }

    if (flags & (TH_FIN | TH_RST)) {
      if (flags & TH_FIN) d.fin = true;
      if (flags & TH_RST || d.peer.fin) c.closed = true;
      if (d.fin && d.peer.fin) c.closed = true;
    }
  }

  /** The tracked connection between two endpoints (either direction), or null. */
  private lookup(sa: number | string, sport: number, da: number | string, dport: number): Conn | null {
    if (typeof sa === "number") {
      const ka = sa * 65536 + sport;
      const kb = (da as number) * 65536 + dport;
      return this.conns4.get(Math.min(ka, kb))?.get(Math.max(ka, kb)) ?? null;
    }
    return this.conns6.get(key6(sa, sport, da as string, dport)) ?? null;
  }

  private newConn(sport: number, dport: number, sa: number | string, da: number | string): Conn {
    if (this.all.length >= this.maxConns) this.forget();
    const c = new Conn(this.nconn++, sa, sport, da, dport);
    const s = formatAddr(sa);
    const t = formatAddr(da);
    c.a = new Dir(c, s, t, sport, dport);
    c.b = new Dir(c, t, s, dport, sport);
    c.is139 = sport === 139 || dport === 139;
    if (this.ports.has(sport) || this.ports.has(dport)) c.nbss = 1;
    if (typeof sa === "number") {
      const ka = sa * 65536 + sport;
      const kb = (da as number) * 65536 + dport;
      let m = this.conns4.get(Math.min(ka, kb));
      if (!m) {
        m = new Map();
        this.conns4.set(Math.min(ka, kb), m);
      }
      m.set(Math.max(ka, kb), c);
    } else {
      this.conns6.set(key6(sa, sport, da as string, dport), c);
    }
    this.all.push(c);
    return c;
  }

  /**
   * Too many connections at once (a scan, a flood): drop the closed ones and the least recently
   * active tenth. Their partial PDUs are lost; a later segment starts a new mid-stream connection.
   */
  private forget(): void {
    this.limit(
      "conns",
      `more than ${this.maxConns} TCP connections at once: forgetting the least recently active ones`,
    );
    const byAge = this.all.filter((c) => !c.closed).sort((x, y) => x.lastFrame - y.lastFrame);
    const drop = new Set(this.all.filter((c) => c.closed));
    for (let i = 0; drop.size < Math.ceil(this.maxConns / 10) && i < byAge.length; i++) drop.add(byAge[i]!);
    for (const c of drop) {
      for (const d of [c.a, c.b]) this.flushOoo(d);
      if (typeof c.sa === "number") {
        const ka = c.sa * 65536 + c.pa;
        const kb = (c.sb as number) * 65536 + c.pb;
        const lo = Math.min(ka, kb);
        const hi = Math.max(ka, kb);
        const m = this.conns4.get(lo);
        if (m?.get(hi) === c) m.delete(hi);
        if (m?.size === 0) this.conns4.delete(lo);
      } else {
        const k = key6(c.sa, c.pa, c.sb as string, c.pb);
        if (this.conns6.get(k) === c) this.conns6.delete(k);
      }
    }
    this.all = this.all.filter((c) => !drop.has(c));
    if (this.last !== null && drop.has(this.last)) this.last = null;
  }

  /** Payload bytes b[q, end) at sequence `seq` of direction d. */
  private data(d: Dir, b: Buffer, q: number, end: number, seq: number): void {
    if (d.baseSeq === -1) d.baseSeq = seq;
    d.seenData = true;
    if (d.nextSeq === -1) d.nextSeq = seq;
    const len = end - q;
    const diff = (seq - d.nextSeq) | 0;
    if (diff === 0) {
      this.deliver(d, b, q, end);
    } else if (diff < 0) {
      if (diff + len <= 0) return; // retransmission
      this.deliver(d, b, q - diff, end);
    } else if (diff >= 0x40000000) {
      // Beyond any TCP window (corrupt, or a reset stream): skip ahead.
      this.flushOoo(d);
      this.gap(d, seq);
      this.deliver(d, b, q, end);
    } else if (d.oooBytes + len > this.maxOoo) {
      // Too much queued behind a hole: give the hole up and release what is queued.
      if (!d.oooWarned) {
        d.oooWarned = true;
        this.warn(`${d}: more than ${this.maxOoo} bytes queued behind a hole, giving it up`);
      }
      while (d.ooo.length > 0 && d.oooBytes + len > this.maxOoo) {
        this.gap(d, d.ooo[0]!.seq);
        this.drain(d);
      }
      if (d.oooBytes + len > this.maxOoo) this.gap(d, seq);
      this.data(d, b, q, end, seq);
      return;
    } else if (
      (d.sentTo !== -1 && ((d.sentTo - seq) | 0) >= 0) ||
      (d.hdrHave === 0 && !d.inBody && looksLikeNbssSmb(b, q, end, d.conn.is139))
    ) {
      // Data beyond a hole the peer already acknowledged, or a PDU start beyond a hole while
      // between PDUs: the capture most likely lost the bytes in between (as Wireshark assumes);
      // go on now rather than wait for data that may never come.
      while (((seq - d.nextSeq) | 0) > 0 && this.ackedHole(d, seq));
      this.data(d, b, q, end, seq);
      return;
    } else {
      if (this.oooTotal + len > this.maxOooTotal && this.relieve(len)) {
        this.data(d, b, q, end, seq); // holes given up may have moved d on
        return;
      }
      this.queue(d, b, q, end, seq);
      return;
    }
    if (d.ooo.length > 0) this.drain(d);
  }

  private queue(d: Dir, b: Buffer, q: number, end: number, seq: number): void {
    const len = end - q;
    const pieces: Piece[] = [];
    if (this.pieces === null) pieces.push({ at: 0, off: this.base + q, len });
    else mapPieces(this.pieces, q, len, 0, pieces);
    const s: Seg = { seq, data: Buffer.from(b.subarray(q, end)), pieces };
    // Keep sorted by sequence (relative to nextSeq, so wraparound is fine).
    let i = d.ooo.length;
    while (i > 0 && ((d.ooo[i - 1]!.seq - seq) | 0) > 0) i--;
    d.ooo.splice(i, 0, s);
    d.oooBytes += len;
    this.oooTotal += len;
  }

  /** Out-of-order data over all connections is at its cap: give up holes, biggest queue first. */
  private relieve(len: number): boolean {
    this.limit(
      "ooo-total",
      `more than ${this.maxOooTotal} bytes queued behind TCP holes over all connections: giving holes up`,
    );
    let freed = false;
    while (this.oooTotal + len > this.maxOooTotal) {
      let worst: Dir | undefined;
      for (const c of this.all)
        for (const d of [c.a, c.b]) if (d.oooBytes > (worst?.oooBytes ?? 0)) worst = d;
      if (worst === undefined) break;
      freed = true;
      while (worst.ooo.length > 0 && this.oooTotal + len > this.maxOooTotal) {
        this.gap(worst, worst.ooo[0]!.seq);
        this.drain(worst);
      }
    }
    return freed;
  }

  /** Delivers queued segments that have become contiguous. */
  private drain(d: Dir): void {
    const saveBase = this.base;
    const savePieces = this.pieces;
    const q = d.ooo;
    let i = 0;
    for (; i < q.length; i++) {
      const s = q[i]!;
      const diff = (s.seq - d.nextSeq) | 0;
      if (diff > 0) break;
      d.oooBytes -= s.data.length;
      this.oooTotal -= s.data.length;
      if (diff + s.data.length <= 0) continue;
      this.pieces = s.pieces;
      this.deliver(d, s.data, -diff, s.data.length);
    }
    if (i > 0) q.splice(0, i);
    this.base = saveBase;
    this.pieces = savePieces;
  }

  /**
   * Bytes of d before `to` were sent (the peer acknowledged them, or the sender moved past them).
   * Data may still show up late (captures reorder directions), so this is only evidence; but
   * bytes queued behind such a hole are released now.
   */
  private sent(d: Dir, to: number): void {
    if (d.sentTo === -1 || ((to - d.sentTo) | 0) > 0) d.sentTo = to;
    if (d.ooo.length > 0) this.ackedHole(d, to);
  }

  /** Declares bytes of d before min(ack, first queued segment) lost, and delivers what follows. */
  private ackedHole(d: Dir, ack: number): boolean {
    const first = d.ooo[0];
    const to = first !== undefined && ((first.seq - ack) | 0) < 0 ? first.seq : ack;
    if (((to - d.nextSeq) | 0) <= 0) return false;
    this.gap(d, to);
    this.drain(d);
    return true;
  }

  /** Drops all queued data. */
  private flushOoo(d: Dir): void {
    this.oooTotal -= d.oooBytes;
    d.ooo = [];
    d.oooBytes = 0;
  }

  /** Bytes [nextSeq, to) are missing from the capture. */
  private gap(d: Dir, to: number, why = "missing from the capture"): void {
    const missing = (to - d.nextSeq) | 0;
    if (missing <= 0) return;
    d.nextSeq = to;
    if (this.gapWarnings < MAX_GAP_WARNINGS) {
      this.gapWarnings++;
      this.warn(
        `${d}: ${missing} bytes ${why}` +
          (this.gapWarnings === MAX_GAP_WARNINGS ? " (further gaps not reported)" : ""),
      );
    }
    if (!d.sync) return;
    if (d.inBody && missing <= d.pduLen - d.have) {
      // The hole is inside this PDU's body: zero-fill it and keep framing.
      this.take(d, null, 0, missing);
      d.spans.push(-1, missing);
      d.incomplete = true;
      if (d.have === d.pduLen) this.finish(d);
      return;
    }
    if (d.inBody && d.have > 0) {
      d.incomplete = true;
      this.finish(d);
    }
    d.resetPdu();
    d.sync = false;
  }

  /** Appends the file range of b[i, i+n) to flat `spans`, extending the last range when adjacent. */
  private addRange(spans: number[], i: number, n: number): void {
    if (n <= 0) return;
    if (this.pieces === null) pushSpan(spans, this.base + i, n);
    else {
      const tmp: Piece[] = [];
      mapPieces(this.pieces, i, n, 0, tmp);
      for (const t of tmp) pushSpan(spans, t.off, t.len);
    }
  }

  /**
   * Makes room for `need` body bytes. The whole kept length is allocated at once (allocUnsafe
   * leaves untouched pages unmapped, so a bogus length costs little), which copies each byte once.
   */
  private grow(d: Dir, need: number): void {
    const body = d.body;
    if (body !== null && body.length >= need) return;
    const nb = allocBytes(Math.max(need, d.keep));
    if (body !== null) copyBytes(body, 0, nb, 0, Math.min(d.have, d.keep));
    d.body = nb;
  }

  /** `n` more body bytes: from b[p...], or zeros when b is null (a hole); copies only what is kept. */
  private take(d: Dir, b: Buffer | null, p: number, n: number): void {
    while (n > 0) {
      if (d.have >= d.keep) {
        d.have += n;
        return;
      }
      const c = Math.min(n, d.keep - d.have);
      this.grow(d, d.have + c);
      if (b === null) d.body!.fill(0, d.have, d.have + c);
      else copyBytes(b, p, d.body!, d.have, c);
      d.have += c;
      p += c;
      n -= c;
      if (!d.decided && d.have === d.keep) {
        d.decided = true;
        if (!skippable(d.body!, 0, d.have)) d.keep = d.pduLen;
      }
    }
  }

  /** In-order stream bytes b[p, end). */
  private deliver(d: Dir, b: Buffer, p: number, end: number): void {
    d.nextSeq = (d.nextSeq + (end - p)) >>> 0;
    const is139 = d.conn.is139;
    if (!d.sync) {
      // Resynchronise on an SMB message, allowing empty session messages before it.
      let z = p;
      while (z + 4 <= end && z < p + 64 && b[z] === 0 && b[z + 1] === 0 && b[z + 2] === 0 && b[z + 3] === 0)
        z += 4;
      if (!looksLikeNbssSmb(b, z, end, is139)) {
        z = findPduStart(b, p + 1, end, is139);
        if (z < 0) return;
        p = z;
      }
      d.sync = true;
    }
    while (p < end) {
      if (d.inBody) {
        const n = Math.min(d.pduLen - d.have, end - p);
        this.take(d, b, p, n);
        this.addRange(d.spans, p, n);
        if (d.frames[d.frames.length - 1] !== this.frame) d.frames.push(this.frame);
        p += n;
        if (d.have === d.pduLen) this.finish(d);
        continue;
      }
      let type: number;
      let len: number;
      if (d.hdrHave === 0 && end - p >= 4) {
        type = b[p]!;
        len = this.nbssLen(b[p + 1]!, b[p + 2]!, b[p + 3]!, type, is139);
        if (len < 0) {
          this.lost(d, type);
          return;
        }
        if (end - p - 4 >= len) {
          // Fast path: the whole PDU is in this segment (copied: the capture's buffer is reused).
          if (len === 0 && type === 0) {
            p += 4; // an empty session message carries nothing
            continue;
          }
          let r: number[];
          if (this.pieces === null) r = [this.base + p, len + 4];
          else {
            r = [];
            this.addRange(r, p, len + 4);
          }
          const kept = len > BIG_PDU && skippable(b, p + 4, len) ? PREFIX : len;
          const data = this.borrow ? b.subarray(p + 4, p + 4 + kept) : copyOut(b, p + 4, p + 4 + kept);
          this.sink.emit(d, type, data, len, r, undefined, false);
          p += 4 + len;
          continue;
        }
        this.addRange(d.spans, p, 4);
        p += 4;
      } else {
        const n = Math.min(4 - d.hdrHave, end - p);
        copyBytes(b, p, d.hdr, d.hdrHave, n);
        this.addRange(d.spans, p, n);
        if (d.frames[d.frames.length - 1] !== this.frame) d.frames.push(this.frame);
        d.hdrHave += n;
        p += n;
        if (d.hdrHave < 4) return;
        const h = d.hdr;
        type = h[0]!;
        len = this.nbssLen(h[1]!, h[2]!, h[3]!, type, is139);
        if (len < 0) {
          this.lost(d, type);
          return;
        }
      }
      d.pduType = type;
      d.pduLen = len;
      d.inBody = true;
      d.have = 0;
      d.body = null;
      d.decided = len <= BIG_PDU || type !== 0;
      d.keep = d.decided ? len : PREFIX;
      if (len > this.maxPdu) {
        this.limit(
          "pdu",
          `${d}: a ${len}-byte PDU is over the ${this.maxPdu}-byte limit: only its first ${PREFIX} bytes are indexed`,
        );
        d.decided = true;
        d.keep = PREFIX;
      }
      if (d.frames[d.frames.length - 1] !== this.frame) d.frames.push(this.frame);
      if (len === 0) {
        if (type === 0) d.resetPdu();
        else this.finish(d);
      }
    }
  }

  /** NBSS length (24 bits on direct-hosted port 445, 17 on NetBIOS port 139), -1 if invalid. */
  private nbssLen(f: number, h: number, l: number, type: number, is139: boolean): number {
    // NBSS message types: 0x00 session message, 0x81..0x85 (request, positive and negative
    // response, retarget, keepalive).
    if (type !== 0 && (type < 0x81 || type > 0x85)) return -1;
    if (is139 || type !== 0) {
      if ((f & 0xfe) !== 0) return -1;
      return ((f & 1) << 16) | (h << 8) | l;
    }
    return (f << 16) | (h << 8) | l;
  }

  private lost(d: Dir, type: number): void {
    this.warn(`${d}: bad NBSS header (type 0x${type.toString(16)}), resynchronising`);
    d.resetPdu();
    d.sync = false;
  }

  private finish(d: Dir): void {
    const body = d.body;
    const kept = Math.min(d.have, d.keep);
    const data = body === null ? Buffer.alloc(0) : body.length === kept ? body : body.subarray(0, kept);
    const frames = d.frames;
    if (frames[frames.length - 1] === this.frame) frames.pop();
    this.sink.emit(d, d.pduType, data, d.have, d.spans, frames.length ? frames : undefined, d.incomplete);
    d.resetPdu();
  }

  /** End of capture: deliver what is queued after its holes; incomplete PDUs are dropped. */
  finishAll(): void {
    for (const c of this.all) {
      for (const d of [c.a, c.b]) {
        while (d.ooo.length > 0) {
          this.gap(d, d.ooo[0]!.seq);
          this.drain(d);
        }
      }
    }
  }

  private warn(m: string): void {
    this.sink.warn(m);
  }
}
