/**
 * Builds a Trace from a capture in one streaming pass: every SMB PDU is dissected in light mode
 * (summaries, conversation state, no trees) and only compact records are kept; detail trees are
 * rebuilt on demand by re-reading the PDU's bytes from the file.
 */
import { type Capture, dissectLayers, openCapture } from "../capture/index.js";
import { nbssHeaderNode } from "../capture/layers.js";
import type { CaptureWarning, Pdu, ReadOptions } from "../capture/types.js";
import { rpcCalls, rpcWarning } from "../dcerpc/pipe.js";
import { Cursor } from "../dissect/cursor.js";
import { Fields } from "../dissect/fields.js";
import type { FieldNode } from "../dissect/tree.js";
import type { KeyEntry } from "../keys/index.js";
import { dissectNbss, nbssSummary } from "../nbss/session.js";
import { Smb1State } from "../smb1/dissect.js";
import { Smb2State } from "../smb2/state.js";
import { Lru } from "../util/lru.js";
import { dissectPdu, isSmbMagic, magicOf, type PacketLayout, type PduCtx, packetSummary } from "./pdu.js";
import { Security } from "./security.js";
import { PacketStore, type PduLoc, type PduSpans } from "./store.js";
import {
  type ByteSource,
  blankMessage,
  type MessageInfo,
  MsgFlag,
  type PacketInfo,
  type PduPlace,
  type RpcCall,
  type Trace,
  type TreeOptions,
} from "./types.js";

export interface OpenOptions extends ReadOptions {
  /** Session keys from any key source (see src/keys); encrypted traffic of other sessions stays opaque. */
  keys?: KeyEntry[];
  /** Also list NBSS session requests, responses and keep-alives (port 139), as Wireshark's nbss. */
  nbss?: boolean;
  /**
   * Index only these frames (the conversation state still covers the whole capture, so their
   * trees are the same): what showing a few packets needs, without a store of every packet.
   */
  only?: ReadonlySet<number>;
  /**
   * Called for each packet as soon as it is indexed (progressive lists in UIs), with how many
   * packets have their final Info: a packet's can change while a PDU that starts in it is unfinished.
   */
  onPacket?: (p: PacketInfo, settled: number, packets: PacketStore) => void;
  /**
   * How many packets may wait for their final Info (see SettledPrefix): 65536 for streamTrace, 4096
   * for openTrace, where it only holds back the `settled` count a UI's progressive list shows.
   */
  maxPending?: number;
}

export class TraceError extends Error {
  override name = "TraceError";
}

class CaptureTrace implements Trace {
  readonly packets = new PacketStore();
  readonly warnings: string[] = [];
  /** Trees by frame number * 2 + allLayers: a diff reads each a few times in a row, then moves on. */
  private cache = new Lru<number, FieldNode[]>(16);
  /** Frame number → the plaintexts its last built tree came from (a few packets only). */
  private plains = new Lru<number, ByteSource[]>(4);
  readonly smb2 = new Smb2State();
  readonly smb1 = new Smb1State();
  security = new Security();

  constructor(
    readonly path: string,
    readonly capture: Capture,
  ) {
    this.byteSources = this.byteSources.bind(this);
  }

  indexOf(no: number): number {
    return this.packets.indexOf(no);
  }

  locsOf(i: number): PduLoc[] {
    return this.packets.locsOf(i);
  }

  tree(no: number, opts: TreeOptions = {}): FieldNode[] {
    const key = no * 2 + (opts.allLayers ? 1 : 0);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const out = this.build(no, !!opts.allLayers);
    this.cache.set(key, out);
    return out;
  }

  /**
   * Dissects packet `no` afresh. Its plaintexts go to a small cache of their own (they can be
   * megabytes each, so far fewer are kept than trees): byteSources reads them from there.
   */
  private build(no: number, allLayers: boolean): FieldNode[] {
    const i = this.indexOf(no);
    if (i < 0) throw new TraceError(`${this.path}: no SMB packet number ${no}`);
    const out: FieldNode[] = [];
    const conn = this.packets.connOf(i);
    const time = this.packets.timeOf(i);
    const locs = this.locsOf(i);
    const plains: ByteSource[] = [];
    locs.forEach((loc, k) => {
      const data = this.capture.readRanges(loc.ranges).subarray(loc.skip);
      if (loc.nbssType !== 0) {
        dissectNbss(loc.nbssType, data, new Fields(new Cursor(data), out, false));
        return;
      }
      if (allLayers) out.push(nbssHeaderNode(loc.nbssType, data.length));
      const ctx: PduCtx = {
        smb2: this.smb2,
        smb1: this.smb1,
        frame: no,
        conn,
        time,
        light: false,
        first: false,
        security: this.security,
        plains,
        srcBase: locs.length,
        readPlace: (p) => this.capture.readSpans(p.spans).subarray(p.skip),
      };
      const from = plains.length;
      dissectPdu(data, ctx, out, []);
      if (locs.length > 1) for (const s of plains.slice(from)) s.label += ` (PDU ${k + 1})`;
    });
    // Nested transforms of one PDU: "Decompressed SMB3", "Decompressed SMB3 #2"...
    const seen = new Map<string, number>();
    for (const s of plains) {
      const n = (seen.get(s.label) ?? 0) + 1;
      seen.set(s.label, n);
      if (n > 1) s.label += ` #${n}`;
    }
    this.plains.set(no, plains);
    return out;
  }

  layers(no: number): FieldNode[] {
    const frame = this.indexOf(no) >= 0 ? this.capture.readFrame(no) : undefined;
    if (!frame) throw new TraceError(`${this.path}: no SMB packet number ${no}`);
    return dissectLayers(frame, no);
  }

  /** The bytes of packet `no`'s PDUs (NBSS bodies), in order; tree offsets are relative to these. */
  pduBytes(no: number): Buffer[] {
    const i = this.indexOf(no);
    if (i < 0) throw new TraceError(`${this.path}: no SMB packet number ${no}`);
    return this.locsOf(i).map((loc) => this.capture.readRanges(loc.ranges).subarray(loc.skip));
  }

  /**
   * Packet `no`'s PDUs, then the plaintexts its tree was dissected from (see Trace.byteSources).
   * Bound in the constructor: a filtered view (src/filter filterTrace) inherits it from this
   * object and must not call it with its own, filtered, indexOf.
   */
  byteSources(no: number): ByteSource[] {
    const pdus = this.pduBytes(no);
    let plains = this.plains.get(no);
    if (!plains) {
      this.build(no, false);
      plains = this.plains.get(no) ?? [];
    }
    return [...pdus.map((bytes, k) => ({ label: `PDU ${k + 1}`, bytes })), ...plains];
  }

  rpcCalls(): readonly RpcCall[] {
    return [...rpcCalls(this.smb2), ...rpcCalls(this.smb1)];
  }

  close(): void {
    this.capture.close();
  }
}

function layoutOf(ms: readonly MessageInfo[], trailingStart: boolean): PacketLayout {
  return { firstReassembled: ((ms[0]?.flags ?? 0) & MsgFlag.Reassembled) !== 0, trailingStart };
}

/** Where the scan's packets go, in frame order; `seq` counts the packets added, from 0. */
export interface PacketSink {
  /** A new packet (number `seq`), with where its PDUs are in the file. */
  add(p: PacketInfo, locs: PduSpans[]): void;
  /** Packet `seq`, added earlier, got a new summary: a later frame completed a PDU that starts in it. */
  amend(p: PacketInfo, seq: number): void;
  /** Packet `seq` will not change anymore (its direction of its connection moved on, or the capture ended). */
  settle?(p: PacketInfo, seq: number): void;
}

/** What a scan met, beyond its packets. */
export interface ScanResult {
  malformed: number;
  firstMalformed: number;
}

/** The conversation state a scan fills and later trees read. */
export interface ScanState {
  smb2: Smb2State;
  smb1: Smb1State;
  security: Security;
}

/**
 * Dissects every SMB PDU of `capture` in light mode, in one pass, and hands each packet to `sink`
 * as soon as the frame is done.
 *
 * A packet's Info can still change after it is added: when a later frame completes a PDU that
 * started in it (see packetSummary's trailingStart). That later PDU is the next one of the same
 * connection and direction, so a packet is settled when its direction delivers any later PDU, or
 * as soon as its direction is assembling no PDU that started in its frame (see flush).
 */
export function scanPackets(
  capture: Capture,
  st: ScanState,
  opts: { nbss?: boolean },
  sink: PacketSink,
): ScanResult {
  let cur: PacketInfo | undefined;
  let curLocs: PduSpans[] = [];
  /** The last PDU of `cur`. */
  let curPdu: Pdu | undefined;
  let malformed = 0;
  let firstMalformed = 0;
  let seq = 0;
  /** Per connection, the last packet of each direction (at most two), while it may still change. */
  const open = new Map<number, { p: PacketInfo; seq: number }[]>();
  const place: PduPlace = { spans: [], skip: 0 };
  // Reused for every PDU (nothing keeps them): a million PDUs, a million fewer objects to collect.
  const ctx: PduCtx = {
    smb2: st.smb2,
    smb1: st.smb1,
    frame: 0,
    conn: 0,
    time: 0,
    light: true,
    first: true,
    security: st.security,
    // Updated per PDU; a multi-part SMB1 transaction copies it for each piece it keeps.
    place,
  };
  // A fresh message array per PDU becomes the packet's own (no copy, no length reset per PDU).
  let infos: MessageInfo[] = [];
  const nodes: FieldNode[] = [];
  /**
   * Adds `cur`, read up to the frame of `next` (the PDU after it, undefined at the end). Its Info can
   * only change while its direction is still assembling a PDU that started in its frame; otherwise
   * it is settled now, unless `next` is of its direction, which settles (or amends) it below
   * anyway. Packets of a connection that goes idle then do not hold back every packet after them.
   */
  const flush = (next?: Pdu) => {
    if (cur) {
      cur.summary = packetSummary(cur.messages, layoutOf(cur.messages, false));
      sink.add(cur, curLocs);
      const from = curPdu?.pendingFrom?.();
      const sameDir = next && next.conn === cur.conn && next.src === cur.src && next.srcPort === cur.srcPort;
      if (from !== undefined && from !== cur.no && !sameDir) sink.settle?.(cur, seq++);
      else {
        const o = { p: cur, seq: seq++ };
        const ps = open.get(cur.conn);
        if (ps) ps.push(o);
        else open.set(cur.conn, [o]);
      }
    }
    cur = undefined;
    curLocs = [];
    curPdu = undefined;
  };
  for (const pdu of capture.pdus()) {
    if (cur && cur.no !== pdu.frame) flush(pdu);
    // The packet this direction listed last settles now, after taking this PDU's start if it is its.
    const ps = open.get(pdu.conn);
    let last: { p: PacketInfo; seq: number } | undefined;
    if (ps)
      for (let k = 0; k < ps.length; k++) {
        const { p } = ps[k]!;
        if (p.no !== pdu.frame && p.src === pdu.src && p.srcPort === pdu.srcPort) {
          last = ps[k];
          ps[k] = ps[ps.length - 1]!;
          ps.pop();
          break;
        }
      }
    const nbss = pdu.nbssType !== 0;
    const listed = nbss ? !!opts.nbss : isSmbMagic(magicOf(pdu.data));
    if (last) {
      const { p } = last;
      if (listed && pdu.frames?.[0] === p.no) {
        p.summary = packetSummary(p.messages, layoutOf(p.messages, true));
        sink.amend(p, last.seq);
      }
      sink.settle?.(p, last.seq);
    }
    if (!listed) continue;
    infos = [];
    if (nbss)
      infos.push({
        ...blankMessage(0, nbssSummary(pdu.nbssType, pdu.data), 0),
        cmd: pdu.nbssType,
        isResponse: pdu.nbssType !== 0x81,
      });
    else {
      ctx.frame = pdu.frame;
      ctx.conn = pdu.conn;
      ctx.time = pdu.time;
      place.spans = pdu.spans;
      place.skip = pdu.skip;
      if (nodes.length) nodes.length = 0;
      dissectPdu(pdu.data, ctx, nodes, infos);
    }
    if (pdu.frames?.[0] !== undefined && infos.length > 0) infos[0]!.flags |= MsgFlag.Reassembled;
    for (const m of infos) if (m.flags & MsgFlag.Malformed && malformed++ === 0) firstMalformed = pdu.frame;
    const loc: PduSpans = { spans: pdu.spans, skip: pdu.skip, nbssType: pdu.nbssType };
    curPdu = pdu;
    if (!cur) {
      cur = {
        no: pdu.frame,
        time: pdu.time,
        src: pdu.src,
        dst: pdu.dst,
        srcPort: pdu.srcPort,
        dstPort: pdu.dstPort,
        conn: pdu.conn,
        summary: "",
        messages: infos,
      };
      curLocs = [loc];
    } else {
      for (const m of infos) cur.messages.push(m);
      curLocs.push(loc);
    }
  }
  flush();
  if (sink.settle) for (const ps of open.values()) for (const o of ps) sink.settle(o.p, o.seq);
  return { malformed, firstMalformed };
}

function malformedWarning(r: ScanResult): CaptureWarning | undefined {
  if (r.malformed === 0) return undefined;
  return {
    frame: r.firstMalformed,
    message: `${r.malformed} malformed SMB message${r.malformed > 1 ? "s" : ""} (marked [Malformed Packet]; a limit or bad lengths)`,
  };
}

/** Records warnings in `warnings`, as Trace.warnings gives them, and passes them on. */
function warner(opts: OpenOptions, warnings: string[]): (w: CaptureWarning) => void {
  return (w) => {
    warnings.push(w.frame ? `frame ${w.frame}: ${w.message}` : w.message);
    opts.onWarning?.(w);
  };
}

/**
 * Which packets have their final Info, as a prefix: packets [0, prefix) all have. A packet waits
 * while a PDU that starts in it is unfinished (see scanPackets), and the ones after it wait behind
 * it, but at most `maxPending` of them: past that the prefix moves on anyway (a PDU left unfinished
 * for that long only misses Wireshark's "Session message" suffix).
 */
class SettledPrefix {
  prefix = 0;
  private count = 0;
  /** settled[j] is packet base + j's. */
  private settled: boolean[] = [];
  private base = 0;
  constructor(private readonly maxPending: number) {}
  add(): void {
    this.count++;
    this.settled.push(false);
    this.advance();
  }
  settle(seq: number): void {
    if (seq >= this.prefix) this.settled[seq - this.base] = true;
    this.advance();
  }
  private advance(): void {
    let p = Math.max(this.prefix, this.count - this.maxPending);
    while (p < this.count && this.settled[p - this.base]) p++;
    this.prefix = p;
    // Trimmed now and then: emptying it at each settled packet cost a runtime call per packet.
    if (p - this.base < 4096) return;
    this.settled = this.settled.slice(p - this.base);
    this.base = p;
  }
}

/** Opens a capture and indexes its SMB packets. Throws CaptureError/TraceError with one clear line. */
export async function openTrace(
  path: string,
  opts: OpenOptions = {},
): Promise<Trace & { smb2: Smb2State; security: Security }> {
  const warnings: string[] = [];
  const warn = warner(opts, warnings);
  // The indexing pass is the same light pass as streamTrace's: it keeps no PDU bytes, so they may
  // be views of the read buffer (trees later read the file again).
  const t = new CaptureTrace(path, await openCapture(path, { ...opts, borrowData: true, onWarning: warn }));
  t.security = new Security(opts.keys ?? []);
  const settled = new SettledPrefix(opts.maxPending ?? 4096);
  const { only } = opts;
  const r = scanPackets(
    t.capture,
    t,
    opts,
    only
      ? {
          add: (p, locs) => {
            if (only.has(p.no)) t.packets.push(p, locs);
          },
          amend: (p) => {
            const i = t.indexOf(p.no);
            if (i >= 0) t.packets.setSummary(i, p.summary);
          },
        }
      : {
          add: (p, locs) => {
            t.packets.push(p, locs);
            settled.add();
            opts.onPacket?.(p, settled.prefix, t.packets);
          },
          amend: (p, seq) => t.packets.setSummary(seq, p.summary),
          settle: (_, seq) => settled.settle(seq),
        },
  );
  const w = malformedWarning(r);
  if (w) warn(w);
  for (const st of [t.smb2, t.smb1]) {
    const rw = rpcWarning(st);
    if (rw) warn(rw);
  }
  t.warnings.push(...warnings);
  return t;
}

/**
 * Streams a capture's SMB packets to `onPacket`, each once its Info is final (see SettledPrefix),
 * in frame order, without indexing them (no trees later): what a one-shot listing needs, in memory
 * that does not grow with the capture beyond the conversation state.
 */
export async function streamTrace(
  path: string,
  opts: OpenOptions,
  onPacket: (p: PacketInfo) => void,
): Promise<{ packets: number; warnings: string[]; smb2: Smb2State; rpc: RpcCall[]; security: Security }> {
  const warnings: string[] = [];
  const warn = warner(opts, warnings);
  // PDUs may be views of the read buffer: the light pass keeps no bytes (strings and digests only),
  // and nothing of a streamed packet is read again.
  const capture = await openCapture(path, { ...opts, borrowData: true, onWarning: warn });
  const st: ScanState = {
    smb2: new Smb2State(true),
    smb1: new Smb1State(true),
    security: new Security(opts.keys ?? []),
  };
  const settled = new SettledPrefix(opts.maxPending ?? 65536);
  // Packets added and not yet handed out, from packet `sent` on.
  let queue: PacketInfo[] = [];
  let head = 0;
  let sent = 0;
  const drain = () => {
    while (sent < settled.prefix) {
      onPacket(queue[head]!);
      queue[head++] = undefined as unknown as PacketInfo;
      sent++;
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else if (head > 4096) {
      queue = queue.slice(head);
      head = 0;
    }
  };
  try {
    // At the end every packet is settled (scanPackets settles the last ones): all are sent.
    const r = scanPackets(capture, st, opts, {
      add: (p) => {
        queue.push(p);
        settled.add();
        drain();
      },
      amend: () => {},
      settle: (_, seq) => {
        settled.settle(seq);
        drain();
      },
    });
    const w = malformedWarning(r);
    if (w) warn(w);
  } finally {
    capture.close();
  }
  return {
    packets: sent,
    warnings,
    smb2: st.smb2,
    rpc: [...rpcCalls(st.smb2), ...rpcCalls(st.smb1)],
    security: st.security,
  };
}
