/** Messages between the TUI and its align worker (a module of its own: the worker module runs on import). */
import type { MessagePort } from "node:worker_threads";
import type { OpKind } from "../diff/ops.js";

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
