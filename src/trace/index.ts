/**
 * Builds a Trace from a capture in one streaming pass: every SMB PDU is dissected in light mode
 * (summaries, conversation state, no trees) and only compact records are kept; detail trees are
 * rebuilt on demand by re-reading the PDU's bytes from the file.
 */
import { type Capture, openCapture } from "../capture/index.js";
import type { FileRange, ReadOptions } from "../capture/types.js";
import { type FieldNode, node } from "../dissect/tree.js";
import { Smb1State } from "../smb1/dissect.js";
import { Smb2State } from "../smb2/state.js";
import { dissectPdu, isSmbMagic, magicOf, type PduCtx, type TransformHandler } from "./pdu.js";
import type { MessageInfo, PacketInfo, Trace, TreeOptions } from "./types.js";

export interface OpenOptions extends ReadOptions {
  /** Decrypts/decompresses SMB3 transforms (see src/keys); without it they stay opaque. */
  transforms?: (state: Smb2State) => TransformHandler;
}

interface PduLoc {
  ranges: FileRange[];
  skip: number;
  conn: number;
  time: number;
  nbssType: number;
}

export class TraceError extends Error {}

class CaptureTrace implements Trace {
  readonly packets: PacketInfo[] = [];
  readonly warnings: string[] = [];
  /** Per packet (same index), where its PDUs are. */
  readonly locs: PduLoc[][] = [];
  private byNo = new Map<number, number>();
  private cache = new Map<string, FieldNode[]>();
  readonly smb2 = new Smb2State();
  readonly smb1 = new Smb1State();
  transforms?: TransformHandler;

  constructor(
    readonly path: string,
    readonly capture: Capture,
  ) {}

  indexOf(no: number): number {
    return this.byNo.get(no) ?? -1;
  }

  add(p: PacketInfo, locs: PduLoc[]): void {
    this.byNo.set(p.no, this.packets.length);
    this.packets.push(p);
    this.locs.push(locs);
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
    // TODO(layers): frame/eth/ip/tcp trees once the capture layer exports them
    for (const loc of this.locs[i]!) {
      const data = this.capture.readRanges(loc.ranges).subarray(loc.skip);
      if (opts.allLayers) {
        const n = node("nbss", "NetBIOS Session Service", "", "", 0, data.length + 4);
        n.children = [
          node(
            "nbss.type",
            `Message Type: ${nbssTypeName(loc.nbssType)} (0x${loc.nbssType.toString(16).padStart(2, "0")})`,
            `0x${loc.nbssType.toString(16).padStart(2, "0")}`,
            loc.nbssType,
            0,
            1,
          ),
          node("nbss.length", `Length: ${data.length}`, String(data.length), data.length, 1, 3),
        ];
        out.push(n);
      }
      const ctx: PduCtx = {
        smb2: this.smb2,
        smb1: this.smb1,
        frame: no,
        conn: loc.conn,
        time: loc.time,
        light: false,
        first: false,
        transforms: this.transforms,
      };
      dissectPdu(data, ctx, out, []);
    }
    this.cache.set(key, out);
    if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value!);
    return out;
  }

  close(): void {
    this.capture.close();
  }
}

function nbssTypeName(t: number): string {
  return (
    (
      {
        0: "Session message",
        129: "Session request",
        130: "Positive session response",
        131: "Negative session response",
        132: "Retarget session response",
        133: "Session keep-alive",
      } as Record<number, string>
    )[t] ?? "Unknown"
  );
}

/** Opens a capture and indexes its SMB packets. Throws CaptureError/TraceError with one clear line. */
export async function openTrace(path: string, opts: OpenOptions = {}): Promise<Trace & { smb2: Smb2State }> {
  const warnings: string[] = [];
  const capture = await openCapture(path, {
    ...opts,
    onWarning: (w) => {
      warnings.push(w.frame ? `frame ${w.frame}: ${w.message}` : w.message);
      opts.onWarning?.(w);
    },
  });
  const t = new CaptureTrace(path, capture);
  t.transforms = opts.transforms?.(t.smb2);
  let cur: PacketInfo | undefined;
  let curLocs: PduLoc[] = [];
  const flush = () => {
    if (cur) {
      cur.summary = cur.messages.map((m) => m.summary).join(";");
      t.add(cur, curLocs);
    }
    cur = undefined;
    curLocs = [];
  };
  for (const pdu of capture.pdus()) {
    if (pdu.nbssType !== 0 || !isSmbMagic(magicOf(pdu.data))) continue;
    if (cur && cur.no !== pdu.frame) flush();
    const infos: MessageInfo[] = [];
    const ctx: PduCtx = {
      smb2: t.smb2,
      smb1: t.smb1,
      frame: pdu.frame,
      conn: pdu.conn,
      time: pdu.time,
      light: true,
      first: true,
      transforms: t.transforms,
    };
    dissectPdu(pdu.data, ctx, [], infos);
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
    cur.messages.push(...infos);
    curLocs.push({
      ranges: pdu.ranges,
      skip: pdu.skip,
      conn: pdu.conn,
      time: pdu.time,
      nbssType: pdu.nbssType,
    });
  }
  flush();
  t.warnings.push(...warnings);
  return t;
}
