/**
 * A Trace whose indexing runs in a worker thread: the packet list grows while the UI stays
 * responsive, and once loaded, `tree()` / `pduBytes()` / `byteSources()` are synchronous calls into the worker
 * (Atomics.wait + receiveMessageOnPort), so the diff engine can use it like any Trace.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from "node:worker_threads";
import type { LoadOpts } from "../cli/common.js";
import type { FieldNode } from "../dissect/tree.js";
import { PacketStore } from "../trace/store.js";
import type { ByteSource, Trace, TreeOptions } from "../trace/types.js";
import type { Req, WireSource, WorkerInit, WorkerMsg } from "./load-worker.js";
import { spawnWorker } from "./spawn.js";

export interface LoadEvents {
  onProgress(done: number, total: number): void;
  onDone(): void;
  onError(message: string): void;
}

export class WorkerTrace implements Trace {
  readonly packets = new PacketStore();
  readonly warnings: string[] = [];
  loaded = false;
  error?: string;
  done = 0;
  total = 0;
  private worker: Worker;
  private port: MessagePort;
  private flag = new Int32Array(new SharedArrayBuffer(4));
  private cache = new Map<string, FieldNode[]>();
  private lastSources?: { no: number; sources: ByteSource[] };
  private closed = false;

  constructor(
    readonly path: string,
    load: LoadOpts,
    ev: LoadEvents,
    /** Diff mode: a port of the align worker, which gets the same packets. */
    alignPort?: MessagePort,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const init: WorkerInit = { path, load, port: port2, flag: this.flag, alignPort };
    this.worker = spawnWorker("load-worker", init, alignPort ? [port2, alignPort] : [port2]);
    const add = (buf: Uint8Array) => this.packets.importRange(buf);
    // Messages wait in a queue and are handled one per event-loop turn: Node hands a port's whole
    // backlog to one callback, and unpacking it at once would hold keystrokes for seconds.
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
      if (queue.push(m) === 1) setImmediate(drain);
    });
    const handle = (m: WorkerMsg) => {
      if (m.type === "progress") {
        add(m.packets);
        this.done = m.done;
        this.total = m.total;
        ev.onProgress(m.done, m.total);
      } else if (m.type === "done") {
        add(m.packets);
        this.warnings.push(...m.warnings);
        this.loaded = true;
        ev.onDone();
      } else {
        this.error = m.message;
        ev.onError(m.message);
      }
    };
    this.worker.on("error", (e) => {
      this.error = `internal error: ${e.message}`;
      ev.onError(this.error);
    });
  }

  indexOf(no: number): number {
    return this.packets.indexOf(no);
  }

  private call<T>(req: Req): T {
    if (!this.loaded) throw new Error(this.error ?? "still loading");
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(req);
    if (Atomics.wait(this.flag, 0, 0, 10_000) === "timed-out")
      throw new Error("trace worker does not answer");
    const r = receiveMessageOnPort(this.port)?.message as { ok?: T; error?: string } | undefined;
    if (!r || r.error !== undefined || r.ok === undefined) throw new Error(r?.error ?? "no answer");
    return r.ok;
  }

  tree(no: number, opts: TreeOptions = {}): FieldNode[] {
    const key = `${no}:${opts.allLayers ? 1 : 0}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const t = this.call<FieldNode[]>({ op: "tree", no, allLayers: opts.allLayers });
    this.cache.set(key, t);
    if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value!);
    return t;
  }

  pduBytes(no: number): Buffer[] {
    return this.call<Uint8Array[]>({ op: "bytes", no }).map((u) =>
      Buffer.from(u.buffer, u.byteOffset, u.length),
    );
  }

  /** The PDUs, then the decrypted/decompressed plaintexts (see Trace.byteSources). */
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

  close(): void {
    this.closed = true;
    void this.worker.terminate();
  }
}
