/**
 * Worker side of the TUI's alignment: it receives both traces' packets from the load workers (the
 * same batches the UI gets), runs diffTraces once both are complete, and sends back the rows and
 * operations as typed arrays (transferred, not copied) plus the identity map. Field diffs stay on
 * the UI thread (src/tui/alignment.ts): they need trees and the user's current ignore rules.
 */
import { parentPort, workerData } from "node:worker_threads";
import { diffTraces } from "../diff/align.js";
import type { Op } from "../diff/ops.js";
import { PacketStore } from "../trace/store.js";
import type { PacketList, Trace } from "../trace/types.js";
import type { WorkerMsg } from "../worker/load-worker.js";
import { type AlignInit, type AlignMsg, OP_KINDS, type OpsColumns, ROW_KINDS } from "./align-msg.js";

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
  };
  const interim: number[] = [];
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
  }
  c.interimAt[n] = interim.length / 2;
  c.interim = Int32Array.from(interim);
  return c;
}

function buffers(c: OpsColumns): ArrayBuffer[] {
  return Object.values(c).map((a: { buffer: ArrayBuffer }) => a.buffer);
}

/** Enough of a Trace for alignment, which reads only packets and message infos. */
function stub(path: string, packets: PacketList): Trace {
  return {
    path,
    packets,
    warnings: [],
    indexOf: () => -1,
    tree: () => {
      throw new Error("no trees in the align worker");
    },
    close: () => {},
  };
}

const init = workerData as AlignInit;
const parent = parentPort!;
const sides = [
  { port: init.portA, packets: new PacketStore(), done: false },
  { port: init.portB, packets: new PacketStore(), done: false },
];
let failed = false;

function align(): void {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  let msg: AlignMsg;
  try {
    const r = diffTraces(stub("A", sides[0]!.packets), stub("B", sides[1]!.packets), { timings });
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
    const opsA = columns(r.opsA);
    const opsB = columns(r.opsB);
    msg = { type: "done", rowA, rowB, rowKind, opsA, opsB, idmap, ms: performance.now() - t0, timings };
    parent.postMessage(msg, [rowA.buffer, rowB.buffer, rowKind.buffer, ...buffers(opsA), ...buffers(opsB)]);
  } catch (e) {
    parent.postMessage({ type: "error", message: (e as Error).message } satisfies AlignMsg);
  }
}

for (const side of sides) {
  side.port.on("message", (m: WorkerMsg) => {
    if (failed) return;
    if (m.type === "error") {
      // The UI reports the load error itself.
      failed = true;
      side.port.close();
      return;
    }
    side.packets.importRange(m.packets);
    if (m.type === "done") {
      side.done = true;
      side.port.close();
      if (sides.every((s) => s.done)) {
        parent.postMessage({
          type: "aligning",
          packetsA: sides[0]!.packets.length,
          packetsB: sides[1]!.packets.length,
        } satisfies AlignMsg);
        setTimeout(align, init.delayMs ?? 0);
      }
    }
  });
}
