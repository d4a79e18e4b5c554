/**
 * Web Worker entry of the static page: the engine (LocalEngine) answers the page's LocalBackend.
 * Requests are handled one at a time in arrival order (an open must finish before the next call
 * sees the session); results go back as JSON text, exactly as the server would send them.
 */
import type { Side } from "../session.js";
import { LocalEngine } from "./engine.js";

export type EngineRequest =
  | { id: number; op: "call"; method: string; params: Record<string, unknown> }
  | { id: number; op: "open"; side: Side; name: string; data: Blob }
  | { id: number; op: "keys"; text: string };

export type EngineReply = { id: number; ok: true; json: string } | { id: number; ok: false; error: string };

interface WorkerScope {
  onmessage: ((e: MessageEvent<EngineRequest>) => void) | null;
  postMessage(m: EngineReply): void;
}

const scope = globalThis as unknown as WorkerScope;
const engine = new LocalEngine();
let queue: Promise<void> = Promise.resolve();

async function handle(m: EngineRequest): Promise<unknown> {
  if (m.op === "open") return engine.openFile(m.side, m.name, m.data);
  if (m.op === "keys") return engine.setKeys(m.text);
  return engine.call(m.method, m.params);
}

scope.onmessage = (e) => {
  const m = e.data;
  queue = queue.then(async () => {
    try {
      const v = await handle(m);
      scope.postMessage({ id: m.id, ok: true, json: JSON.stringify(v ?? null) });
    } catch (err) {
      scope.postMessage({ id: m.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
};
