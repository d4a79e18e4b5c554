/**
 * Operations: the unit trace alignment works on. An operation is one SMB request with its
 * response(s) (matched by connection and message id, interim STATUS_PENDING responses included),
 * one member of a compound, or a message without partner (oplock/lease break notification,
 * cancel, a response whose request is not in the capture).
 */

import { messageOf } from "../trace/store.js";
import type { MessageInfo, PacketInfo, Trace } from "../trace/types.js";
import { MsgFlag } from "../trace/types.js";

export const STATUS_PENDING = 0x103;
/** MessageId of SMB2 oplock/lease break notifications. */
export const BREAK_MSG_ID = "18446744073709551615";
const SMB2_CANCEL = 0x0c;
const SMB1_NT_CANCEL = 0xa4;

/** One message of a trace: packet index (in `trace.packets`) and message index in that packet. */
export interface MsgRef {
  pkt: number;
  msg: number;
}

export type OpKind = "call" | "no-response" | "break" | "orphan-response";

export interface Op {
  /** Index in the operation list. */
  index: number;
  kind: OpKind;
  conn: number;
  proto: 0 | 1 | 2;
  cmd: number;
  msgId: string;
  req?: MsgRef;
  /** Interim (STATUS_PENDING) responses. */
  interim: MsgRef[];
  resp?: MsgRef;
  /** Time of the first message (seconds since epoch). */
  time: number;
  /** Normalized path (lower case, `\` separators, no leading/trailing `\`), or "". */
  path: string;
  detail: string;
  /** Final status (undefined when no final response). */
  status?: number;
  /** Alignment key without status (built on demand: alignment compares `SigInterner` ids). */
  readonly sig: string;
}

/** Shared by ops without interim responses (most): one array less per op. Never mutated. */
const NO_INTERIM: MsgRef[] = Object.freeze([]) as unknown as MsgRef[];

/** buildOps' Op: the signature string is derived from the fields when asked for. */
class OpRecord implements Op {
  req?: MsgRef;
  interim: MsgRef[] = NO_INTERIM;
  resp?: MsgRef;
  status?: number;
  constructor(
    public index: number,
    public kind: OpKind,
    public conn: number,
    public proto: 0 | 1 | 2,
    public cmd: number,
    public msgId: string,
    public time: number,
    public path: string,
    public detail: string,
  ) {}
  get sig(): string {
    return sigOf(this.kind, this.proto, this.cmd, this.path, this.detail);
  }
}

/**
 * Signature ids: equal ids ⇔ equal `sig` strings, for ops of both traces, without building the
 * strings (nested maps on the op's own fields; paths and details are shared strings, hashed once).
 */
export class SigInterner {
  private byHead = new Map<number, Map<string, Map<string, number>>>();
  private n = 0;
  id(op: Pick<Op, "kind" | "proto" | "cmd" | "path" | "detail">): number {
    const k = op.kind === "break" ? 1 : op.kind === "orphan-response" ? 2 : 0;
    const head = (k * 4 + op.proto) * 0x10000 + op.cmd;
    let byPath = this.byHead.get(head);
    if (!byPath) {
      byPath = new Map();
      this.byHead.set(head, byPath);
    }
    let byDetail = byPath.get(op.path);
    if (!byDetail) {
      byDetail = new Map();
      byPath.set(op.path, byDetail);
    }
    let v = byDetail.get(op.detail);
    if (v === undefined) {
      v = this.n++;
      byDetail.set(op.detail, v);
    }
    return v;
  }
  get size(): number {
    return this.n;
  }
}

/** Same final status class (what `fullSig` adds to `sig`), without building strings. */
export function sameStatus(a: Op, b: Op): boolean {
  if (a.status !== undefined || b.status !== undefined)
    return a.status !== undefined && b.status !== undefined && a.status >>> 0 === b.status >>> 0;
  return (a.kind === "no-response") === (b.kind === "no-response");
}

/** Case-folded path with `\` separators and no leading, trailing or doubled separators. */
export function normalizePath(p: string | undefined): string {
  if (!p) return "";
  return p
    .toLowerCase()
    .replace(/\//g, "\\")
    .replace(/\\+/g, "\\")
    .replace(/^\\+|\\+$/g, "");
}

export function statusClass(op: Op): string {
  if (op.status === undefined) return op.kind === "no-response" ? "" : "none";
  return `0x${(op.status >>> 0).toString(16).padStart(8, "0")}`;
}

/** Signature with the status: equal signatures make a 'same' row. */
export function fullSig(op: Op): string {
  return `${op.sig}\u0001${statusClass(op)}`;
}

function sigOf(kind: OpKind, proto: number, cmd: number, path: string, detail: string): string {
  // Breaks and orphans carry their kind so a notification never aligns with a request.
  const k = kind === "break" ? "B" : kind === "orphan-response" ? "R" : "Q";
  return `${k}${proto}:${cmd}\u0000${path}\u0000${detail}`;
}

export function messageAt(trace: Trace, r: MsgRef): MessageInfo {
  return messageOf(trace.packets, r.pkt, r.msg)!;
}

export function packetAt(trace: Trace, r: MsgRef): PacketInfo {
  return trace.packets.at(r.pkt)!;
}

/** Builds the operation list of a trace, in order of the first message of each operation. */
export function buildOps(trace: Pick<Trace, "packets">): Op[] {
  const ops: OpRecord[] = [];
  // Requests awaiting their final response: connection → "proto:msgId" → op.
  const pendingByConn = new Map<number, Map<string, OpRecord>>();
  // Paths repeat a lot (every op on a handle carries its file name): normalize each once.
  const paths = new Map<string, string>();
  const norm = (raw: string | undefined): string => {
    if (!raw) return "";
    let n = paths.get(raw);
    if (n === undefined) {
      n = normalizePath(raw);
      paths.set(raw, n);
    }
    return n;
  };
  const mk = (kind: OpKind, p: PacketInfo, m: MessageInfo): OpRecord =>
    new OpRecord(ops.length, kind, p.conn, m.proto, m.cmd, m.msgId, p.time, norm(m.path), m.detail ?? "");
  const packets = trace.packets;
  for (let pi = 0; pi < packets.length; pi++) {
    const p = packets.at(pi)!;
    for (let mi = 0; mi < p.messages.length; mi++) {
      const m = p.messages[mi]!;
      const ref = { pkt: pi, msg: mi };
      let pending = pendingByConn.get(p.conn);
      if (!pending) {
        pending = new Map();
        pendingByConn.set(p.conn, pending);
      }
      const key = m.proto === 2 ? m.msgId : `1:${m.msgId}`;
      if (!m.isResponse) {
        const cancel =
          (m.proto === 2 && m.cmd === SMB2_CANCEL) || (m.proto === 1 && m.cmd === SMB1_NT_CANCEL);
        const op = mk(cancel ? "no-response" : "call", p, m);
        op.req = ref;
        ops.push(op);
        // A cancel reuses the cancelled request's id and gets no response: don't shadow it.
        if (!cancel) pending.set(key, op);
        continue;
      }
      if (m.proto === 2 && m.msgId === BREAK_MSG_ID) {
        const op = mk("break", p, m);
        op.resp = ref;
        op.status = m.status;
        ops.push(op);
        continue;
      }
      const op = pending.get(key);
      if (op && op.cmd === m.cmd) {
        if (m.status === STATUS_PENDING && m.flags & MsgFlag.Async) {
          if (op.interim === NO_INTERIM) op.interim = [ref];
          else op.interim.push(ref);
          continue;
        }
        op.resp = ref;
        op.status = m.status;
        // Responses can name the path when the request could not (a create's response does not
        // change it, but a request resolved only by FileId may gain it later).
        if (!op.path && m.path) op.path = norm(m.path);
        pending.delete(key);
        continue;
      }
      const orphan = mk("orphan-response", p, m);
      orphan.resp = ref;
      orphan.status = m.status;
      ops.push(orphan);
    }
  }
  // Requests still pending have no response in this capture.
  for (const pending of pendingByConn.values())
    for (const op of pending.values()) if (!op.resp && op.kind === "call") op.kind = "no-response";
  return ops;
}
