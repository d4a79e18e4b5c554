/**
 * JSON output, schema version 1 (documented in SCHEMA.md). Stable: fields are only ever added;
 * a breaking change bumps `version`.
 */

import type { Trace } from "../../trace/types.js";
import { type AlignResult, opFrames, type PacketDiff } from "../align.js";
import type { Op } from "../ops.js";
import { messageAt } from "../ops.js";
import type { DiffNode } from "../tree-diff.js";
import { opText } from "./common.js";

export const JSON_SCHEMA_VERSION = 1;

export interface JsonDiffNode {
  kind: DiffNode["kind"];
  name: string;
  label: string;
  bLabel?: string;
  a?: string;
  b?: string;
  lines?: { op: " " | "-" | "+"; text: string }[];
  ignored: boolean;
  diffs: number;
  identity?: { kind: string; result: string };
  children?: JsonDiffNode[];
}

export interface JsonOp {
  index: number;
  kind: Op["kind"];
  proto: 0 | 1 | 2;
  cmd: number;
  conn: number;
  msgId: string;
  frames: number[];
  time: number;
  path: string;
  detail: string;
  status: number | null;
  text: string;
}

export interface JsonOptions {
  /** Field diffs: for no rows, 'differ' rows (default) or every paired row. */
  fields?: "none" | "differ" | "all";
  /** Keep SAME nodes in field trees (default false: only changed nodes and their ancestors). */
  sameNodes?: boolean;
  /** Indentation passed to JSON.stringify (default 2; 0 for one line). */
  space?: number;
}

export function nodeJson(n: DiffNode, sameNodes: boolean): JsonDiffNode {
  const j: JsonDiffNode = { kind: n.kind, name: n.name, label: n.label, ignored: n.ignored, diffs: n.diffs };
  if (n.bLabel !== undefined) j.bLabel = n.bLabel;
  if (n.a !== undefined) j.a = n.a;
  if (n.b !== undefined) j.b = n.b;
  if (n.lines) j.lines = n.lines;
  if (n.identity) j.identity = { ...n.identity };
  if (n.children) {
    const kids = n.children.filter((c) => sameNodes || c.kind !== "same").map((c) => nodeJson(c, sameNodes));
    if (kids.length) j.children = kids;
  }
  return j;
}

export function nodesJson(nodes: readonly DiffNode[], sameNodes = false): JsonDiffNode[] {
  return nodes.filter((c) => sameNodes || c.kind !== "same").map((c) => nodeJson(c, sameNodes));
}

function opJson(t: Trace, op: Op): JsonOp {
  const frames = opFrames(t, op);
  const first = op.req ?? op.resp;
  return {
    index: op.index,
    kind: op.kind,
    proto: first ? messageAt(t, first).proto : op.proto,
    cmd: op.cmd,
    conn: op.conn,
    msgId: op.msgId,
    frames,
    time: op.time,
    path: op.path,
    detail: op.detail,
    status: op.status ?? null,
    text: opText(t, op),
  };
}

/** The alignment as a JSON-ready object. */
export function alignToJson(r: AlignResult, o: JsonOptions = {}) {
  const fields = o.fields ?? "differ";
  return {
    version: JSON_SCHEMA_VERSION,
    type: "traces" as const,
    a: { path: r.a.path, ops: r.opsA.length },
    b: { path: r.b.path, ops: r.opsB.length },
    summary: { ...r.summary },
    firstDivergence: r.firstDivergence >= 0 ? r.firstDivergence : null,
    rules: r.rules.serialize(),
    connections: r.connPairs.map(([a, b]) => ({ a, b })),
    rows: r.rows.map((row, i) => {
      const out: {
        index: number;
        kind: typeof row.kind;
        a: JsonOp | null;
        b: JsonOp | null;
        fields?: {
          count: number;
          error?: string;
          parts: { role: string; aFrame: number | null; bFrame: number | null; nodes: JsonDiffNode[] }[];
        };
      } = {
        index: i,
        kind: row.kind,
        a: row.a ? opJson(r.a, row.a) : null,
        b: row.b ? opJson(r.b, row.b) : null,
      };
      if (fields === "all" ? row.a && row.b : fields === "differ" && row.kind === "differ") {
        const d = r.fieldDiff(i);
        out.fields = {
          count: d.count,
          ...(d.error ? { error: d.error } : {}),
          parts: d.parts.map((p) => ({
            role: p.role,
            aFrame: p.aFrame ?? null,
            bFrame: p.bFrame ?? null,
            nodes: nodesJson(p.nodes, o.sameNodes),
          })),
        };
      }
      return out;
    }),
    errors: [...r.errors],
  };
}

export function packetToJson(d: PacketDiff, o: JsonOptions = {}) {
  return {
    version: JSON_SCHEMA_VERSION,
    type: "packets" as const,
    a: { frame: d.aFrame },
    b: { frame: d.bFrame },
    count: d.count,
    rules: d.rules.serialize(),
    error: d.error ?? null,
    nodes: nodesJson(d.nodes, o.sameNodes),
  };
}

export function renderJson(r: AlignResult | PacketDiff, o: JsonOptions = {}): string {
  const obj = "rows" in r ? alignToJson(r, o) : packetToJson(r, o);
  return JSON.stringify(obj, null, o.space ?? 2) + "\n";
}
