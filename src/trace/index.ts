/**
 * Builds a Trace from a capture in one streaming pass: every SMB PDU is dissected in light mode
 * (summaries, conversation state, no trees) and only compact records are kept; detail trees are
 * rebuilt on demand by re-reading the PDU's bytes from the file.
 */
import { type Capture, dissectLayers, openCapture } from "../capture/index.js";
import { nbssHeaderNode } from "../capture/layers.js";
import type { ReadOptions } from "../capture/types.js";
import { Cursor } from "../dissect/cursor.js";
import { Fields } from "../dissect/fields.js";
import type { FieldNode } from "../dissect/tree.js";
import type { KeyEntry } from "../keys/index.js";
import { dissectNbss, nbssSummary } from "../nbss/session.js";
import { Smb1State } from "../smb1/dissect.js";
import { Smb2State } from "../smb2/state.js";
import { dissectPdu, isSmbMagic, magicOf, type PacketLayout, type PduCtx, packetSummary } from "./pdu.js";
import { Security } from "./security.js";
import { PacketStore, type PduLoc, type PduSpans } from "./store.js";
import { type MessageInfo, MsgFlag, type PacketInfo, type Trace, type TreeOptions } from "./types.js";

export interface OpenOptions extends ReadOptions {
  /** Session keys from any key source (see src/keys); encrypted traffic of other sessions stays opaque. */
  keys?: KeyEntry[];
  /** Also list NBSS session requests, responses and keep-alives (port 139), as Wireshark's nbss. */
  nbss?: boolean;
  /** Called for each packet as soon as it is indexed (progressive lists in UIs). */
  onPacket?: (p: PacketInfo) => void;
}

export class TraceError extends Error {}

class CaptureTrace implements Trace {
  readonly packets = new PacketStore();
  readonly warnings: string[] = [];
  private cache = new Map<string, FieldNode[]>();
  readonly smb2 = new Smb2State();
  readonly smb1 = new Smb1State();
  security = new Security();

  constructor(
    readonly path: string,
    readonly capture: Capture,
  ) {}

  indexOf(no: number): number {
    return this.packets.indexOf(no);
  }

  locsOf(i: number): PduLoc[] {
    return this.packets.locsOf(i);
  }

  tree(no: number, opts: TreeOptions = {}): FieldNode[] {
    const key = `${no}:${opts.allLayers ? 1 : 0}`;
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const i = this.indexOf(no);
    if (i < 0) throw new TraceError(`${this.path}: no SMB packet number ${no}`);
    const out: FieldNode[] = [];
    const p = this.packets.at(i)!;
    for (const loc of this.locsOf(i)) {
      const data = this.capture.readRanges(loc.ranges).subarray(loc.skip);
      if (loc.nbssType !== 0) {
        dissectNbss(loc.nbssType, data, new Fields(new Cursor(data), out, false));
        continue;
      }
      if (opts.allLayers) out.push(nbssHeaderNode(loc.nbssType, data.length));
      const ctx: PduCtx = {
        smb2: this.smb2,
        smb1: this.smb1,
        frame: no,
        conn: p.conn,
        time: p.time,
        light: false,
        first: false,
        security: this.security,
      };
      dissectPdu(data, ctx, out, []);
    }
    this.cache.set(key, out);
    if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
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

  close(): void {
    this.capture.close();
  }
}

function layoutOf(ms: readonly MessageInfo[], trailingStart: boolean): PacketLayout {
  return { firstReassembled: ((ms[0]?.flags ?? 0) & MsgFlag.Reassembled) !== 0, trailingStart };
}

/** Opens a capture and indexes its SMB packets. Throws CaptureError/TraceError with one clear line. */
export async function openTrace(
  path: string,
  opts: OpenOptions = {},
): Promise<Trace & { smb2: Smb2State; security: Security }> {
  const warnings: string[] = [];
  const capture = await openCapture(path, {
    ...opts,
    onWarning: (w) => {
      warnings.push(w.frame ? `frame ${w.frame}: ${w.message}` : w.message);
      opts.onWarning?.(w);
    },
  });
  const t = new CaptureTrace(path, capture);
  t.security = new Security(opts.keys ?? []);
  let cur: PacketInfo | undefined;
  let curLocs: PduSpans[] = [];
  let malformed = 0;
  let firstMalformed = 0;
  const flush = () => {
    if (cur) {
      cur.summary = packetSummary(cur.messages, layoutOf(cur.messages, false));
      t.packets.push(cur, curLocs);
      opts.onPacket?.(cur);
    }
    cur = undefined;
    curLocs = [];
  };
  for (const pdu of capture.pdus()) {
    const nbss = pdu.nbssType !== 0;
    if (nbss ? !opts.nbss : !isSmbMagic(magicOf(pdu.data))) continue;
    if (cur && cur.no !== pdu.frame) flush();
    const infos: MessageInfo[] = [];
    if (nbss)
      infos.push({
        proto: 0,
        cmd: pdu.nbssType,
        isResponse: pdu.nbssType !== 0x81,
        status: 0,
        msgId: "0",
        sesId: "0000000000000000",
        tid: 0,
        summary: nbssSummary(pdu.nbssType, pdu.data),
        flags: 0,
      });
    const ctx: PduCtx = {
      smb2: t.smb2,
      smb1: t.smb1,
      frame: pdu.frame,
      conn: pdu.conn,
      time: pdu.time,
      light: true,
      first: true,
      security: t.security,
    };
    if (!nbss) dissectPdu(pdu.data, ctx, [], infos);
    const from = pdu.frames?.[0];
    if (from !== undefined && infos.length > 0) {
      infos[0]!.flags |= MsgFlag.Reassembled;
      // The frame this PDU started in also completed others: its Info changes (see packetSummary).
      const i = t.indexOf(from);
      const p = i >= 0 ? t.packets.at(i) : undefined;
      if (p && p.conn === pdu.conn && p.src === pdu.src && p.srcPort === pdu.srcPort)
        t.packets.setSummary(i, packetSummary(p.messages, layoutOf(p.messages, true)));
    }
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
        messages: [],
      };
    }
    for (const m of infos) {
      if (m.flags & MsgFlag.Malformed && malformed++ === 0) firstMalformed = pdu.frame;
      cur.messages.push(m);
    }
    curLocs.push({
      spans: pdu.spans,
      skip: pdu.skip,
      nbssType: pdu.nbssType,
    });
  }
  flush();
  if (malformed > 0) {
    const w = {
      frame: firstMalformed,
      message: `${malformed} malformed SMB message${malformed > 1 ? "s" : ""} (marked [Malformed Packet]; a limit or bad lengths)`,
    };
    warnings.push(`frame ${w.frame}: ${w.message}`);
    opts.onWarning?.(w);
  }
  t.warnings.push(...warnings);
  return t;
}
