/// <reference lib="dom" />
/**
 * Static mode's engine, run in a Web Worker (engine-worker.ts) so the page stays responsive while
 * big captures are read and aligned. Dropped files become in-memory files of the node:fs shim
 * (src/web/shims/fs.ts), so the capture layer reads them as it reads files on disk.
 */
import { detectAndParse, type KeyEntry } from "../../keys/index.js";
import { openTrace } from "../../trace/index.js";
import { Session, type Side } from "../session.js";
import { registerFile, unregisterFile } from "../shims/fs.js";

export class LocalEngine {
  private session = new Session();
  private keys: KeyEntry[] = [];
  private files: Partial<Record<Side, { path: string; name: string }>> = {};
  private n = 0;

  call(method: string, params: Record<string, unknown> = {}): unknown {
    if (method === "swap") [this.files.a, this.files.b] = [this.files.b, this.files.a];
    return this.session.call(method, params);
  }

  private async open(side: Side, path: string, name: string): Promise<void> {
    const t = await openTrace(path, { keys: this.keys });
    const old = this.files[side];
    this.session.set(side, t, name);
    if (old && old.path !== path) unregisterFile(old.path);
    this.files[side] = { path, name };
  }

  async openFile(side: Side, name: string, data: Blob): Promise<void> {
    const path = `/mem/${++this.n}/${name}`;
    let bytes = new Uint8Array(await data.arrayBuffer());
    // gzip captures: the browser decompresses (the engine's gunzip path needs node:zlib and a disk).
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
      const s = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
      bytes = new Uint8Array(await new Response(s).arrayBuffer());
    }
    registerFile(path, bytes);
    await this.open(side, path, name);
  }

  async setKeys(text: string): Promise<number> {
    this.keys = detectAndParse(text, "pasted keys");
    for (const s of ["a", "b"] as const) {
      const f = this.files[s];
      if (f) await this.open(s, f.path, f.name);
    }
    return this.keys.length;
  }
}
