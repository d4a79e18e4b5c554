/** Messages between the TUI and its align worker (a module of its own: the worker module runs on import). */
import type { MessagePort } from "node:worker_threads";
import type { AlignResult } from "../diff/align.js";
import type { MsgRef, Op, OpKind } from "../diff/ops.js";

export interface AlignInit {
  portA: MessagePort;
  portB: MessagePort;
  /** Test hook: wait this long before aligning (to test the UI while it aligns). */
  delayMs?: number;
}

export const OP_KINDS: readonly OpKind[] = ["call", "no-response", "break", "orphan-response"];
export const ROW_KINDS = ["same", "differ", "only-a", "only-b"] as const;

/** One side's operations, column by column. A message reference is (packet index, message index); -1 = none. */
export interface OpsColumns {
  kind: Uint8Array;
  proto: Uint8Array;
  cmd: Uint16Array;
  conn: Float64Array;
  time: Float64Array;
  /** NaN when there is no final response. */
  status: Float64Array;
  reqPkt: Int32Array;
  reqMsg: Int32Array;
  respPkt: Int32Array;
  respMsg: Int32Array;
  /** Interim responses of op i: pairs interim[2k], interim[2k+1] for k in [interimAt[i], interimAt[i+1]). */
  interimAt: Int32Array;
  interim: Int32Array;
  /** Later pieces of op i's response (Op.more), laid out as interim is. */
  moreAt: Int32Array;
  more: Int32Array;
}

export type AlignMsg =
  | { type: "aligning"; packetsA: number; packetsB: number }
  | {
      type: "done";
      /** Per row: op index on each side (-1 = none) and kind (index in ROW_KINDS). */
      rowA: Int32Array;
      rowB: Int32Array;
      rowKind: Uint8Array;
      opsA: OpsColumns;
      opsB: OpsColumns;
      /** The IdentityMap's own fields. */
      idmap: unknown;
      ms: number;
      timings: Record<string, number>;
    }
  | { type: "error"; message: string };

export type DoneMsg = Extract<AlignMsg, { type: "done" }>;

function columns(ops: readonly Op[]): OpsColumns {
  const n = ops.length;
  const c: OpsColumns = {
    kind: new Uint8Array(n),
    proto: new Uint8Array(n),
    cmd: new Uint16Array(n),
    conn: new Float64Array(n),
    time: new Float64Array(n),
    status: new Float64Array(n),
    reqPkt: new Int32Array(n),
    reqMsg: new Int32Array(n),
    respPkt: new Int32Array(n),
    respMsg: new Int32Array(n),
    interimAt: new Int32Array(n + 1),
    interim: new Int32Array(0),
    moreAt: new Int32Array(n + 1),
    more: new Int32Array(0),
  };
  const interim: number[] = [];
  const more: number[] = [];
  for (let i = 0; i < n; i++) {
    const op = ops[i]!;
    c.kind[i] = OP_KINDS.indexOf(op.kind);
    c.proto[i] = op.proto;
    c.cmd[i] = op.cmd;
    c.conn[i] = op.conn;
    c.time[i] = op.time;
    c.status[i] = op.status ?? Number.NaN;
    c.reqPkt[i] = op.req?.pkt ?? -1;
    c.reqMsg[i] = op.req?.msg ?? -1;
    c.respPkt[i] = op.resp?.pkt ?? -1;
    c.respMsg[i] = op.resp?.msg ?? -1;
    c.interimAt[i] = interim.length / 2;
    for (const r of op.interim) interim.push(r.pkt, r.msg);
    c.moreAt[i] = more.length / 2;
    for (const r of op.more ?? []) more.push(r.pkt, r.msg);
  }
  c.interimAt[n] = interim.length / 2;
  c.interim = Int32Array.from(interim);
  c.moreAt[n] = more.length / 2;
  c.more = Int32Array.from(more);
  return c;
}

/** Op i's message references in a column pair laid out as `interimAt`/`interim`. */
export function refsAt(at: Int32Array, refs: Int32Array, i: number): MsgRef[] {
  const out: MsgRef[] = [];
  for (let k = at[i]!; k < at[i + 1]!; k++) out.push({ pkt: refs[2 * k]!, msg: refs[2 * k + 1]! });
  return out;
}

function buffers(c: OpsColumns): ArrayBuffer[] {
  return Object.values(c).map((a: { buffer: ArrayBuffer }) => a.buffer);
}

/** The worker's answer for an alignment: rows and both sides' operations as columns, the identity map's fields. */
export function doneMessage(r: AlignResult, ms: number, timings: Record<string, number>): DoneMsg {
  const n = r.rows.length;
  const rowA = new Int32Array(n);
  const rowB = new Int32Array(n);
  const rowKind = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = r.rows[i]!;
    rowA[i] = row.a?.index ?? -1;
    rowB[i] = row.b?.index ?? -1;
    rowKind[i] = ROW_KINDS.indexOf(row.kind);
  }
  // Its own fields are plain Maps and records: they clone; the UI puts the prototype back.
  const idmap = r.idmap ? { ...(r.idmap as unknown as Record<string, unknown>) } : undefined;
  return {
    type: "done",
    rowA,
    rowB,
    rowKind,
    opsA: columns(r.opsA),
    opsB: columns(r.opsB),
    idmap,
    ms,
    timings,
  };
}

/** The buffers of a DoneMsg, moved rather than copied to the UI thread. */
export function transferables(m: DoneMsg): ArrayBuffer[] {
  return [
    m.rowA.buffer,
    m.rowB.buffer,
    m.rowKind.buffer,
    ...buffers(m.opsA),
    ...buffers(m.opsB),
  ] as ArrayBuffer[];
}
