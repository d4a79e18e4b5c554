/**
 * Worker side of the TUI's alignment: it receives both traces' packets from the load workers (the
 * same batches the UI gets), runs diffTraces once both are complete, and sends back the rows and
 * operations as typed arrays (transferred, not copied) plus the identity map. Field diffs stay on
 * the UI thread (src/tui/alignment.ts): they need trees and the user's current ignore rules.
 */
import { parentPort, workerData } from "node:worker_threads";
import { diffTraces } from "../diff/align.js";
import { PacketStore } from "../trace/store.js";
import type { PacketList, Trace } from "../trace/types.js";
import type { WorkerMsg } from "../worker/load-worker.js";
import { type AlignInit, type AlignMsg, doneMessage, transferables } from "./align-msg.js";

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
    const done = doneMessage(r, performance.now() - t0, timings);
    msg = done;
    parent.postMessage(msg, transferables(done));
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
