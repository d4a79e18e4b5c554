/**
 * A Trace whose indexing runs in a worker thread (src/worker/load-worker.ts): the packet list grows
 * while the UI stays responsive, and once loaded, `tree()` / `pduBytes()` / `byteSources()` are
 * synchronous calls into the worker (Atomics.wait + receiveMessageOnPort), so the diff engine can
 * use it like any Trace. The TUI and the web server use it; `attach()` gives another thread (the
 * web server's compute worker) the same index (shared memory, see PacketStore.exportRange) and its
 * own synchronous line to the same worker, as a PeerTrace: the capture is indexed once.
 */
import {
  MessageChannel,
  type MessagePort,
  type ResourceLimits,
  receiveMessageOnPort,
  type Worker,
} from "node:worker_threads";
import type { LoadOpts } from "../cli/common.js";
import { type FieldNode, fromSkeleton, type Skeleton } from "../dissect/tree.js";
import { PacketStore } from "../trace/store.js";
import type { ByteSource, RpcCall, Trace, TreeOptions } from "../trace/types.js";
import { Lru } from "../util/lru.js";
import type { FilterResult } from "./filter.js";
import type {
  Attach,
  FilterReply,
  FilterReq,
  OpenSpec,
  Req,
  WireSource,
  WorkerInit,
  WorkerMsg,
} from "./load-worker.js";
import { spawnWorker } from "./spawn.js";

export type { OpenSpec } from "./load-worker.js";

export interface LoadEvents {
  onProgress(done: number, total: number): void;
  onDone(): void;
  onError(message: string): void;
}

/** Another thread's share of a load worker (see WorkerTrace.attach): transfer both ports. */
export interface TraceLink {
  /** Batches (WorkerMsg): everything indexed so far, then the rest. */
  feed: MessagePort;
  /** Synchronous requests, answered on the same port; `flag` says an answer is there. */
  req: MessagePort;
  flag: Int32Array;
  /** Asynchronous requests: packet list filters, run next to the trees (FilterReq). */
  ctl: MessagePort;
}

/** The synchronous half: tree/bytes/sources requests to a load worker, with small caches. */
class TreeClient {
  private cache = new Lru<number, FieldNode[]>(256);
  /** Skeleton trees, what a diff's equality tests read (rows ahead are fetched together). */
  private skeletons = new Lru<number, FieldNode[]>(160);
  private lastSources?: { no: number; sources: ByteSource[] };

  constructor(
    private port: MessagePort,
    private flag: Int32Array,
    /** Throws unless the worker is ready to answer. */
    private check: () => void,
  ) {}

  private call<T>(req: Req): T {
    return this.send<T>(req)();
  }

  /** Requests posted and answers received so far: answers come in the order asked. */
  private asked = 0;
  private answered = 0;
  /** Answers received before their waiter ran (several requests can be out: see RowPrefetcher). */
  private early = new Map<number, unknown>();

  /**
   * Posts `req`; the returned function waits for the answer (meanwhile another worker can be
   * asked, or more requests posted). Call it once.
   */
  private send<T>(req: Req): () => T {
    this.check();
    this.port.postMessage(req);
    const seq = this.asked++;
    return () => {
      let msg: unknown;
      if (this.early.has(seq)) {
        msg = this.early.get(seq);
        this.early.delete(seq);
      } else
        for (;;) {
          const n = this.answered++;
          const m = this.receive();
          if (n === seq) {
            msg = m;
            break;
          }
          this.early.set(n, m);
        }
      const r = msg as { ok?: T; error?: string } | undefined;
      if (!r || r.error !== undefined || r.ok === undefined) throw new Error(r?.error ?? "no answer");
      return r.ok;
    };
  }

  /** The next answer on the port. */
  private receive(): unknown {
    // The worker posts its answer, then sets the flag: clear the flag, look for an answer, and
    // sleep until the flag is set only when there is none.
    const end = Date.now() + 10_000;
    for (;;) {
      Atomics.store(this.flag, 0, 0);
      const m = receiveMessageOnPort(this.port);
      if (m) return m.message;
      const left = end - Date.now();
      if (left <= 0 || Atomics.wait(this.flag, 0, 0, left) === "timed-out")
        throw new Error("trace worker does not answer");
    }
  }

  /**
   * Asks for the skeleton trees (dissect/tree.ts) of `nos` not cached yet, in one round trip; the
   * returned function waits for them. A diff asks both captures' workers before waiting for
   * either, so that they build at the same time.
   */
  prefetchSkeletons(nos: readonly number[]): () => void {
    const want = [...new Set(nos)].filter((no) => !this.skeletons.has(no));
    if (!want.length) return () => {};
    const answer = this.send<string>({ op: "skeletons", nos: want });
    return () => {
      const sk = JSON.parse(answer()) as (Skeleton[] | null)[];
      want.forEach((no, k) => {
        const s = sk[k];
        if (s) this.skeletons.set(no, fromSkeleton(s));
      });
    };
  }

  /** Packet `no`'s skeleton tree; a tree that cannot be built throws its error (as tree() does). */
  skeleton(no: number): FieldNode[] {
    this.prefetchSkeletons([no])();
    return this.skeletons.get(no) ?? this.tree(no);
  }

  tree(no: number, opts: TreeOptions = {}): FieldNode[] {
    const key = no * 2 + (opts.allLayers ? 1 : 0);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const t = this.call<FieldNode[]>({ op: "tree", no, allLayers: opts.allLayers });
    this.cache.set(key, t);
    return t;
  }

  pduBytes(no: number): Buffer[] {
    return this.call<Uint8Array[]>({ op: "bytes", no }).map((u) =>
      Buffer.from(u.buffer, u.byteOffset, u.length),
    );
  }

  byteSources(no: number): ByteSource[] {
    // The hex pane asks on every redraw: keep the last packet's (plaintexts can be megabytes).
    if (this.lastSources?.no === no) return this.lastSources.sources;
    const sources = this.call<WireSource[]>({ op: "sources", no }).map((s) => ({
      label: s.label,
      bytes: Buffer.from(s.bytes.buffer, s.bytes.byteOffset, s.bytes.length),
      plain: s.plain,
    }));
    this.lastSources = { no, sources };
    return sources;
  }
}

const noEvents: LoadEvents = { onProgress() {}, onDone() {}, onError() {} };

/** Where a loading trace stands, with a promise for its end (shared by WorkerTrace and PeerTrace). */
abstract class LoadingTrace implements Trace {
  readonly packets = new PacketStore();
  readonly warnings: string[] = [];
  /** The index's RPC calls, with its last batch. */
  private rpc: readonly RpcCall[] = [];
  loaded = false;
  error?: string;
  done = 0;
  total = 0;
  /** Resolves when every packet is here (rejects with the load error). */
  readonly ready: Promise<void>;
  /** `name`: the load error's class name (see WorkerMsg), which `ready` rejects with. */
  protected settle!: (error?: string, name?: string) => void;
  protected abstract client: TreeClient;

  constructor(readonly path: string) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settle = (error, name) =>
        error === undefined ? resolve() : reject(Object.assign(new Error(error), name ? { name } : {}));
    });
    // Nobody may be waiting: a failed load is reported through `error` too.
    this.ready.catch(() => {});
  }

  protected checkLoaded = (): void => {
    if (!this.loaded) throw new Error(this.error ?? "still loading");
  };

  /** Applies one message of the load worker; returns false for an error. */
  protected apply(m: WorkerMsg): boolean {
    if (m.type === "error") {
      this.error = m.message;
      this.settle(m.message, m.name);
      return false;
    }
    this.packets.importRange(m.packets);
    if (m.type === "progress") {
      this.done = m.done;
      this.total = m.total;
    } else {
      this.warnings.push(...m.warnings);
      this.rpc = m.rpc;
      this.loaded = true;
      this.settle();
    }
    return true;
  }

  rpcCalls(): readonly RpcCall[] {
    return this.rpc;
  }

  indexOf(no: number): number {
    return this.packets.indexOf(no);
  }

  tree(no: number, opts: TreeOptions = {}): FieldNode[] {
    return this.client.tree(no, opts);
  }

  skeleton(no: number): FieldNode[] {
    return this.client.skeleton(no);
  }

  prefetchSkeletons(nos: readonly number[]): () => void {
    return this.client.prefetchSkeletons(nos);
  }

  pduBytes(no: number): Buffer[] {
    return this.client.pduBytes(no);
  }

  /** The PDUs, then the decrypted/decompressed plaintexts (see Trace.byteSources). */
  byteSources(no: number): ByteSource[] {
    return this.client.byteSources(no);
  }

  abstract close(): void;
}

export interface WorkerTraceOptions {
  /** Resolved open options (the web server); without, the worker reads `load` as the CLI does. */
  spec?: OpenSpec;
  /** Tests: see WorkerInit.gate. */
  gate?: Int32Array;
  /** The worker's V8 limits (the web server keeps its young generation small, see LEAN_LOADER). */
  resourceLimits?: ResourceLimits;
}

/**
 * A load worker's young generation capped at 8 MB: V8 otherwise grows it to 48 MB in each thread
 * that allocates as much as indexing does (2 captures: ~55 MB of RSS on ops-100k, ~65 MB on
 * ops-900k), and indexing was not slower with it (the packets live in typed arrays, few objects
 * survive a scavenge).
 */
export const LEAN_LOADER: ResourceLimits = { maxYoungGenerationSizeMb: 8 };

export class WorkerTrace extends LoadingTrace {
  /** Load workers of this process not exited yet (tests check that closed ones really end). */
  static live = 0;
  /** Resolves at the worker's first report (the capture opened), rejects if it could not open it. */
  readonly started: Promise<void>;
  protected client: TreeClient;
  private worker: Worker;
  private closed = false;

  constructor(
    path: string,
    load: LoadOpts,
    ev: LoadEvents = noEvents,
    /** Diff mode: a port of the align worker, which gets the same packets. */
    alignPort?: MessagePort,
    opts: WorkerTraceOptions = {},
  ) {
    super(path);
    const { port1, port2 } = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    this.client = new TreeClient(port1, flag, this.checkLoaded);
    const init: WorkerInit = { path, load, spec: opts.spec, port: port2, flag, alignPort, gate: opts.gate };
    this.worker = spawnWorker(
      import.meta.url,
      "load-worker",
      init,
      alignPort ? [port2, alignPort] : [port2],
      opts.resourceLimits,
    );
    WorkerTrace.live++;
    this.worker.once("exit", () => WorkerTrace.live--);
    let start!: (error?: string) => void;
    this.started = new Promise<void>((resolve, reject) => {
      start = (error) => (error === undefined ? resolve() : reject(new Error(error)));
    });
    this.started.catch(() => {});
    // Messages wait in a queue and are handled one per event-loop turn: Node hands a port's whole
    // backlog to one callback, and unpacking it at once would hold keystrokes (or requests) for seconds.
    const queue: WorkerMsg[] = [];
    let head = 0;
    const drain = () => {
      const m = queue[head++];
      if (head === queue.length) {
        queue.length = 0;
        head = 0;
      } else setImmediate(drain);
      if (m && !this.closed) handle(m);
    };
    this.worker.on("message", (m: WorkerMsg) => {
      // The first report says whether the capture opened: no need to wait for its turn.
      start(m.type === "error" ? m.message : undefined);
      if (queue.push(m) === 1) setImmediate(drain);
    });
    const handle = (m: WorkerMsg) => {
      if (!this.apply(m)) ev.onError(m.type === "error" ? m.message : "");
      else if (m.type === "progress") ev.onProgress(m.done, m.total);
      else ev.onDone();
    };
    const fail = (message: string) => {
      if (this.closed || this.loaded || this.error) return;
      this.error = message;
      start(message);
      this.settle(message);
      ev.onError(message);
    };
    this.worker.on("error", (e) => fail(`internal error: ${e.message}`));
    // Out of memory, say: whoever waits for the capture must not wait forever.
    this.worker.on("exit", (code) => fail(`internal error: the load worker exited (${code})`));
  }

  /**
   * A new consumer of this worker's index: the ends to transfer to the other thread, which makes
   * a PeerTrace of them. Detaches by itself when that thread ends (its ports close).
   */
  attach(): TraceLink {
    const feed = new MessageChannel();
    const req = new MessageChannel();
    const ctl = new MessageChannel();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const m: Attach = { type: "attach", feed: feed.port2, req: req.port2, flag, ctl: ctl.port2 };
    this.worker.postMessage(m, [feed.port2, req.port2, ctl.port2]);
    return { feed: feed.port1, req: req.port1, flag, ctl: ctl.port1 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.settle("closed");
    void this.worker.terminate();
  }
}

/**
 * A Trace in another thread than its load worker's parent, from WorkerTrace.attach(): the same
 * index (the same memory, fed the same batches) and synchronous trees from the same worker.
 */
export class PeerTrace extends LoadingTrace {
  protected client: TreeClient;
  private filters = new Map<number, { resolve(r: FilterResult): void; reject(e: Error): void }>();
  private nextFilter = 1;

  constructor(
    path: string,
    private link: TraceLink,
  ) {
    super(path);
    this.client = new TreeClient(link.req, link.flag, this.checkLoaded);
    link.feed.on("message", (m: WorkerMsg) => {
      if (!this.apply(m) || m.type === "done") link.feed.close();
    });
    // The load worker ended before the end of the index (terminated, crashed): no waiting forever.
    link.feed.on("close", () => {
      if (!this.loaded && !this.error) {
        this.error = "the capture's load worker ended";
        this.settle(this.error);
      }
    });
    link.ctl.on("message", (r: FilterReply) => {
      const p = this.filters.get(r.id);
      this.filters.delete(r.id);
      if ("ok" in r) p?.resolve(r.ok);
      else p?.reject(new Error(r.error));
    });
    link.ctl.on("close", () => this.failFilters("the capture's load worker ended"));
  }

  private failFilters(message: string): void {
    for (const p of this.filters.values()) p.reject(new Error(message));
    this.filters.clear();
  }

  /** The packets passing `filter` (see src/worker/filter.ts), filtered by the load worker. */
  filterIndex(filter: string): Promise<FilterResult> {
    this.checkLoaded();
    const id = this.nextFilter++;
    return new Promise<FilterResult>((resolve, reject) => {
      this.filters.set(id, { resolve, reject });
      this.link.ctl.postMessage({ id, filter } satisfies FilterReq);
    });
  }

  close(): void {
    this.settle("closed");
    this.failFilters("closed");
    this.link.feed.close();
    this.link.req.close();
    this.link.ctl.close();
  }
}
