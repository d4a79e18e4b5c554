/**
 * Worker side of the TUI's trace loader: indexes the capture off the UI thread (posting progress
 * and packets as they come), then serves tree/bytes requests synchronously for the UI thread.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { gatherKeys, type LoadOpts, parsePorts } from "../cli/common.js";
import { openTrace } from "../trace/index.js";
import type { PacketInfo, Trace } from "../trace/types.js";

export interface WorkerInit {
  path: string;
  load: LoadOpts;
  port: MessagePort;
  flag: Int32Array;
}

export type WorkerMsg =
  | { type: "progress"; done: number; total: number; packets: PacketInfo[] }
  | { type: "done"; packets: PacketInfo[]; warnings: string[] }
  | { type: "error"; message: string };

export interface Req {
  op: "tree" | "bytes";
  no: number;
  allLayers?: boolean;
}

const init = workerData as WorkerInit;
const parent = parentPort!;

async function run(): Promise<void> {
  let batch: PacketInfo[] = [];
  let trace: Trace;
  try {
    trace = await openTrace(init.path, {
      ports: parsePorts(init.load.ports),
      keys: gatherKeys(init.load),
      onPacket: (p) => batch.push(p),
      onProgress: (done, total) => {
        parent.postMessage({ type: "progress", done, total, packets: batch } satisfies WorkerMsg);
        batch = [];
      },
    });
  } catch (e) {
    parent.postMessage({ type: "error", message: (e as Error).message } satisfies WorkerMsg);
    return;
  }
  init.port.on("message", (req: Req) => {
    let reply: unknown;
    try {
      reply =
        req.op === "tree"
          ? { ok: trace.tree(req.no, { allLayers: req.allLayers }) }
          : { ok: (trace.pduBytes?.(req.no) ?? []).map((b) => new Uint8Array(b)) };
    } catch (e) {
      reply = { error: (e as Error).message };
    }
    init.port.postMessage(reply);
    Atomics.store(init.flag, 0, 1);
    Atomics.notify(init.flag, 0);
  });
  parent.postMessage({ type: "done", packets: batch, warnings: [...trace.warnings] } satisfies WorkerMsg);
}

void run();
