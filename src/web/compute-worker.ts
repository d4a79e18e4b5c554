/**
 * Worker side of src/web/compute.ts: its own Session over the same capture files, answering the
 * calls that may take seconds on big captures (alignment, pair diffs, report, stats) so the HTTP
 * thread stays free. Results go back as JSON text (what the server sends anyway).
 */
import { parentPort, workerData } from "node:worker_threads";
import { openTsharkTrace } from "../engine/tshark.js";
import type { KeyEntry } from "../keys/types.js";
import { openTrace } from "../trace/index.js";
import type { ComputeReply, ComputeRequest, ComputeState } from "./compute.js";
import { Session, type Side } from "./session.js";

const parent = parentPort!;
const session = new Session();
const opened: Partial<Record<Side, string>> = {};
let keysGen = -1;
let engine = "";

/** Structured clone turns Buffers into Uint8Arrays; the engine wants Buffers back. */
function reviveKeys(keys: KeyEntry[]): KeyEntry[] {
  const buf = (u?: Uint8Array) => (u ? Buffer.from(u.buffer, u.byteOffset, u.length) : undefined);
  return keys.map((k) => ({
    ...k,
    sessionKey: buf(k.sessionKey),
    serverIn: buf(k.serverIn),
    serverOut: buf(k.serverOut),
    signingKey: buf(k.signingKey),
  }));
}

let current: ComputeState | undefined;

async function apply(s: ComputeState): Promise<void> {
  current = s;
  const keys = reviveKeys(s.keys);
  const want = { a: s.files.a?.file, b: s.files.b?.file };
  // Keys or engine changed: everything is reopened.
  const same = s.keysGen === keysGen && s.engine === engine;
  if (same && want.a === opened.b && want.b === opened.a && want.a !== want.b) {
    session.swap();
    [opened.a, opened.b] = [opened.b, opened.a];
  }
  for (const side of ["a", "b"] as const) {
    const f = s.files[side];
    if (f && (f.file !== opened[side] || !same)) {
      const o = { ports: s.ports, keys };
      const t =
        s.engine === "tshark"
          ? await openTsharkTrace(f.file, { ...o, tshark: s.tshark })
          : await openTrace(f.file, o);
      session.set(side, t, f.name);
      opened[side] = f.file;
    }
  }
  keysGen = s.keysGen;
  engine = s.engine;
  session.setRules(s.rules);
}

/** Set when opening a file failed: calls then fail with it instead of using a stale Session. */
let broken: string | undefined;

async function handle(m: ComputeRequest): Promise<void> {
  if (m.type === "state") {
    try {
      await apply(m.state);
      broken = undefined;
    } catch (e) {
      broken = (e as Error).message;
    }
    return;
  }
  const gate = current?.gate;
  while (gate && Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 1000);
  let reply: ComputeReply;
  try {
    if (broken) throw new Error(broken);
    reply = { id: m.id, ok: true, json: JSON.stringify(session.call(m.method, m.params)) };
  } catch (e) {
    reply = { id: m.id, ok: false, error: (e as Error).message };
  }
  parent.postMessage(reply);
}

// Strictly in order: a state update waits for the calls posted before it, and calls after it see it.
let queue = handle({ type: "state", state: workerData as ComputeState });
parent.on("message", (m: ComputeRequest) => {
  queue = queue.then(() => handle(m));
});
