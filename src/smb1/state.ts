/**
 * SMB1 conversation state, filled by the indexing pass (ctx.first) in capture order and read by
 * later tree building: request records by connection + PID + MID (so a response knows what it
 * answers), FIDs → names and create parameters, TIDs → share paths.
 */

import type { PduPlace } from "../trace/types.js";

/** What one command of a request's AndX chain left for its response. */
export interface Smb1CmdRecord {
  cmd: number;
  fid?: number;
  path?: string;
  /** Trans2 subcommand / NT transact function / pipe function. */
  sub?: number;
  level?: number;
  pattern?: string;
  transName?: string;
  /** Negotiate dialect names. */
  dialects?: string[];
  /** Read AndX: the requested offset. */
  offset?: number;
  extra?: Record<string, unknown>;
}

export interface Smb1Request {
  frame: number;
  time: number;
  cmd: number;
  responseFrame?: number;
  responseTime?: number;
  /** Per-command records of the AndX chain, by command code. */
  cmds: Map<number, Smb1CmdRecord>;
  /**
   * A TRANS2 or NT Transact response in several pieces: the first pass notes them, its first
   * piece's tree joins them.
   */
  trans?: TransPieces;
}

/** The totals of a multi-part transaction response, and its pieces in capture order. */
export interface TransPieces {
  tpc: number;
  tdc: number;
  pieces: TransPiece[];
}

/** One response message of a multi-part transaction: where it is, and what of the whole it carries. */
export interface TransPiece {
  frame: number;
  place: PduPlace;
  /** Offsets in that PDU of its parameter and data bytes, their counts and displacements. */
  pAt: number;
  pc: number;
  pd: number;
  dAt: number;
  dc: number;
  dd: number;
}

/** NT Create AndX parameters Wireshark repeats under every later use of the FID. */
export interface Smb1CreateParams {
  flags: number;
  access: number;
  attrs: number;
  share: number;
  options: number;
  disposition: number;
}

export interface Smb1File {
  fid: number;
  /** The tree it was opened on: a use on another TID (which servers refuse) does not name it. */
  tid: number;
  name: string;
  openFrame: number;
  closeFrame?: number;
  create?: Smb1CreateParams;
  /** Opened on an IPC$ tree: later uses show only the name, as Wireshark does. */
  pipe?: boolean;
  /** Opened by NT Trans create: Wireshark shows neither name nor create parameters under it. */
  bare?: boolean;
  /** The create response said it is a directory: its security descriptors show DIR specific rights. */
  dir?: boolean;
  /** The FID 0 of a failed create: a response after its last close does not repeat it (Wireshark). */
  failed?: boolean;
}

export interface Smb1Tree {
  tid: number;
  path: string;
  mappedIn: number;
  unmappedIn?: number;
  service?: string;
}

export class Smb1State {
  /**
   * One pass that builds no trees (a streamed listing): no record is kept for later passes, and
   * only the latest open of a FID (or mapping of a TID) per tree, so the state stops growing with
   * the capture (a pass's frames only increase: an earlier one is never looked up again).
   */
  constructor(readonly oneShot = false) {}
  readonly requests = new Map<string, Smb1Request>();
  /** `${conn}:${frame}:${pid}:${mid}:${isResponse}:${cmd}` → the request record linked in the first pass. */
  readonly byFrame = new Map<string, Smb1Request>();
  /** `${conn}:${fid}` → every open of that FID, in capture order. */
  readonly files = new Map<string, Smb1File[]>();
  /** `${conn}:${tid}` → every tree mapped to that TID, in capture order. */
  readonly trees = new Map<string, Smb1Tree[]>();
  /** Dialects offered per connection (the negotiate response only carries an index). */
  readonly dialects = new Map<number, string[]>();

  requestKey(conn: number, pid: number, mid: number): string {
    return `${conn}:${pid}:${mid}`;
  }

  /** The open of `fid` on tree `tid` current at `frame` (latest opened at or before it). */
  file(conn: number, fid: number, frame: number, tid: number): Smb1File | undefined {
    const list = this.files.get(`${conn}:${fid}`);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const f = list[i]!;
      if (f.openFrame <= frame && f.tid === tid) return f;
    }
    return undefined;
  }

  addFile(conn: number, f: Smb1File): void {
    const k = `${conn}:${f.fid}`;
    const list = this.files.get(k);
    if (!list) this.files.set(k, [f]);
    else if (this.oneShot) this.files.set(k, [...list.filter((x) => x.tid !== f.tid), f]);
    else if (!list.some((x) => x.openFrame === f.openFrame)) list.push(f);
  }

  /**
   * The tree mapped to `tid`. Like Wireshark's second pass, the latest mapping of the TID wins
   * (even for frames before it); `frame` bounds the lookup only while the first pass runs.
   */
  tree(conn: number, tid: number, frame: number, first = false): Smb1Tree | undefined {
    const list = this.trees.get(`${conn}:${tid}`);
    if (!list) return undefined;
    if (!first) return list[list.length - 1];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.mappedIn <= frame) return list[i];
    return undefined;
  }

  addTree(conn: number, t: Smb1Tree): void {
    const k = `${conn}:${t.tid}`;
    const list = this.trees.get(k);
    if (!list || this.oneShot) this.trees.set(k, [t]);
    else if (!list.some((x) => x.mappedIn === t.mappedIn)) list.push(t);
  }
}
