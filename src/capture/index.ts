/**
 * The capture reader: one streaming pass over a pcap/pcapng file (gzip detected by magic) that
 * yields the NBSS/SMB PDUs of its TCP connections tagged with Wireshark frame numbers, plus random
 * access to frames and byte ranges afterwards.
 */
import { Defrag, LinkType, linkLayer, type Piece } from "./net.js";
import { RecordReader } from "./records.js";
import { openSource, type Source } from "./source.js";
import { type Dir, type PduSink, Tcp } from "./tcp.js";
import type { FileRange, Pdu, ReadOptions } from "./types.js";
import { FileWindow } from "./window.js";

export { dissectLayers, type LayerFrame } from "./layers.js";
export { CaptureError } from "./source.js";
export type { CaptureWarning, FileRange, Pdu, ReadOptions } from "./types.js";

export interface FrameData {
  data: Buffer;
  linktype: number;
  time: number;
  nanos: number;
  origLen: number;
}

export interface Capture {
  readonly path: string;
  /**
   * Single pass over the file, yielding PDUs in order of the frame that completes them. A plain
   * synchronous iterable (also usable with `for await`): no per-PDU promise overhead.
   */
  pdus(): Iterable<Pdu>;
  /** After pdus() finished: number of frames (records) in the file. */
  readonly frameCount: number;
  /** "pcap" or "pcapng". */
  readonly format: string;
  /** The file actually read: `path`, or the decompressed temp file for gzip input. */
  readonly dataFile: string;
  /** Concatenated bytes of `ranges` (offset -1 = bytes missing from the capture, read as zeros). */
  readRanges(ranges: readonly FileRange[]): Buffer;
  /** The same for flat ranges (offset, length, offset, length...), as in `Pdu.spans`. */
  readSpans(spans: ArrayLike<number>): Buffer;
  /** Frame n (1-based) as recorded, once the pass has reached it. */
  readFrame(n: number): FrameData | undefined;
  close(): void;
}

const IPPROTO_TCP = 6;

/** A PDU as yielded by pdus(): one class (one object shape); `ranges` built from `spans` when read. */
class CapturedPdu implements Pdu {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  conn: number;
  skip = 4;
  private built: FileRange[] | undefined = undefined;

  constructor(
    public frame: number,
    public time: number,
    public nanos: number,
    private readonly d: Dir,
    public nbssType: number,
    public data: Buffer,
    public size: number,
    public spans: readonly number[],
    public frames: number[] | undefined,
    public incomplete: true | undefined,
  ) {
    this.src = d.src;
    this.dst = d.dst;
    this.srcPort = d.srcPort;
    this.dstPort = d.dstPort;
    this.conn = d.conn.index;
  }

  pendingFrom(): number {
    const d = this.d;
    return d.hdrHave > 0 || d.inBody ? (d.frames[0] ?? 0) : 0;
  }

  get ranges(): FileRange[] {
    if (this.built === undefined) {
      const s = this.spans;
      const r: FileRange[] = [];
      for (let i = 0; i + 1 < s.length; i += 2) r.push({ offset: s[i]!, length: s[i + 1]! });
      this.built = r;
    }
    return this.built;
  }

  set ranges(r: FileRange[]) {
    this.built = r;
  }
}

const BLOCK_BITS = 10;
const BLOCK = 1 << BLOCK_BITS;

/**
 * File offsets of frames, in blocks of 1024: each block is a base offset plus 32-bit deltas
 * (a Float64Array only if a block spans 4 GB). Half the memory of one Float64Array and no
 * copying on growth: fresh memory costs page faults, which showed in profiles.
 */
class FrameIndex {
  // Small blocks: addBlock() runs often enough to have type feedback when the caller is
  // optimised (a first call after that deoptimises it). Both arrays are created with their final
  // element kinds, and never replaced: a first push that changes an array's map, or a second
  // value in a field, also deoptimises optimised code that relies on them.
  private readonly base: number[] = [0.5];
  private readonly blocks: (Uint32Array | Float64Array)[] = [new Uint32Array(0)];

  constructor() {
    this.base.pop();
    this.blocks.pop();
  }

  set(n: number, off: number): void {
    const k = n >>> BLOCK_BITS;
    if (k >= this.blocks.length) this.addBlock(k, off);
    const d = off - this.base[k]!;
    if (d > 0xffffffff) this.widen(k);
    this.blocks[k]![n & (BLOCK - 1)] = d;
  }

  get(n: number): number {
    const k = n >>> BLOCK_BITS;
    return this.base[k]! + this.blocks[k]![n & (BLOCK - 1)]!;
  }

  private addBlock(k: number, off: number): void {
    while (this.blocks.length <= k) {
      this.base.push(off);
      this.blocks.push(new Uint32Array(BLOCK));
    }
  }

  /** A block spanning more than 4 GB of file (frames of up to 64 MB) keeps 64-bit offsets. */
  private widen(k: number): void {
    const blk = this.blocks[k]!;
    if (blk instanceof Uint32Array) this.blocks[k] = Float64Array.from(blk);
  }
}

class CaptureImpl implements Capture, PduSink {
  frameCount = 0;
  /** Record file offsets by frame number, in blocks (see FrameIndex). */
  private readonly offsets = new FrameIndex();
  private ifs: Int32Array | null = null;
  private readonly reader: RecordReader;
  /** readSpans: PDUs read back for trees, mostly in file order. */
  private readonly window: FileWindow;
  private readonly tcp: Tcp;
  private readonly defrag = new Defrag();
  private out: Pdu[] = [];
  private frame = 0;
  private timeFrame = -1;
  private sec = 0;
  private nanos = 0;
  private readonly ts = { sec: 0, nanos: 0 };
  private readonly l2 = { proto: 0 };
  private started = false;
  private nextProgress = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly src: Source,
    private readonly opts: ReadOptions,
  ) {
    this.reader = new RecordReader(src.fd, src.size, path);
    this.window = new FileWindow(src.fd);
    if (this.reader.format === "pcapng") this.ifs = new Int32Array(1024);
    this.tcp = new Tcp(this, opts.ports ?? [], {
      maxOoo: opts.maxOutOfOrder,
      maxOooTotal: opts.maxOutOfOrderTotal,
      maxPdu: opts.maxPdu,
      maxConns: opts.maxConnections,
      borrow: opts.borrowData,
    });
  }

  get dataFile(): string {
    return this.src.file;
  }

  get format(): string {
    return this.reader.format;
  }

  *pdus(): Iterable<Pdu> {
    if (this.started) throw new Error("Capture.pdus() can only be iterated once");
    this.started = true;
    const r = this.reader;
    const out = this.out;
    while (this.pump()) {
      if (out.length === 1) yield out.pop()!;
      else {
        for (let i = 0; i < out.length; i++) yield out[i]!;
        out.length = 0;
      }
    }
    this.frameCount = this.frame;
    if (r.problem || this.src.gzipError) {
      this.warn(
        r.problem
          ? `${this.path}: ${r.problem}; read ${this.frame} frames`
          : `${this.path}: gzip data is corrupt or cut short (${this.src.gzipError})`,
      );
    }
    this.tcp.finishAll();
    for (let i = 0; i < out.length; i++) yield out[i]!;
    out.length = 0;
    const onProgress = this.opts.onProgress;
    if (onProgress) onProgress(this.src.size, this.src.size);
  }

  /** Reads frames until one completes a PDU (true) or the file ends (false). */
  private pump(): boolean {
    const r = this.reader;
    const out = this.out;
    const onProgress = this.opts.onProgress;
    const pcapLink = r.format === "pcap" ? r.linktype() : -2;
    while (out.length === 0) {
      if (!r.next()) return false;
      const n = ++this.frame;
      this.offsets.set(n, r.recOff);
      if (this.ifs) this.setIface(n, r.iface);
      this.tcp.frame = n;
      const linktype = pcapLink === -2 ? r.linktype() : pcapLink;
      const b = r.buf;
      const p = r.dataPos;
      const end = p + r.caplen;
      // Untagged Ethernet + IPv4 directly (the common case); anything else through linkLayer.
      if (linktype === LinkType.Ethernet && end - p >= 14 && b[p + 12] === 8 && b[p + 13] === 0)
        this.ipv4(b, p + 14, end);
      else this.onFrame(b, p, end, linktype);
      if (onProgress && r.done >= this.nextProgress) {
        onProgress(r.done, this.src.size);
        this.nextProgress = r.done + (16 << 20);
      }
    }
    this.frameCount = this.frame;
    return true;
  }

  private setIface(n: number, iface: number): void {
    let ifs = this.ifs!;
    if (n >= ifs.length) {
      const f = new Int32Array(ifs.length * 2);
      f.set(ifs);
      ifs = this.ifs = f;
    }
    ifs[n] = iface;
  }

  private onFrame(b: Buffer, p: number, end: number, linktype: number): void {
    const l2 = this.l2;
    const q = linkLayer(b, p, end, linktype, l2);
    if (q < 0) return;
    if (l2.proto === 4) this.ipv4(b, q, end);
    else if (l2.proto === 6) this.ipv6(b, q, end);
  }

  private ipv4(b: Buffer, p: number, end: number): void {
    if (end - p < 20) return;
    const vihl = b[p]!;
    const ihl = (vihl & 15) * 4;
    if (vihl >> 4 !== 4 || ihl < 20) return;
    const tot = (b[p + 2]! << 8) | b[p + 3]!;
    // Total length 0 happens with TSO captures; otherwise it trims link-layer padding.
    // Bytes beyond the captured end are a known hole only when the record was cut by the snaplen.
    const r = this.reader;
    const wire = tot >= ihl && (p + tot < end || r.caplen < r.origLen) ? p + tot : end;
    if (wire < end) end = wire;
    if (p + ihl > end) return;
    const proto = b[p + 9]!;
    const frag = (b[p + 6]! << 8) | b[p + 7]!;
    const src = ((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0;
    const dst = ((b[p + 16]! << 24) | (b[p + 17]! << 16) | (b[p + 18]! << 8) | b[p + 19]!) >>> 0;
    if (frag & 0x3fff) {
      const id = (b[p + 4]! << 8) | b[p + 5]!;
      const key = `4|${src}|${dst}|${id}|${proto}`;
      const whole = this.defrag.add(
        key,
        (frag & 0x1fff) * 8,
        (frag & 0x2000) !== 0,
        b,
        p + ihl,
        end,
        this.reader.fileOffset(p + ihl),
        proto,
        this.frame,
      );
      if (whole === undefined || proto !== IPPROTO_TCP) return;
      this.tcp.segment(whole, 0, whole.length, whole.length, src, dst, 0, this.defrag.pieces);
      return;
    }
    if (proto !== IPPROTO_TCP) return;
    this.tcp.segment(b, p + ihl, end, Math.max(wire, end), src, dst, r.fileOffset(0), null);
  }

  private ipv6(b: Buffer, p: number, end: number): void {
    if (end - p < 40 || b[p]! >> 4 !== 6) return;
    const plen = (b[p + 4]! << 8) | b[p + 5]!;
    // Payload length 0 means a jumbogram (or TSO); keep the captured end then.
    const cut = this.reader.caplen < this.reader.origLen;
    const wire = plen > 0 && (cut || p + 40 + plen < end) ? p + 40 + plen : end;
    if (wire < end) end = wire;
    let next = b[p + 6]!;
    const src = b.toString("latin1", p + 8, p + 24);
    const dst = b.toString("latin1", p + 24, p + 40);
    let q = p + 40;
    let base = this.reader.fileOffset(0);
    let pieces: Piece[] | null = null;
    let buf = b;
    for (let hops = 0; hops < 16; hops++) {
      switch (next) {
        case IPPROTO_TCP:
          this.tcp.segment(buf, q, end, pieces === null ? Math.max(end, wire) : end, src, dst, base, pieces);
          return;
        case 0: // hop-by-hop
        case 43: // routing
        case 60: // destination options
        case 135: // mobility
          if (end - q < 8) return;
          next = buf[q]!;
          q += (buf[q + 1]! + 1) * 8;
          break;
        case 51: // AH
          if (end - q < 8) return;
          next = buf[q]!;
          q += (buf[q + 1]! + 2) * 4;
          break;
        case 44: {
          // fragment
          if (end - q < 8 || pieces !== null) return;
          const fo = (buf[q + 2]! << 8) | buf[q + 3]!;
          const id = buf.readUInt32BE(q + 4);
          const key = `6|${src}|${dst}|${id}`;
          const whole = this.defrag.add(
            key,
            fo & 0xfff8,
            (fo & 1) !== 0,
            buf,
            q + 8,
            end,
            base + q + 8,
            buf[q]!,
            this.frame,
          );
          if (whole === undefined) return;
          next = this.defrag.next;
          pieces = this.defrag.pieces;
          buf = whole;
          q = 0;
          end = whole.length;
          base = 0;
          break;
        }
        default:
          return;
      }
      if (q > end) return;
    }
  }

  emit(
    d: Dir,
    nbssType: number,
    data: Buffer,
    size: number,
    spans: number[],
    frames: number[] | undefined,
    incomplete: boolean,
  ): void {
    if (this.timeFrame !== this.frame) {
      this.reader.time(this.ts);
      this.sec = this.ts.sec;
      this.nanos = this.ts.nanos;
      this.timeFrame = this.frame;
    }
    const pdu = new CapturedPdu(
      this.frame,
      this.sec + this.nanos / 1e9,
      this.nanos,
      d,
      nbssType,
      data,
      size,
      spans,
      frames,
      incomplete ? true : undefined,
    );
    this.out.push(pdu);
  }

  warn(message: string): void {
    this.opts.onWarning?.({ frame: this.frame, message });
  }

  readRanges(ranges: readonly FileRange[]): Buffer {
    const spans: number[] = [];
    for (const r of ranges) spans.push(r.offset, r.length);
    return this.readSpans(spans);
  }

  readSpans(spans: ArrayLike<number>): Buffer {
    let total = 0;
    for (let i = 1; i < spans.length; i += 2) total += spans[i]!;
    // Not zero-filled up front (most trees' PDUs are small, from the pool): holes and bytes past
    // the end of the file are zeroed as met.
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0; i + 1 < spans.length; i += 2) {
      const offset = spans[i]!;
      const length = spans[i + 1]!;
      const got = offset >= 0 ? this.window.read(out, at, length, offset) : 0;
      if (got < length) out.fill(0, at + got, at + length);
      at += length;
    }
    return out;
  }

  readFrame(n: number): FrameData | undefined {
    if (!Number.isInteger(n) || n < 1 || n > this.frameCount || this.closed) return undefined;
    return this.reader.recordAt(this.offsets.get(n), this.ifs ? this.ifs[n]! : 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.src.close();
  }
}

/** Opens a capture file (pcap, pcapng, or either gzip-compressed). Throws CaptureError. */
export async function openCapture(path: string, opts: ReadOptions = {}): Promise<Capture> {
  const src = await openSource(path);
  try {
    return new CaptureImpl(path, src, opts);
  } catch (e) {
    src.close();
    throw e;
  }
}

export { LinkType };
