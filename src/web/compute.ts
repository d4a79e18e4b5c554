/**
 * Runs the web server's slow calls (alignment and everything built on it, stats) in a worker
 * thread, so that the HTTP thread keeps serving packet pages and trees meanwhile. The worker keeps
 * its own Session on the same files; the server pushes every state change (files, keys, rules).
 * A state change while the worker is still computing for the old state cancels that work: the
 * worker is terminated and its pending calls fail with `Superseded` (the next call starts a new
 * worker on the new state).
 */
import { Worker } from "node:worker_threads";
import type { KeyEntry } from "../keys/types.js";

export interface ComputeState {
  files: { a?: { file: string; name: string }; b?: { file: string; name: string } };
  keys: KeyEntry[];
  /** Bumped by the server whenever `keys` change (the worker then reopens both files). */
  keysGen: number;
  ports?: number[];
  rules: string[];
  engine: "native" | "tshark";
  tshark: string;
  /**
   * Tests: calls wait in the worker until gate[0] != 0 (a SharedArrayBuffer), which holds a
   * computation "in progress" for as long as a test needs, without timing.
   */
  gate?: Int32Array;
}

export type ComputeRequest =
  | { type: "state"; state: ComputeState }
  | { type: "call"; id: number; method: string; params: Record<string, unknown> };

export type ComputeReply = { id: number; ok: true; json: string } | { id: number; ok: false; error: string };

/** The calls that go to the worker (the rest are quick and stay on the HTTP thread). */
export const HEAVY = new Set(["rows", "searchRows", "pair", "report", "stats", "info"]);

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

function spawn(state: ComputeState): Worker {
  const here = import.meta.url;
  // From source (tests, `node --import tsx`) the worker registers the TypeScript loader itself.
  const w = here.endsWith(".ts")
    ? new Worker(
        `import("tsx/esm/api").then((m) => m.register()).then(() => import(${JSON.stringify(
          new URL("./compute-worker.ts", here).href,
        )}))`,
        { eval: true, workerData: state },
      )
    : // Compiled (dist/src, .js) or bundled (dist/bundle, .mjs, the worker entry next to this code).
      new Worker(new URL(`./compute-worker${here.slice(here.lastIndexOf("."))}`, here), {
        workerData: state,
      });
  w.unref();
  return w;
}

export class Compute {
  private worker?: Worker;
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

  constructor(private state: ComputeState) {}

  /** New files, keys or rules. Cancels the computation in progress, which was for the old state. */
  update(state: ComputeState): void {
    this.state = state;
    if (this.worker && this.pending.size) {
      this.cancelled++;
      this.stop(new Superseded());
    } else this.worker?.postMessage({ type: "state", state } satisfies ComputeRequest);
    // Start (or restart) the worker with the first capture: it opens the captures while the HTTP
    // thread does too, rather than after the first alignment or stats request.
    if (!this.worker && (state.files.a || state.files.b)) this.start();
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
    const w = spawn(this.state);
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

  /** Terminates the worker and fails what it still owed. */
  private stop(e: Error): void {
    const w = this.worker;
    this.worker = undefined;
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
