/**
 * Worker side of WorkerTrace (src/worker/trace.ts), used by the TUI and the web server: the only
 * owner of one capture's Trace (index + conversation state). It indexes the capture off the
 * requesting thread, posting progress and packet batches as they come to its parent and to every
 * attached feed (the TUI's align worker, the web server's compute worker), then answers
 * tree/bytes/sources requests synchronously for each requester (its own port + shared flag).
 */
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { gatherKeys, type LoadOpts, parsePorts } from "../cli/common.js";
import { skeletonJson } from "../dissect/tree.js";
import type { KeyEntry } from "../keys/types.js";
import { openTrace } from "../trace/index.js";
import { PacketStore, type StoreBatch } from "../trace/store.js";
import type { ByteSource, RpcCall, Trace } from "../trace/types.js";
import type { FilterResult } from "./filter.js";

/** Open options already resolved by the caller (the web server: keys pasted at run time). */
export interface OpenSpec {
  ports?: number[];
  keys?: KeyEntry[];
  nbss?: boolean;
  engine?: "native" | "tshark";
  /** tshark program for engine "tshark" (default "tshark" from PATH). */
  tshark?: string;
}

export interface WorkerInit {
  path: string;
  /** Command-line options (TUI): the worker gathers keys and parses ports itself. Ignored with `spec`. */
  load: LoadOpts;
  spec?: OpenSpec;
  port: MessagePort;
  flag: Int32Array;
  /** Diff mode: the align worker's port, fed the same packet batches. */
  alignPort?: MessagePort;
  /**
   * Tests: the worker waits before reporting "done" until gate[0] != 0 (a SharedArrayBuffer), so a
   * capture stays "loading" for as long as a test needs, without timing.
   */
  gate?: Int32Array;
}

/**
 * `packets`: the next packets of the worker's index (PacketStore.exportRange: made once, sent to the
 * parent and each feed), only those whose Info is final.
 */
export type WorkerMsg =
  | { type: "progress"; done: number; total: number; packets: StoreBatch }
  /** `rpc`: Trace.rpcCalls of the finished index. */
  | { type: "done"; packets: StoreBatch; warnings: string[]; rpc: readonly RpcCall[] }
  /** `name`: the error's class name (CaptureError, TraceError: a capture's fault, not smbcmp's). */
  | { type: "error"; message: string; name?: string };

export type Req =
  | { op: "tree" | "bytes" | "sources"; no: number; allLayers?: boolean }
  /** Skeletons of several packets' trees as JSON (dissect/tree.ts); a tree that fails is null. */
  | { op: "skeletons"; nos: number[] };

/**
 * Parent → worker: one more consumer of the index. `feed` gets every batch so far at once, then the
 * rest as they come (WorkerMsg); `req` + `flag` are a requester like the parent's own port.
 */
export interface Attach {
  type: "attach";
  feed: MessagePort;
  req: MessagePort;
  flag: Int32Array;
  /** Asynchronous requests (FilterReq), answered on the same port. */
  ctl: MessagePort;
}

/**
 * Filter the packet list (src/worker/filter.ts) here, where the trees are: a tree-field display
 * filter over another thread's synchronous line costs 2.5x (each tree cloned across).
 */
export interface FilterReq {
  id: number;
  filter: string;
}

export type FilterReply = { id: number; ok: FilterResult } | { id: number; error: string };

const init = workerData as WorkerInit;
const parent = parentPort!;
const feeds = new Set<MessagePort>();
if (init.alignPort) feeds.add(init.alignPort);

function post(m: WorkerMsg): void {
  if (m.type === "error") {
    parent.postMessage(m);
    for (const f of feeds) f.postMessage(m);
    return;
  }
  // The same batch for all: it carries shared memory, nothing is copied or transferred.
  for (const f of feeds) f.postMessage(m);
  parent.postMessage(m);
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

function skeletonOrNull(trace: Trace, no: number): string {
  try {
    return skeletonJson(trace.tree(no));
  } catch {
    return "null";
  }
}

/** Answers one requester's synchronous calls (it waits on `flag` until the reply is on the port). */
function serve(trace: Trace, port: MessagePort, flag: Int32Array): void {
  port.on("message", (req: Req) => {
    let reply: unknown;
    try {
      reply =
        req.op === "skeletons"
          ? { ok: `[${req.nos.map((no) => skeletonOrNull(trace, no)).join(",")}]` }
          : req.op === "tree"
            ? { ok: trace.tree(req.no, { allLayers: req.allLayers }) }
            : req.op === "sources"
              ? { ok: sourcesOf(trace, req.no) }
              : { ok: (trace.pduBytes?.(req.no) ?? []).map((b) => new Uint8Array(b)) };
    } catch (e) {
      reply = { error: (e as Error).message };
    }
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
}

// What the parent and the feeds have been sent so far (an attached feed is sent the same).
let store: PacketStore | undefined;
let sent = 0;
let settled = 0;
let done = 0;
let total = 0;
let last = Date.now();
let outcome:
  | { trace: Trace; warnings: string[]; rpc: readonly RpcCall[] }
  | { error: string; name?: string }
  | undefined;
const requesters: [MessagePort, Int32Array][] = [[init.port, init.flag]];
/** Attached ctl ports waiting for the end of the index. */
const filterers: MessagePort[] = [];

/** Sends the packets settled since the last batch (and any new progress) to everyone. */
function flush(): void {
  const to = store ? settled : 0;
  // A batch each time, even an empty one: it may carry Infos amended since the last.
  post({ type: "progress", done, total, packets: (store ?? new PacketStore()).exportRange(sent, to) });
  sent = to;
  last = Date.now();
}

/**
 * Runs filters in slices of about 20 ms, so that the synchronous requests of the other threads
 * (trees for the HTTP thread) are answered between two; a filter whose requester went away stops.
 */
function serveFilters(trace: Trace, ctl: MessagePort): void {
  let gone = false;
  ctl.once("close", () => {
    gone = true;
  });
  ctl.on("message", async (req: FilterReq) => {
    // Loaded on first use: the TUI's load workers never filter, and start sooner without it.
    const { filterSteps } = await import("./filter.js");
    const steps = filterSteps(trace, req.filter);
    const step = () => {
      if (gone) return;
      let r: IteratorResult<void, FilterResult>;
      try {
        const until = performance.now() + 20;
        do r = steps.next();
        while (!r.done && performance.now() < until);
      } catch (e) {
        ctl.postMessage({ id: req.id, error: (e as Error).message } satisfies FilterReply);
        return;
      }
      if (!r.done) setImmediate(step);
      else
        ctl.postMessage({ id: req.id, ok: r.value } satisfies FilterReply, [
          r.value.idx.buffer as ArrayBuffer,
        ]);
    };
    step();
  });
}

parent.on("message", (m: Attach) => {
  if (m.type !== "attach") return;
  if (outcome && "error" in outcome) {
    m.feed.postMessage({ type: "error", message: outcome.error, name: outcome.name } satisfies WorkerMsg);
    return;
  }
  // While indexing, bring everyone up to date first (after "done" everything has been sent).
  if (!outcome && store) flush();
  // Packets [0, sent) for a consumer that joins late: the others' batches continue from it.
  const soFar = (store ?? new PacketStore()).exportRange(0, sent, { catchUp: true });
  m.feed.postMessage({ type: "progress", done, total, packets: soFar } satisfies WorkerMsg);
  if (outcome) {
    // An empty batch (the catch-up had every packet, and nothing is new since "done"): importRange wants one.
    const none = store!.exportRange(sent, sent);
    m.feed.postMessage({
      type: "done",
      packets: none,
      warnings: outcome.warnings,
      rpc: outcome.rpc,
    } satisfies WorkerMsg);
    serve(outcome.trace, m.req, m.flag);
    serveFilters(outcome.trace, m.ctl);
  } else {
    feeds.add(m.feed);
    requesters.push([m.req, m.flag]);
    filterers.push(m.ctl);
  }
  // A consumer that goes away (its worker terminated) is fed no more.
  m.feed.once("close", () => feeds.delete(m.feed));
});

/** The tshark engine's trace, its packets in a PacketStore (what the batches are made of). */
async function openWithTshark(spec: OpenSpec): Promise<{ trace: Trace; packets: PacketStore }> {
  const { openTsharkTrace } = await import("../engine/tshark.js");
  const trace = await openTsharkTrace(init.path, { ports: spec.ports, keys: spec.keys, tshark: spec.tshark });
  const packets = new PacketStore();
  for (const p of trace.packets) packets.push(p);
  return { trace, packets };
}

async function run(): Promise<void> {
  let trace: Trace;
  try {
    // A bad key file or port is a load error like any other (the TUI shows it).
    const spec: OpenSpec = init.spec
      ? { ...init.spec, keys: reviveKeys(init.spec.keys ?? []) }
      : { ports: parsePorts(init.load.ports), keys: gatherKeys(init.load), nbss: init.load.nbss };
    if (spec.engine === "tshark") {
      const r = await openWithTshark(spec);
      trace = r.trace;
      store = r.packets;
    } else {
      trace = await openTrace(init.path, {
        ports: spec.ports,
        keys: spec.keys,
        nbss: spec.nbss,
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
      store = trace.packets as PacketStore;
    }
  } catch (e) {
    outcome = { error: (e as Error).message, name: (e as Error).name };
    post({ type: "error", message: outcome.error, name: outcome.name });
    return;
  }
  const gate = init.gate;
  while (gate && Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0, 1000);
  const warnings = [...trace.warnings];
  const rpc = trace.rpcCalls?.() ?? [];
  post({ type: "done", packets: store.exportRange(sent, store.length), warnings, rpc });
  sent = store.length;
  outcome = { trace, warnings, rpc };
  for (const [port, flag] of requesters) serve(trace, port, flag);
  requesters.length = 0;
  for (const ctl of filterers) serveFilters(trace, ctl);
  filterers.length = 0;
}

void run();
