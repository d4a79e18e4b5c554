/**
 * Worker side of the TUI's trace loader: indexes the capture off the UI thread (posting progress
 * and packets as they come), then serves tree/bytes requests synchronously for the UI thread.
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { gatherKeys, type LoadOpts, parsePorts } from "../cli/common.js";
import { openTrace } from "../trace/index.js";
import { PacketStore } from "../trace/store.js";
import type { ByteSource, Trace } from "../trace/types.js";

export interface WorkerInit {
  path: string;
  load: LoadOpts;
  port: MessagePort;
  flag: Int32Array;
  /** Diff mode: the align worker's port, fed the same packet batches. */
  alignPort?: MessagePort;
}

/**
 * `packets`: the next packets of the worker's index (PacketStore.exportRange: made once, sent to the
 * UI and the align worker), only those whose Info is final.
 */
export type WorkerMsg =
  | { type: "progress"; done: number; total: number; packets: Uint8Array }
  | { type: "done"; packets: Uint8Array; warnings: string[] }
  | { type: "error"; message: string };

export interface Req {
  op: "tree" | "bytes" | "sources";
  no: number;
  allLayers?: boolean;
}

const init = workerData as WorkerInit;
const parent = parentPort!;

function post(m: WorkerMsg): void {
  if (m.type === "error") {
    parent.postMessage(m);
    init.alignPort?.postMessage(m);
    return;
  }
  // The align worker gets a copy; the UI gets the buffer itself.
  if (init.alignPort) {
    const copy = new Uint8Array(m.packets);
    init.alignPort.postMessage({ ...m, packets: copy }, [copy.buffer]);
  }
  parent.postMessage(m, [m.packets.buffer as ArrayBuffer]);
}

/** A packet's byte sources as they cross to the UI thread (a Buffer arrives as a plain Uint8Array). */
export interface WireSource {
  label: string;
  bytes: Uint8Array;
  plain?: boolean;
}

function sourcesOf(trace: Trace, no: number): WireSource[] {
  const src: ByteSource[] =
    trace.byteSources?.(no) ??
    (trace.pduBytes?.(no) ?? []).map((bytes, k) => ({ label: `PDU ${k + 1}`, bytes }));
  return src.map((s) => ({ label: s.label, bytes: new Uint8Array(s.bytes), plain: s.plain }));
}

async function run(): Promise<void> {
  let store: PacketStore | undefined;
  let sent = 0;
  let settled = 0;
  let done = 0;
  let total = 0;
  let last = Date.now();
  const flush = () => {
    const to = store ? settled : 0;
    // A fresh batch each time, even an empty one: a transferred buffer cannot be sent again.
    post({ type: "progress", done, total, packets: (store ?? new PacketStore()).exportRange(sent, to) });
    sent = to;
    last = Date.now();
  };
  let trace: Trace;
  try {
    trace = await openTrace(init.path, {
      ports: parsePorts(init.load.ports),
      keys: gatherKeys(init.load),
      nbss: init.load.nbss,
      // Small batches, often: the UI unpacks each between two keystrokes (the reader reports
      // progress only every 16 MB, which would make one long stall of a whole small capture).
      onPacket: (_p, final, packets) => {
        store = packets;
        settled = final;
        const n = final - sent;
        if (n >= 2000 || (n > 0 && n % 64 === 0 && Date.now() - last >= 100)) flush();
      },
      onProgress: (d, t) => {
        done = d;
        total = t;
        flush();
      },
    });
  } catch (e) {
    post({ type: "error", message: (e as Error).message });
    return;
  }
  init.port.on("message", (req: Req) => {
    let reply: unknown;
    try {
      reply =
        req.op === "tree"
          ? { ok: trace.tree(req.no, { allLayers: req.allLayers }) }
          : req.op === "sources"
            ? { ok: sourcesOf(trace, req.no) }
            : { ok: (trace.pduBytes?.(req.no) ?? []).map((b) => new Uint8Array(b)) };
    } catch (e) {
      reply = { error: (e as Error).message };
    }
    init.port.postMessage(reply);
    Atomics.store(init.flag, 0, 1);
    Atomics.notify(init.flag, 0);
  });
  const all = trace.packets as PacketStore;
  post({ type: "done", packets: all.exportRange(sent, all.length), warnings: [...trace.warnings] });
}

void run();
