/**
 * Runs the web server's slow calls (alignment and everything built on it, stats, new display
 * filters) in a worker thread, so that the HTTP thread keeps serving packet pages and trees
 * meanwhile. The worker indexes nothing: for each open capture it gets a TraceLink to that
 * capture's load worker (src/worker/load-worker.ts, owned by the server), i.e. the index (its
 * memory shared, fed the same batches) and a synchronous line for trees. The server pushes every state
 * change (captures, rules, swap). A state change while the worker is still computing for the old
 * state cancels that work: the worker is terminated and its pending calls fail with `Superseded`
 * (the next call starts a new worker on the new state, linked to the same load workers).
 */
import type { TransferListItem, Worker } from "node:worker_threads";
import { spawnWorker } from "../worker/spawn.js";
import type { TraceLink } from "../worker/trace.js";

/** One open capture as the worker sees it: its load worker's serial number, display name, file. */
export interface SideRef {
  id: number;
  name: string;
  /** The Trace's path (reports and error messages show it). */
  file: string;
}

export interface ComputeState {
  sides: { a?: SideRef; b?: SideRef };
  rules: string[];
  /**
   * Tests: calls wait in the worker until gate[0] != 0 (a SharedArrayBuffer), which holds a
   * computation "in progress" for as long as a test needs, without timing.
   */
  gate?: Int32Array;
}

/** The links of load workers this compute worker has not been linked to yet, by SideRef.id. */
export type Links = Record<number, TraceLink>;

export type ComputeRequest =
  | { type: "state"; state: ComputeState; links: Links }
  | { type: "call"; id: number; method: string; params: Record<string, unknown> };

export type ComputeReply = { id: number; ok: true; json: string } | { id: number; ok: false; error: string };

/** What the worker starts with. */
export interface ComputeInit {
  state: ComputeState;
  links: Links;
}

/** The calls that go to the worker (the rest are quick and stay on the HTTP thread). */
export const HEAVY = new Set(["rows", "searchRows", "pair", "report", "stats", "info"]);

/** The captures a Session call reads: its `side`, both for the pair calls, none for rules. */
export function sidesOf(method: string, params: Record<string, unknown>): ("a" | "b")[] {
  if (method === "rules" || method === "profile") return [];
  if (["packets", "find", "search", "tree", "stats", "filterIndex"].includes(method))
    return [params.side === "b" ? "b" : "a"];
  return ["a", "b"];
}

export class Superseded extends Error {
  constructor() {
    super("superseded by a newer request");
    this.name = "Superseded";
  }
}

interface Pending {
  resolve(json: string): void;
  reject(e: Error): void;
}

export class Compute {
  private worker?: Worker;
  /** Load workers the current worker is linked to. */
  private linked = new Set<number>();
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** Workers started so far (tests check that a superseded computation really restarted one). */
  started = 0;
  cancelled = 0;
  /** Calls sent to a worker so far. */
  calls = 0;

  /** Calls sent to the worker and not answered yet. */
  get owed(): number {
    return this.pending.size;
  }

  /** `link(id)`: a new TraceLink to load worker `id` (WorkerTrace.attach). */
  constructor(
    private state: ComputeState,
    private link: (id: number) => TraceLink | undefined,
  ) {}

  /** The links the current worker lacks for `state`, and their ports to transfer. */
  private links(state: ComputeState): [Links, TransferListItem[]] {
    const links: Links = {};
    const ports: TransferListItem[] = [];
    for (const ref of [state.sides.a, state.sides.b]) {
      if (!ref || this.linked.has(ref.id)) continue;
      const l = this.link(ref.id);
      if (!l) continue;
      links[ref.id] = l;
      ports.push(l.feed, l.req, l.ctl);
      this.linked.add(ref.id);
    }
    return [links, ports];
  }

  /** New captures or rules. Cancels the computation in progress, which was for the old state. */
  update(state: ComputeState): void {
    this.state = state;
    if (this.worker && this.pending.size) {
      this.cancelled++;
      this.stop(new Superseded());
    } else if (this.worker) {
      const [links, ports] = this.links(state);
      this.worker.postMessage({ type: "state", state, links } satisfies ComputeRequest, ports);
    }
    // Start (or restart) the worker with the first capture: it gets the index while it is built,
    // rather than all at once at the first alignment or stats request.
    if (!this.worker && (state.sides.a || state.sides.b)) this.start();
  }

  /** Calls Session.call(method, params) in the worker; resolves to the result as JSON text. */
  call(method: string, params: Record<string, unknown>): Promise<string> {
    if (!this.worker) this.start();
    this.calls++;
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ type: "call", id, method, params } satisfies ComputeRequest);
    });
  }

  private start(): void {
    this.linked.clear();
    const [links, ports] = this.links(this.state);
    const w = spawnWorker(
      import.meta.url,
      "compute-worker",
      { state: this.state, links } satisfies ComputeInit,
      ports,
    );
    this.started++;
    this.worker = w;
    w.on("message", (r: ComputeReply) => {
      if (w !== this.worker) return;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.json);
      else p.reject(new Error(r.error));
    });
    w.on("error", (e) => w === this.worker && this.stop(e));
    w.on("exit", (code) => w === this.worker && this.stop(new Error(`compute worker exited (${code})`)));
  }

  /** Terminates the worker (its links to the load workers close with it) and fails what it owed. */
  private stop(e: Error): void {
    const w = this.worker;
    this.worker = undefined;
    this.linked.clear();
    const owed = [...this.pending.values()];
    this.pending.clear();
    for (const p of owed) p.reject(e);
    void w?.terminate();
  }

  close(): Promise<void> {
    const w = this.worker;
    this.stop(new Error("server closed"));
    return w ? w.terminate().then(() => undefined) : Promise.resolve();
  }
}
