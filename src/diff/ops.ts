/**
 * Operations: the unit trace alignment works on. An operation is one SMB request with its
 * response(s) (matched by connection and message id, interim STATUS_PENDING responses included),
 * one member of a compound, or a message without partner (oplock/lease break notification,
 * cancel, a response whose request is not in the capture).
 */

import {
  EXTRA_DETAIL,
  EXTRA_PATH,
  type ExtraField,
  extraOf,
  type MsgHead,
  messageHead,
  messageOf,
  PacketStore,
  packetRow,
} from "../trace/store.js";
import type { MessageInfo, PacketInfo, PacketList, Trace } from "../trace/types.js";
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
  /**
   * Later pieces of an SMB1 transaction response sent in several messages: `resp`'s tree shows
   * their content, so they are listed, not compared.
   */
  more?: MsgRef[];
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
  more?: MsgRef[];
  status?: number;
  constructor(
    public index: number,
    public kind: OpKind,
    public conn: number,
    public proto: 0 | 1 | 2,
    public cmd: number,
    /** The message id when exact below 2^53 (most), else -1 and `bigId` is its text. */
    private readonly id: number,
    private readonly bigId: string | undefined,
    public time: number,
    public path: string,
    public detail: string,
  ) {}
  get msgId(): string {
    return this.bigId ?? String(this.id);
  }
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

/** The packet of message `r`, without its messages (none decoded from an index). */
export function packetAt(trace: Trace, r: MsgRef): Omit<PacketInfo, "messages"> {
  return packetRow(trace.packets, r.pkt)!;
}

/**
 * What buildOps reads of a trace's messages: a PacketStore reads its columns (no MessageInfo built,
 * and a response's strings never decoded); any other list goes through ListMessages.
 */
type MessageTable = Pick<
  PacketStore,
  "length" | "connOf" | "timeOf" | "msgStart" | "msgHead" | "msgIdText" | "msgExtra"
>;

/** A MessageTable over PacketInfo objects (filtered views, the tshark engine's list). */
class ListMessages implements MessageTable {
  private readonly packets: PacketInfo[] = [];
  private readonly messages: MessageInfo[] = [];
  private readonly starts: number[] = [];
  constructor(list: PacketList) {
    for (let i = 0; i < list.length; i++) {
      const p = list.at(i)!;
      this.packets.push(p);
      this.starts.push(this.messages.length);
      for (const m of p.messages) this.messages.push(m);
    }
    this.starts.push(this.messages.length);
  }
  get length(): number {
    return this.packets.length;
  }
  connOf(i: number): number {
    return this.packets[i]!.conn;
  }
  timeOf(i: number): number {
    return this.packets[i]!.time;
  }
  msgStart(i: number): number {
    return this.starts[i]!;
  }
  msgHead(k: number, out: MsgHead): void {
    messageHead(this.messages[k]!, out);
  }
  msgIdText(k: number): string {
    return this.messages[k]!.msgId;
  }
  msgExtra(k: number, field: ExtraField): string | undefined {
    return extraOf(this.messages[k]!, field);
  }
}

/** `f` of a string, computed and stored once per distinct value (an absent or empty one is ""). */
function onePerValue(f: (s: string) => string): (raw: string | undefined) => string {
  const seen = new Map<string, string>();
  return (raw) => {
    if (!raw) return "";
    let v = seen.get(raw);
    if (v === undefined) {
      v = f(raw);
      seen.set(raw, v);
    }
    return v;
  };
}

/** Builds the operation list of a trace, in order of the first message of each operation. */
export function buildOps(trace: Pick<Trace, "packets">): Op[] {
  const ops: OpRecord[] = [];
  // Requests awaiting their final response: connection → message id → op. Ids are numbers
  // (SMB1's negative) when exact, else text ("1:" before SMB1's).
  const pendingByConn = new Map<number, Map<number | string, OpRecord>>();
  // Paths repeat a lot (every op on a handle carries its file name): normalize each once.
  const norm = onePerValue(normalizePath);
  // Details take a few values (a create's disposition and options, an info class): one string
  // each, not one per operation (~30 of an operation's ~280 bytes).
  const detail = onePerValue((d) => d);
  const t: MessageTable =
    trace.packets instanceof PacketStore ? trace.packets : new ListMessages(trace.packets);
  const m: MsgHead = { proto: 0, cmd: 0, isResponse: false, flags: 0, status: 0, id: 0 };
  const mk = (kind: OpKind, conn: number, time: number, k: number): OpRecord =>
    new OpRecord(
      ops.length,
      kind,
      conn,
      m.proto,
      m.cmd,
      m.id,
      m.id < 0 ? t.msgIdText(k) : undefined,
      time,
      norm(t.msgExtra(k, EXTRA_PATH)),
      detail(t.msgExtra(k, EXTRA_DETAIL)),
    );
  let pending: Map<number | string, OpRecord> | undefined;
  let pendingConn = -1;
  // SMB1 operations answered lately, by connection and id: where a response's later pieces go.
  const answered = new Map<number, Map<number | string, OpRecord>>();
  for (let pi = 0; pi < t.length; pi++) {
    const conn = t.connOf(pi);
    const time = t.timeOf(pi);
    const first = t.msgStart(pi);
    const end = t.msgStart(pi + 1);
    if (conn !== pendingConn || !pending) {
      pending = pendingByConn.get(conn);
      if (!pending) {
        pending = new Map();
        pendingByConn.set(conn, pending);
      }
      pendingConn = conn;
    }
    for (let k = first; k < end; k++) {
      t.msgHead(k, m);
      const ref = { pkt: pi, msg: k - first };
      const text = m.id < 0 ? t.msgIdText(k) : undefined;
      const key =
        text === undefined ? (m.proto === 2 ? m.id : -1 - m.id) : m.proto === 2 ? text : `1:${text}`;
      if (!m.isResponse) {
        const cancel =
          (m.proto === 2 && m.cmd === SMB2_CANCEL) || (m.proto === 1 && m.cmd === SMB1_NT_CANCEL);
        const op = mk(cancel ? "no-response" : "call", conn, time, k);
        op.req = ref;
        ops.push(op);
        // A cancel reuses the cancelled request's id and gets no response: don't shadow it.
        if (!cancel) pending.set(key, op);
        continue;
      }
      if (m.proto === 2 && text === BREAK_MSG_ID) {
        const op = mk("break", conn, time, k);
        op.resp = ref;
        op.status = m.status;
        ops.push(op);
        continue;
      }
      if (m.flags & MsgFlag.Continuation) {
        const done = answered.get(conn)?.get(key);
        if (done && done.cmd === m.cmd) {
          if (done.more) done.more.push(ref);
          else done.more = [ref];
          continue;
        }
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
        if (!op.path) op.path = norm(t.msgExtra(k, EXTRA_PATH));
        pending.delete(key);
        // SMB1 ids are reused soon (16 bits): this map stays as small as a connection's id space.
        if (m.proto === 1) {
          let a = answered.get(conn);
          if (!a) {
            a = new Map();
            answered.set(conn, a);
          }
          a.set(key, op);
        }
        continue;
      }
      const orphan = mk("orphan-response", conn, time, k);
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
