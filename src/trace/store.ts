/**
 * The compact packet index: typed-array columns instead of a PacketInfo and a MessageInfo object
 * per packet. A million packets cost ~150 MB instead of ~900 MB, and the garbage collector has
 * almost nothing to trace (objects retained by the million made the scavenger copy half of what
 * it met). Columns grow by fixed chunks: no copy on growth, and untouched capacity costs nothing
 * (first touches of fresh memory are what cost, ~3 ms per MB on a VM). PacketInfo objects are
 * built on demand by `at(i)`. The chunks are shared memory: the threads that show a load worker's
 * index read it in place (exportRange/importRange), they do not each hold a copy.
 */
import type { FileRange } from "../capture/types.js";
import { type MessageInfo, MsgFlag, type PacketInfo, type PacketList } from "./types.js";

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

/**
 * Memory other threads can see: a load worker's index is read in place by the threads that show
 * it (see exportRange). Browsers without cross-origin isolation have no SharedArrayBuffer: the
 * static web build keeps one index in one thread, so plain memory does there.
 */
function sharedMemory(bytes: number): ArrayBuffer {
  return typeof SharedArrayBuffer === "function"
    ? (new SharedArrayBuffer(bytes) as unknown as ArrayBuffer)
    : new ArrayBuffer(bytes);
}

// One class per element type on purpose: a generic column would make every get/set site
// polymorphic over typed-array kinds, which V8 optimizes worse on this hot path.
class U32Col {
  private readonly chunks: Uint32Array[] = [];
  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
  set(i: number, v: number): void {
    const c = this.chunks[i >>> SHIFT] ?? this.add(i >>> SHIFT);
    c[i & MASK] = v;
  }
  private add(k: number): Uint32Array {
    while (this.chunks.length <= k) this.chunks.push(new Uint32Array(sharedMemory(CHUNK * 4)));
    return this.chunks[k]!;
  }
  /** The memory of chunks [from, end). */
  memory(from: number): ArrayBuffer[] {
    return this.chunks.slice(from).map((c) => c.buffer as ArrayBuffer);
  }
  get chunkCount(): number {
    return this.chunks.length;
  }
  /** Appends chunks another store's memory() gave. */
  adopt(mem: readonly ArrayBuffer[]): void {
    for (const b of mem) this.chunks.push(new Uint32Array(b));
  }
}

class F64Col {
  private readonly chunks: Float64Array[] = [];
  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
  set(i: number, v: number): void {
    const c = this.chunks[i >>> SHIFT] ?? this.add(i >>> SHIFT);
    c[i & MASK] = v;
  }
  private add(k: number): Float64Array {
    while (this.chunks.length <= k) this.chunks.push(new Float64Array(sharedMemory(CHUNK * 8)));
    return this.chunks[k]!;
  }
  memory(from: number): ArrayBuffer[] {
    return this.chunks.slice(from).map((c) => c.buffer as ArrayBuffer);
  }
  get chunkCount(): number {
    return this.chunks.length;
  }
  adopt(mem: readonly ArrayBuffer[]): void {
    for (const b of mem) this.chunks.push(new Float64Array(b));
  }
}

/**
 * Append-only bytes in 1 MB chunks; a position is `chunk * 2^31 + offset` (a record never spans
 * chunks). Holds the UTF-8 summaries (mostly unique: they carry file names) and the varint-coded
 * PDU locations.
 */
class ByteHeap {
  private readonly chunks: Buffer[] = [];
  cur: Buffer = Buffer.alloc(0);
  /** Index of `cur` in chunks. */
  private curIndex = -1;
  /** Write offset in `cur`. */
  n = 0;
  /** Makes room for `max` contiguous bytes at `n`. */
  room(max: number): void {
    if (this.n + max <= this.cur.length) return;
    this.cur = Buffer.from(sharedMemory(Math.max(1 << 20, max)));
    this.curIndex = this.chunks.push(this.cur) - 1;
    this.n = 0;
  }
  /** The position of offset `n` in the current chunk. */
  pos(): number {
    return this.curIndex * 2 ** 31 + this.n;
  }
  at(pos: number): [Buffer, number] {
    const k = Math.floor(pos / 2 ** 31);
    return [this.chunks[k]!, pos - k * 2 ** 31];
  }
  memory(from: number): ArrayBuffer[] {
    return this.chunks.slice(from).map((c) => c.buffer as ArrayBuffer);
  }
  get chunkCount(): number {
    return this.chunks.length;
  }
  /** Appends chunks another heap's memory() gave (read only here: positions stay the same). */
  adopt(mem: readonly ArrayBuffer[]): void {
    for (const b of mem) this.chunks.push(Buffer.from(b));
  }
}

/** Low-cardinality strings (addresses, session ids, FileIds, paths, details) stored once each. */
class StringTable {
  private readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  /** The id of `s` if it has one, else -1. */
  find(s: string): number {
    return this.ids.get(s) ?? -1;
  }
  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.ids.set(s, i);
    }
    return i;
  }
}

/** One string column's last value: consecutive packets mostly repeat addresses and sessions. */
class Recent {
  s = "";
  id = -1;
}

/** No optional strings. */
const NONE = -1;

/**
 * Writes `s` at `at` as UTF-8; returns bytes * 2 + 1 when not ASCII, bytes * 2 when ASCII (most
 * summaries and names: a plain loop beats Buffer.write's argument handling), -1 when UTF-8 cannot
 * hold it (lone surrogates of broken UTF-16 names).
 */
function writeText(b: Buffer, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (LONE_SURROGATE.test(s)) return -1;
      return b.write(s, at, "utf8") * 2 + 1;
    }
    b[at + i] = c;
  }
  return n * 2;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}

function putVarint(b: Buffer, at: number, v: number): number {
  while (v >= 0x80) {
    b[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  b[at++] = v;
  return at;
}

/** A canonical decimal below 2^53 (what String(n) gives back), else -1: no number-to-string per message. */
function decimalId(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15 || (n > 1 && s.charCodeAt(0) === 0x30)) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An imported packet's PDU locations stay with the store it came from. */
const NO_LOCS = -1;

/**
 * Walks the extras record at `start` (see pushExtras: presence bits, then each present string as a
 * varint length and its bytes), calling `visit` per string; returns the record's end.
 */
function walkExtras(
  b: Buffer,
  start: number,
  visit?: (field: number, at: number, len: number, utf8: boolean) => void,
): number {
  const r = new Reader(b, start);
  const bits = r.u8();
  for (let f = 0; f < 4; f++) {
    if (!(bits & (1 << f))) continue;
    const len = r.varint();
    visit?.(f, r.at, len, (bits & 0x10) !== 0);
    r.skip(len);
  }
  return r.at;
}

/** Reads the store's varint records from `b` at `at` on. */
class Reader {
  constructor(
    private readonly b: Buffer,
    public at = 0,
  ) {}
  u8(): number {
    return this.b[this.at++]!;
  }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const x = this.b[this.at++]!;
      v += (x & 0x7f) * mul;
      if (x < 0x80) return v;
      mul *= 128;
    }
  }
  skip(len: number): void {
    this.at += len;
  }
}

/** Message ids above 2^53 (SMB2 uses 0xFFFFFFFFFFFFFFFF for oplock breaks) are kept as strings. */
const BIG_ID = -1;
/** A message record's word: cmd + 1 (17 bits), flags (9), proto (2), isResponse, Continuation. */
const CONTINUATION_BIT = 1 << 29;

function flagsOf(w: number): number {
  return ((w >>> 17) & 0x1ff) | (w & CONTINUATION_BIT ? MsgFlag.Continuation : 0);
}
/** No packet-level summary stored: it is the summary of the packet's only message. */
const SAME_AS_MESSAGE = -1;
/**
 * A message summary stored as prefix + the message's path + suffix, the two parts as string-table
 * ids in its length column (prefix << 16 | suffix): "Create Request File: " and its like repeat,
 * the path is stored anyway, and these summaries as text were 26 of a 900k-op index's 71 MB of
 * text, written at ~5 ns a byte.
 */
const TEMPLATE = -1;
/** String-table ids a template part can have (16 bits each). */
const MAX_TEMPLATE_ID = 0xffff;

/** MessageInfo's optional strings, in the order an extras record holds them. */
export type ExtraField = 0 | 1 | 2 | 3;
export const EXTRA_ASYNC_ID: ExtraField = 0;
export const EXTRA_FILE_ID: ExtraField = 1;
export const EXTRA_PATH: ExtraField = 2;
export const EXTRA_DETAIL: ExtraField = 3;

/** Optional string `field` of a message. */
export function extraOf(m: Partial<MessageInfo>, field: ExtraField): string | undefined {
  return field === EXTRA_ASYNC_ID
    ? m.asyncId
    : field === EXTRA_FILE_ID
      ? m.fileId
      : field === EXTRA_PATH
        ? m.path
        : m.detail;
}

/** A message's numeric fields (PacketStore.msgHead); `id` is its msgId when exact below 2^53, else -1. */
export interface MsgHead {
  proto: 0 | 1 | 2;
  cmd: number;
  isResponse: boolean;
  flags: number;
  status: number;
  id: number;
}

/** message()'s scratch (nothing keeps it). */
const HEAD: MsgHead = { proto: 0, cmd: 0, isResponse: false, flags: 0, status: 0, id: 0 };

/** What earlier batches of exportRange carried. */
interface Exported {
  packets: number;
  /** Chunks per part (see PacketStore.parts). */
  chunks: number[];
  strings: number;
  bigIds: number;
  oddExtras: number;
  odd: number;
}

/** Packets [from, to) of a store, as another thread imports them (PacketStore.exportRange). */
export interface StoreBatch {
  from: number;
  to: number;
  /** Messages of packets [0, to). */
  mcount: number;
  /** Per part (columns, text, locations), the memory chunks earlier batches did not carry. */
  memory: ArrayBuffer[][];
  strings: string[];
  bigIds: string[];
  oddExtras: Partial<MessageInfo>[];
  odd: string[];
  /** [packet index, Info] of packets whose Info changed after earlier batches carried them. */
  amends: [number, string][];
}

/** Where one PDU of a packet is in the file, as it is indexed (see Pdu in src/capture/types.ts). */
export interface PduSpans {
  /** offset, length, offset, length... (offset -1: bytes missing from the capture). */
  spans: readonly number[];
  skip: number;
  nbssType: number;
}

/** The same, read back. */
export interface PduLoc {
  ranges: FileRange[];
  skip: number;
  nbssType: number;
}

export class PacketStore implements PacketList {
  private count = 0;
  // Per packet.
  private readonly no = new U32Col();
  private readonly time = new F64Col();
  private readonly src = new U32Col();
  private readonly dst = new U32Col();
  private readonly ports = new U32Col(); // src << 16 | dst
  private readonly conn = new U32Col();
  private readonly firstMsg = new U32Col();
  private readonly sumRef = new F64Col();
  private readonly sumLen = new U32Col();
  private readonly locRef = new F64Col();

  private mcount = 0;
  // Per message.
  /** (cmd + 1) in 17 bits (cmd is -1 or a 16-bit command) | flags << 17 | proto << 26 | isResponse << 28 */
  private readonly word = new U32Col();
  private readonly status = new U32Col();
  private readonly msgId = new F64Col();
  private readonly bigIds: string[] = [];
  private readonly tid = new U32Col();
  private readonly ses = new U32Col();
  /** Where asyncId, fileId, path and detail are in the text heap (they are mostly unique). */
  private readonly extra = new F64Col();
  private readonly oddExtras: Partial<MessageInfo>[] = [];
  private readonly msumRef = new F64Col();
  private readonly msumLen = new U32Col();

  private readonly strings = new StringTable();
  private readonly odd: string[] = [];
  private readonly text = new ByteHeap();
  private readonly locs = new ByteHeap();
  private readonly lastSrc = new Recent();
  private readonly lastDst = new Recent();
  private readonly lastSes = new Recent();
  /** Per message kind (protocol, command, response), the last template pushSummary stored: its prefix, suffix and ids. */
  private readonly templates: ({ prefix: string; suf: string; ids: number } | undefined)[] = [];
  /**
   * Packet Infos replaced after other threads could read them (see setSummary), by packet index;
   * `amendsOut` holds those the next batch carries.
   */
  private readonly amends = new Map<number, string>();
  private amendsOut: [number, string][] = [];
  /** exportRange: what earlier batches carried (packets, chunks, table entries). */
  private exported: Exported = { packets: 0, chunks: [], strings: 0, bigIds: 0, oddExtras: 0, odd: 0 };
  /** A store fed by importRange shares another store's memory: it never writes its own. */
  private view = false;

  get length(): number {
    return this.count;
  }

  /** Frame number of packet i, without building the packet. */
  frameNo(i: number): number {
    return this.no.get(i);
  }

  /** Connection and capture time of packet i (what a tree's dissection needs), without building it. */
  connOf(i: number): number {
    return this.conn.get(i);
  }

  timeOf(i: number): number {
    return this.time.get(i);
  }

  /** Index of frame `no`, or -1 (packets are in frame order). */
  indexOf(no: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.no.get(mid);
      if (v === no) return mid;
      if (v < no) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Appends a packet (frame order); `locs` where its PDUs are in the file (none: trees come from elsewhere). */
  push(p: PacketInfo, locs: readonly PduSpans[] = []): void {
    if (this.view) throw new Error("PacketStore: a store fed by importRange is read-only");
    const i = this.count;
    const ms = p.messages;
    this.no.set(i, p.no);
    this.time.set(i, p.time);
    this.src.set(i, this.recent(this.lastSrc, p.src));
    this.dst.set(i, this.recent(this.lastDst, p.dst));
    this.ports.set(i, ((p.srcPort << 16) | p.dstPort) >>> 0);
    this.conn.set(i, p.conn);
    this.firstMsg.set(i, this.mcount);
    for (const m of ms) this.pushMessage(m);
    this.count = i + 1;
    if (ms.length === 1 && p.summary === ms[0]!.summary) this.sumRef.set(i, SAME_AS_MESSAGE);
    else this.setSummary(i, p.summary);
    this.pushLocs(i, locs);
  }

  /** Replaces packet i's Info (a later frame showed that it also starts a reassembled PDU). */
  setSummary(i: number, summary: string): void {
    if (i < this.exported.packets) {
      // Other threads read this packet's columns: they learn of the new Info from the next batch.
      this.amends.set(i, summary);
      this.amendsOut.push([i, summary]);
      return;
    }
    const [ref, len] = this.addText(summary);
    this.sumRef.set(i, ref);
    this.sumLen.set(i, len);
  }

  at(i: number): PacketInfo | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    const first = this.firstMsg.get(i);
    const end = this.msgStart(i + 1);
    const messages: MessageInfo[] = [];
    for (let k = first; k < end; k++) messages.push(this.message(k));
    const ref = this.sumRef.get(i);
    const summary =
      this.amended(i) ??
      (ref === SAME_AS_MESSAGE ? messages[0]!.summary : this.getText(ref, this.sumLen.get(i)));
    return Object.assign(this.head(i, summary), { messages });
  }

  /** Packet i's Info when it changed after other threads could read it (see setSummary). */
  private amended(i: number): string | undefined {
    return this.amends.size ? this.amends.get(i) : undefined;
  }

  /** Message k of packet i, decoding that message only. */
  messageOf(i: number, k: number): MessageInfo | undefined {
    if (!(i >= 0 && i < this.count)) return undefined;
    const first = this.firstMsg.get(i);
    const end = this.msgStart(i + 1);
    return k >= 0 && first + k < end ? this.message(first + k) : undefined;
  }

  /** The protocol of each of packet i's messages (no text decoded). */
  protos(i: number): number[] {
    const out: number[] = [];
    if (!(i >= 0 && i < this.count)) return out;
    const end = this.msgStart(i + 1);
    for (let k = this.firstMsg.get(i); k < end; k++) out.push((this.word.get(k) >>> 26) & 3);
    return out;
  }

  /** Packet i without its messages (what a list line shows): no message or optional text decoded. */
  row(i: number): Omit<PacketInfo, "messages"> {
    const amended = this.amended(i);
    if (amended !== undefined) return this.head(i, amended);
    const ref = this.sumRef.get(i);
    const first = this.firstMsg.get(i);
    return this.head(
      i,
      ref === SAME_AS_MESSAGE ? this.msgSummary(first) : this.getText(ref, this.sumLen.get(i)),
    );
  }

  private head(i: number, summary: string): Omit<PacketInfo, "messages"> {
    const s = this.strings.values;
    const ports = this.ports.get(i);
    return {
      no: this.no.get(i),
      time: this.time.get(i),
      src: s[this.src.get(i)]!,
      dst: s[this.dst.get(i)]!,
      srcPort: ports >>> 16,
      dstPort: ports & 0xffff,
      conn: this.conn.get(i),
      summary,
    };
  }

  *[Symbol.iterator](): IterableIterator<PacketInfo> {
    for (let i = 0; i < this.count; i++) yield this.at(i)!;
  }

  /** Where packet i's PDUs are in the file, in order. */
  locsOf(i: number): PduLoc[] {
    const ref = this.locRef.get(i);
    if (ref === NO_LOCS) return [];
    const r = new Reader(...this.locs.at(ref));
    const next = () => r.varint();
    const out: PduLoc[] = [];
    const n = next();
    let end = 0;
    for (let j = 0; j < n; j++) {
      const nbssType = next();
      const skip = next();
      const nr = next();
      const ranges: FileRange[] = [];
      for (let r = 0; r < nr; r++) {
        const z = next();
        const offset = end + (z % 2 ? -(z + 1) / 2 : z / 2);
        const length = next();
        ranges.push({ offset, length });
        end = offset + length;
      }
      out.push({ nbssType, skip, ranges });
    }
    return out;
  }

  /** Varints: counts, then each range as its offset's distance from the previous range's end (zigzag) and length. */
  private pushLocs(i: number, locs: readonly PduSpans[]): void {
    const h = this.locs;
    let max = 10;
    for (const l of locs) max += 30 + 10 * l.spans.length;
    h.room(max);
    this.locRef.set(i, h.pos());
    const b = h.cur;
    let at = putVarint(b, h.n, locs.length);
    let end = 0;
    for (const l of locs) {
      at = putVarint(b, at, l.nbssType);
      at = putVarint(b, at, l.skip);
      const sp = l.spans;
      at = putVarint(b, at, sp.length / 2);
      for (let j = 0; j < sp.length; j += 2) {
        const offset = sp[j]!;
        const length = sp[j + 1]!;
        const d = offset - end;
        at = putVarint(b, at, d >= 0 ? 2 * d : -2 * d - 1);
        at = putVarint(b, at, length);
        end = offset + length;
      }
    }
    h.n = at;
  }

  private recent(r: Recent, s: string): number {
    if (r.id >= 0 && r.s === s) return r.id;
    r.s = s;
    r.id = this.strings.id(s);
    return r.id;
  }

  /**
   * A string in the text heap: [position, byte length * 2 + 1 if not ASCII]; a string UTF-8
   * cannot hold exactly: [-2 - index, 0].
   */
  private addText(s: string): [number, number] {
    const h = this.text;
    h.room(s.length * 3);
    const ref = h.pos();
    const len = writeText(h.cur, h.n, s);
    if (len < 0) {
      this.odd.push(s);
      return [-2 - (this.odd.length - 1), 0];
    }
    h.n += len >>> 1;
    return [ref, len];
  }

  private getText(ref: number, len: number): string {
    if (ref < 0) return this.odd[-2 - ref]!;
    const [b, at] = this.text.at(ref);
    return b.toString(len & 1 ? "utf8" : "latin1", at, at + (len >>> 1));
  }

  /** The optional strings of message k, from its record (presence bits, then each as varint length + text). */
  private extras(k: number, m: MessageInfo): void {
    const ref = this.extra.get(k);
    if (ref === NONE) return;
    if (ref < 0) {
      Object.assign(m, this.oddExtras[-2 - ref]);
      return;
    }
    const [b, start] = this.text.at(ref);
    walkExtras(b, start, (f, at, len, utf8) => {
      const v = b.toString(utf8 ? "utf8" : "latin1", at, at + len);
      if (f === 0) m.asyncId = v;
      else if (f === 1) m.fileId = v;
      else if (f === 2) m.path = v;
      else m.detail = v;
    });
  }

  private pushExtras(k: number, m: MessageInfo): void {
    const { asyncId, fileId, path, detail } = m;
    if (asyncId === undefined && fileId === undefined && path === undefined && detail === undefined) {
      this.extra.set(k, NONE);
      return;
    }
    const h = this.text;
    const max =
      1 +
      (asyncId === undefined ? 0 : 5 + 3 * asyncId.length) +
      (fileId === undefined ? 0 : 5 + 3 * fileId.length) +
      (path === undefined ? 0 : 5 + 3 * path.length) +
      (detail === undefined ? 0 : 5 + 3 * detail.length);
    h.room(max);
    const b = h.cur;
    const start = h.n;
    let at = start + 1;
    let bits = 0;
    for (let f = 0; f < 4; f++) {
      const v = f === 0 ? asyncId : f === 1 ? fileId : f === 2 ? path : detail;
      if (v === undefined) continue;
      bits |= 1 << f;
      // The length goes first: reserve its varint for the worst case only when not ASCII.
      let n = writeText(b, at + varintSize(v.length), v);
      if (n < 0) {
        const o: Partial<MessageInfo> = {};
        if (asyncId !== undefined) o.asyncId = asyncId;
        if (fileId !== undefined) o.fileId = fileId;
        if (path !== undefined) o.path = path;
        if (detail !== undefined) o.detail = detail;
        this.oddExtras.push(o);
        this.extra.set(k, -2 - (this.oddExtras.length - 1));
        return;
      }
      if (n & 1) {
        // Not ASCII: all of this record's strings are read as UTF-8 (ASCII is valid UTF-8).
        bits |= 0x10;
        const size = varintSize(n >>> 1);
        if (size !== varintSize(v.length))
          b.copy(b, at + size, at + varintSize(v.length), at + varintSize(v.length) + (n >>> 1));
      }
      n >>>= 1;
      at = putVarint(b, at, n);
      at += n;
    }
    b[start] = bits;
    this.extra.set(k, h.pos());
    h.n = at;
  }

  private pushMessage(m: MessageInfo): void {
    const k = this.mcount++;
    this.word.set(
      k,
      (((m.cmd + 1) & 0x1ffff) |
        ((m.flags & 0x1ff) << 17) |
        (m.proto << 26) |
        (m.isResponse ? 1 << 28 : 0) |
        (m.flags & MsgFlag.Continuation ? CONTINUATION_BIT : 0)) >>>
        0,
    );
    this.status.set(k, m.status >>> 0);
    const id = decimalId(m.msgId);
    if (id >= 0) this.msgId.set(k, id);
    else {
      this.msgId.set(k, BIG_ID - this.bigIds.length);
      this.bigIds.push(m.msgId);
    }
    this.tid.set(k, m.tid >>> 0);
    this.ses.set(k, this.recent(this.lastSes, m.sesId));
    this.pushExtras(k, m);
    this.pushSummary(k, m.summary, m.path, (((m.proto << 8) | (m.cmd & 0xff)) << 1) | (m.isResponse ? 1 : 0));
  }

  /** Message k's summary: a template around `path` when it contains it, else text. */
  private pushSummary(k: number, summary: string, path: string | undefined, kind: number): void {
    const at = path ? summary.lastIndexOf(path) : -1;
    if (at >= 0) {
      // Messages of a kind mostly share their template: compared in place with the kind's last
      // one, the parts are not sliced out and hashed again (a tenth of indexing small operations).
      const t = this.templates[kind];
      const sufAt = at + path!.length;
      if (
        t !== undefined &&
        t.prefix.length === at &&
        summary.length - sufAt === t.suf.length &&
        summary.startsWith(t.prefix) &&
        summary.endsWith(t.suf)
      ) {
        this.msumRef.set(k, TEMPLATE);
        this.msumLen.set(k, t.ids);
        return;
      }
      const prefix = summary.slice(0, at);
      const pre = this.templateId(prefix);
      const suffix = pre < 0 ? "" : summary.slice(sufAt);
      const suf = pre < 0 ? -1 : this.templateId(suffix);
      if (suf >= 0) {
        const ids = ((pre << 16) | suf) >>> 0;
        this.msumRef.set(k, TEMPLATE);
        this.msumLen.set(k, ids);
        // Updated in place: a kind whose prefixes vary (Read Request Len:… Off:…) misses every time.
        if (t) {
          t.prefix = prefix;
          t.suf = suffix;
          t.ids = ids;
        } else this.templates[kind] = { prefix, suf: suffix, ids };
        return;
      }
    }
    const [ref, len] = this.addText(summary);
    this.msumRef.set(k, ref);
    this.msumLen.set(k, len);
  }

  /** The string-table id of a template part, or -1 when the table has no room for it. */
  private templateId(s: string): number {
    const id = this.strings.find(s);
    if (id >= 0) return id <= MAX_TEMPLATE_ID ? id : -1;
    return this.strings.values.length <= MAX_TEMPLATE_ID ? this.strings.id(s) : -1;
  }

  /** Message k's summary. */
  private msgSummary(k: number, path?: string): string {
    const ref = this.msumRef.get(k);
    const len = this.msumLen.get(k);
    if (ref !== TEMPLATE) return this.getText(ref, len);
    const s = this.strings.values;
    return s[len >>> 16]! + (path ?? this.extraPath(k)) + s[len & 0xffff]!;
  }

  /** The path in message k's extras (a templated summary has one). */
  private extraPath(k: number): string {
    return this.msgExtra(k, EXTRA_PATH) ?? "";
  }

  /**
   * One optional string of message k (see pushExtras), the others skipped undecoded. Message k is
   * the store's k-th message: packet i has messages [msgStart(i), msgStart(i + 1)).
   */
  msgExtra(k: number, field: ExtraField): string | undefined {
    const ref = this.extra.get(k);
    if (ref === NONE) return undefined;
    if (ref < 0) return extraOf(this.oddExtras[-2 - ref]!, field);
    const [b, start] = this.text.at(ref);
    const bits = b[start]!;
    if (!(bits & (1 << field))) return undefined;
    const r = new Reader(b, start + 1);
    for (let f = 0; f < field; f++) if (bits & (1 << f)) r.skip(r.varint());
    const len = r.varint();
    return b.toString(bits & 0x10 ? "utf8" : "latin1", r.at, r.at + len);
  }

  /**
   * Message k's numeric fields into `out` (reused by the caller): a pass over every message (the
   * diff's operation list) reads these without building a million MessageInfo objects.
   */
  msgHead(k: number, out: MsgHead): void {
    const w = this.word.get(k);
    out.proto = ((w >>> 26) & 3) as 0 | 1 | 2;
    out.cmd = (w & 0x1ffff) - 1;
    out.isResponse = (w & (1 << 28)) !== 0;
    out.flags = flagsOf(w);
    out.status = this.status.get(k);
    const id = this.msgId.get(k);
    out.id = id >= 0 ? id : -1;
  }

  /** Message k's MessageInfo.msgId. */
  msgIdText(k: number): string {
    const id = this.msgId.get(k);
    return id >= 0 ? String(id) : this.bigIds[BIG_ID - id]!;
  }

  /** The columns, then the text and location heaps, in the order batches list their memory. */
  private parts(): (U32Col | F64Col | ByteHeap)[] {
    return [
      this.no,
      this.time,
      this.src,
      this.dst,
      this.ports,
      this.conn,
      this.firstMsg,
      this.sumRef,
      this.sumLen,
      this.locRef,
      this.word,
      this.status,
      this.msgId,
      this.tid,
      this.ses,
      this.extra,
      this.msumRef,
      this.msumLen,
      this.text,
      this.locs,
    ];
  }

  /**
   * Packets [from, to) for `importRange` in other threads (how a load worker, src/worker, hands
   * its index to the threads that show it): no copy, the batch carries the memory the columns
   * and texts are in (shared), and only what earlier batches did not carry (new chunks, new
   * string-table entries, Infos amended since). Batches are made once for every consumer, in
   * order, `from` where the last one ended. `catchUp`: a first batch for a consumer that joins
   * late, of the packets [0, from + ...) earlier batches carried; the next batches follow on from it.
   */
  exportRange(from: number, to: number, opts: { catchUp?: boolean } = {}): StoreBatch {
    const e = this.exported;
    const parts = this.parts();
    if (opts.catchUp) {
      return {
        from: 0,
        to: e.packets,
        mcount: this.msgStart(e.packets),
        memory: parts.map((c, k) => c.memory(0).slice(0, e.chunks[k] ?? 0)),
        strings: this.strings.values.slice(0, e.strings),
        bigIds: this.bigIds.slice(0, e.bigIds),
        oddExtras: this.oddExtras.slice(0, e.oddExtras),
        odd: this.odd.slice(0, e.odd),
        amends: [...this.amends].filter(([i]) => i < e.packets),
      };
    }
    if (from !== e.packets || to < from || to > this.count)
      throw new Error(`PacketStore.exportRange(${from}, ${to}): the last batch ended at ${e.packets}`);
    const batch: StoreBatch = {
      from,
      to,
      mcount: this.msgStart(to),
      memory: parts.map((c, k) => c.memory(e.chunks[k] ?? 0)),
      strings: this.strings.values.slice(e.strings),
      bigIds: this.bigIds.slice(e.bigIds),
      oddExtras: this.oddExtras.slice(e.oddExtras),
      odd: this.odd.slice(e.odd),
      amends: this.amendsOut,
    };
    this.amendsOut = [];
    this.exported = {
      packets: to,
      chunks: parts.map((c) => c.chunkCount),
      strings: this.strings.values.length,
      bigIds: this.bigIds.length,
      oddExtras: this.oddExtras.length,
      odd: this.odd.length,
    };
    return batch;
  }

  /** Message index where packet i's messages start (the message count for i = length). */
  msgStart(i: number): number {
    return i < this.count ? this.firstMsg.get(i) : this.mcount;
  }

  /**
   * Takes the packets of a batch from another store's `exportRange` (its batches in order, into
   * a store that holds nothing else); returns how many packets it added.
   */
  importRange(batch: StoreBatch): number {
    if (batch.from !== this.count || (!this.view && this.mcount > 0))
      throw new Error(`PacketStore.importRange: a batch from packet ${batch.from} after ${this.count}`);
    this.view = true;
    const parts = this.parts();
    for (let k = 0; k < parts.length; k++) parts[k]!.adopt(batch.memory[k] ?? []);
    for (const v of batch.strings) this.strings.values.push(v);
    for (const v of batch.bigIds) this.bigIds.push(v);
    for (const v of batch.oddExtras) this.oddExtras.push(v);
    for (const v of batch.odd) this.odd.push(v);
    for (const [i, summary] of batch.amends) this.amends.set(i, summary);
    const added = batch.to - this.count;
    this.count = batch.to;
    this.mcount = batch.mcount;
    return added;
  }

  private message(k: number): MessageInfo {
    const h = HEAD;
    this.msgHead(k, h);
    const m: MessageInfo = {
      proto: h.proto,
      cmd: h.cmd,
      isResponse: h.isResponse,
      status: h.status,
      msgId: this.msgIdText(k),
      sesId: this.strings.values[this.ses.get(k)]!,
      tid: this.tid.get(k),
      summary: "",
      flags: h.flags,
    };
    this.extras(k, m);
    m.summary = this.msgSummary(k, m.path ?? "");
    return m;
  }
}

/** Frame number of packet i of any list (without building the packet when the list is a PacketStore). */
export function frameOf(list: PacketList, i: number): number | undefined {
  if (list instanceof PacketStore) return i >= 0 && i < list.length ? list.frameNo(i) : undefined;
  return list.at(i)?.no;
}

/** Message k of packet i of any list (only that message decoded when the list is a PacketStore). */
export function messageOf(list: PacketList, i: number, k: number): MessageInfo | undefined {
  if (list instanceof PacketStore) return list.messageOf(i, k);
  return list.at(i)?.messages[k];
}

/** The protocols of packet i's messages, in order (no text decoded when the list is a PacketStore). */
export function protosOf(list: PacketList, i: number): number[] {
  if (list instanceof PacketStore) return list.protos(i);
  return list.at(i)?.messages.map((m) => m.proto) ?? [];
}

/** Each message's numeric fields, in order (`head` is reused; no text decoded from a PacketStore). */
export function eachMessageHead(list: PacketList, visit: (head: Readonly<MsgHead>) => void): void {
  const h: MsgHead = { proto: 0, cmd: 0, isResponse: false, flags: 0, status: 0, id: 0 };
  if (list instanceof PacketStore) {
    const n = list.msgStart(list.length);
    for (let k = 0; k < n; k++) {
      list.msgHead(k, h);
      visit(h);
    }
    return;
  }
  for (const p of list)
    for (const m of p.messages) {
      messageHead(m, h);
      visit(h);
    }
}

/** A MessageInfo's numeric fields into `out` (what PacketStore.msgHead reads from its columns). */
export function messageHead(m: MessageInfo, out: MsgHead): void {
  out.proto = m.proto;
  out.cmd = m.cmd;
  out.isResponse = m.isResponse;
  out.flags = m.flags;
  out.status = m.status;
  out.id = decimalId(m.msgId);
}

/** Packet i of any list without building its messages when the list is a PacketStore. */
export function packetRow(list: PacketList, i: number): Omit<PacketInfo, "messages"> | undefined {
  if (list instanceof PacketStore) return i >= 0 && i < list.length ? list.row(i) : undefined;
  return list.at(i);
}
