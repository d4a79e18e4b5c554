/**
 * The fuzz child process: runs cases sent over IPC with checkFile, under the parent's heap limit
 * and timeout (a hang or an OOM kills this process, and the parent reports the case).
 */
import { openTrace } from "../../src/trace/index.js";
import type { Trace } from "../../src/trace/types.js";
import { checkFile } from "./check.js";

export interface CaseRequest {
  id: number;
  file: string;
  /** The unmutated seed (normalised) to diff against. */
  orig?: string;
  keys?: string;
  maxTrees?: number;
  diffRows?: number;
}

export type CaseReply =
  | {
      id: number;
      ok: true;
      outcome: "listing" | "error";
      error?: string;
      packets: number;
      malformed: number;
      /** Peak resident set of this process so far, MB (Buffers live outside the V8 heap limit). */
      maxRssMb: number;
    }
  | { id: number; ok: false; error: string; stack: string };

const origs = new Map<string, Trace>();

async function origTrace(p: string, keys?: string): Promise<Trace> {
  let t = origs.get(p);
  if (!t) {
    if (origs.size > 16) {
      for (const o of origs.values()) o.close();
      origs.clear();
    }
    const { parseKeyFile } = await import("../../src/keys/index.js");
    t = await openTrace(p, keys ? { keys: parseKeyFile(keys) } : {});
    origs.set(p, t);
  }
  return t;
}

process.on("message", (msg: CaseRequest) => {
  void (async () => {
    let reply: CaseReply;
    try {
      const orig = msg.orig ? await origTrace(msg.orig, msg.keys) : undefined;
      const r = await checkFile(msg.file, orig, {
        keys: msg.keys,
        maxTrees: msg.maxTrees,
        diffRows: msg.diffRows,
      });
      reply = {
        id: msg.id,
        ok: true,
        outcome: r.outcome,
        error: r.error,
        packets: r.packets,
        malformed: r.malformed,
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      };
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      reply = { id: msg.id, ok: false, error: `${err.name}: ${err.message}`, stack: err.stack ?? "" };
    }
    process.send?.(reply);
  })();
});
process.send?.({ ready: true });
