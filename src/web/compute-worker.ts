/**
 * Worker side of src/web/compute.ts: its own Session over PeerTraces (src/worker/trace.ts), copies
 * of the index of each capture fed by that capture's load worker, which also answers its tree
 * requests. It never opens a capture itself (test/web/once.test.ts checks its module graph).
 * It answers the calls that may take seconds on big captures (alignment, pair diffs, report,
 * stats, display filters) so the HTTP thread stays free. Results go back as JSON text (what the
 * server sends anyway).
 */
import { parentPort, workerData } from "node:worker_threads";
import { PeerTrace } from "../worker/trace.js";
import {
  type ComputeInit,
  type ComputeReply,
  type ComputeRequest,
  type ComputeState,
  type Links,
  sidesOf,
} from "./compute.js";
import { Session, type Side } from "./session.js";

const parent = parentPort!;
const session = new Session();
/** Load worker id → its PeerTrace, from the links received and not installed yet. */
const linked = new Map<number, PeerTrace>();
/** What the Session holds per side. */
const opened: Partial<Record<Side, { id: number; trace: PeerTrace }>> = {};
let current: ComputeState | undefined;

function apply(s: ComputeState, links: Links): void {
  current = s;
  for (const [id, link] of Object.entries(links)) {
    const ref = [s.sides.a, s.sides.b].find((r) => r?.id === Number(id));
    linked.set(Number(id), new PeerTrace(ref?.file ?? `#${id}`, link));
  }
  const want = { a: s.sides.a?.id, b: s.sides.b?.id };
  if (want.a === opened.b?.id && want.b === opened.a?.id && want.a !== want.b) {
    session.swap();
    [opened.a, opened.b] = [opened.b, opened.a];
  }
  for (const side of ["a", "b"] as const) {
    const ref = s.sides[side];
    if (!ref || ref.id === opened[side]?.id) continue;
    const trace = linked.get(ref.id);
    if (!trace) continue;
    linked.delete(ref.id);
    session.set(side, trace, ref.name);
    opened[side] = { id: ref.id, trace };
  }
  session.setRules(s.rules);
}

async function handle(m: ComputeRequest): Promise<void> {
  if (m.type === "state") {
    apply(m.state, m.links);
    return;
  }
  let reply: ComputeReply;
  try {
    // A capture still loading: wait for the rest of its index (an open error fails the call).
    for (const side of sidesOf(m.method, m.params)) await opened[side]?.trace.ready;
    const gate = current?.gate;
    while (gate && Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 1000);
    const filter = String(m.params.filter ?? "");
    const peer = opened[m.params.side === "b" ? "b" : "a"]?.trace;
    if (m.method === "filterIndex" && filter && peer) {
      // Where the trees are: the load worker (Session.filterIndex would fetch each tree from it).
      const r = await peer.filterIndex(filter);
      reply = { id: m.id, ok: true, json: JSON.stringify({ idx: [...r.idx], note: r.note }) };
    } else reply = { id: m.id, ok: true, json: JSON.stringify(session.call(m.method, m.params)) };
  } catch (e) {
    reply = { id: m.id, ok: false, error: (e as Error).message };
  }
  parent.postMessage(reply);
}

// Strictly in order: a state update waits for the calls posted before it, and calls after it see it.
const init = workerData as ComputeInit;
let pending = 0;
let queue = handle({ type: "state", state: init.state, links: init.links });
parent.on("message", (m: ComputeRequest) => {
  pending++;
  queue = queue
    .then(() => handle(m))
    .finally(() => {
      pending--;
      deepen();
    });
});

/**
 * Between calls, the Session compares the aligned pairs' fields in short steps (the page asks for
 * the divergences again while it does): a call waits for one step at most.
 */
let stepping = false;
function deepen(): void {
  if (stepping || pending > 0 || !session.comparing) return;
  stepping = true;
  setImmediate(() => {
    stepping = false;
    if (pending === 0) session.deepenStep(20);
    deepen();
  });
}
