/// <reference lib="dom" />
/**
 * Static mode's backend: the engine runs in a Web Worker made from the bundle the build inlined in
 * the page (`<script id="smbcmp-engine" type="text/plain">`), so reading and aligning big captures
 * never freezes the page. Dropped files are posted as Blobs (no copy in the page).
 */
import type { Side } from "../session.js";
import type { Backend } from "./backend.js";
import type { EngineReply, EngineRequest } from "./engine-worker.js";

type Msg = EngineRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export class LocalBackend implements Backend {
  readonly mode = "static" as const;
  private worker: Worker;
  private pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor() {
    const src = document.getElementById("smbcmp-engine")?.textContent ?? "";
    if (!src) throw new Error("this page has no engine (build it with tools/build-web.ts)");
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    this.worker = new Worker(url);
    this.worker.onmessage = (e: MessageEvent<EngineReply>) => {
      const r = e.data;
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(JSON.parse(r.json));
      else p.reject(new Error(r.error));
    };
    this.worker.onerror = (e) => {
      const err = new Error(`engine worker failed: ${e.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  private send<T>(m: Msg): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ ...m, id } as EngineRequest);
    });
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.send<T>({ op: "call", method, params });
  }

  async openFile(side: Side, name: string, data: Blob): Promise<void> {
    await this.send({ op: "open", side, name, data });
  }

  setKeys(text: string): Promise<number> {
    return this.send<number>({ op: "keys", text });
  }
}
