/**
 * The web UI's model, UI-free and JSON in / JSON out, so the same code serves the HTTP API (server
 * mode) and runs inside the page (static mode): one or two traces, their alignment, ignore rules.
 */

import {
  type AlignResult,
  DEEP_LIMIT,
  type DiffNode,
  diffPackets,
  diffTraces,
  formatProfile,
  IgnoreRules,
  profileRules,
  renderAlignHtml,
} from "../diff/index.js";
import { buildOps, messageAt, type Op, packetAt } from "../diff/ops.js";
import { FieldFlag, type FieldNode } from "../dissect/tree.js";
import { cmdName as smb1Cmd } from "../smb1/names.js";
import { cmdName as smb2Cmd } from "../smb2/names.js";
import { statusName } from "../smb2/status.js";
import { eachMessageHead, packetRow } from "../trace/store.js";
import { MsgFlag, type PacketInfo, type Trace } from "../trace/types.js";
import { filterAll } from "../worker/filter.js";

export type Side = "a" | "b";

/** One packet list row: [no, time, src, dst, summary, flags] (compact: pages of 1M-packet lists). */
export type PacketRow = [number, number, string, string, string, number];

/** One alignment row: [kind, aFrames, bFrames, aText, bText] (frames: first frame or 0). */
export type AlignRowJson = [string, number, number, string, string];

/** A page of alignment rows, with where the divergences are (first page only). */
export interface RowsJson {
  total: number;
  rows: AlignRowJson[];
  divergences: number[];
  summary: AlignResult["summary"];
  firstDivergence: number;
  /** Fields are still being compared: ask for the first page again for more divergences. */
  comparing: boolean;
}

/** Field comparison spent at once on a new alignment or new rules (small pairs finish in it). */
const DEEP_FIRST_MS = 300;

export interface TraceInfo {
  name: string;
  count: number;
  warnings: string[];
}

export interface InfoJson {
  a?: TraceInfo;
  b?: TraceInfo;
  rules: string[];
  diff?: { rows: number; firstDivergence: number; summary: AlignResult["summary"] };
}

export interface TreeJson {
  no: number;
  nodes: FieldNode[];
  /** The packet's PDUs in hex, one string per PDU; tree offsets are relative to them. */
  pdus: string[];
  /**
   * The plaintexts the packet's transforms produced ("Decrypted SMB3", "Decompressed SMB3"), in
   * hex: byte source `pdus.length + k` of Trace.byteSources. A node with `src` has its offset
   * into `plains[src - pdus.length]`. Absent when the engine has none (tshark). `hex` holds the
   * first PLAIN_HEX_MAX bytes at most (a decompression bomb's 16 MB stay home); `size` is the whole.
   */
  plains?: { label: string; hex: string; size: number }[];
}

export interface PairJson {
  row: number;
  kind: string;
  count: number;
  error?: string;
  parts: { role: string; aFrame?: number; bFrame?: number; nodes: DiffNode[] }[];
}

export interface StatsJson {
  total: number;
  commands: [string, number][];
  errors: [string, number][];
  /** Response time histogram: bucket upper bounds in ms (last is +Inf) and counts. */
  rtt: { bounds: number[]; counts: number[]; median: number; p95: number; max: number };
  /** RPC calls on named pipes by operation (`SRVSVC.NetShareEnumAll`, "… (2 faults)"). */
  rpc: [string, number][];
}

/** Rule toggles and row flags that are bits in PacketRow[5]. */
export const RowFlag = { Error: 1, Encrypted: 2, Malformed: 4, Decrypted: 8 } as const;

function packetFlags(p: PacketInfo): number {
  let f = 0;
  for (const m of p.messages) {
    if (m.isResponse && m.status !== 0 && m.status !== 0x103 && m.status !== 0xc0000016) f |= RowFlag.Error;
    if (m.flags & MsgFlag.Encrypted) f |= RowFlag.Encrypted;
    if (m.flags & MsgFlag.Malformed) f |= RowFlag.Malformed;
    if (m.flags & MsgFlag.Decrypted) f |= RowFlag.Decrypted;
  }
  return f;
}

/** The most plaintext bytes a tree reply carries per source. */
export const PLAIN_HEX_MAX = 1 << 20;

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, "0");
  return s;
}

/**
 * Copies a tree, flagging every node under a decrypted/decompressed one as Decrypted too: their
 * offsets are in the plaintext (`src`), not in the wire bytes. (Copied: the trace's cached trees
 * are shared with the diff engine.)
 */
function markPlain(nodes: readonly FieldNode[], inside: boolean): FieldNode[] {
  return nodes.map((n) => {
    const plain = inside || ((n.flags ?? 0) & FieldFlag.Decrypted) !== 0;
    const c: FieldNode = { ...n };
    if (plain) c.flags = (n.flags ?? 0) | FieldFlag.Decrypted;
    if (n.children) c.children = markPlain(n.children, plain);
    return c;
  });
}

function firstFrame(t: Trace, op: Op | undefined): number {
  const r = op ? (op.req ?? op.resp ?? op.interim[0]) : undefined;
  return r ? packetAt(t, r).no : 0;
}

function opText(t: Trace, op: Op | undefined): string {
  if (!op) return "";
  const first = op.req ?? op.resp;
  let s = first ? messageAt(t, first).summary : "";
  if (!s) s = `cmd ${op.cmd}${op.path ? ` ${op.path}` : ""}`;
  if (op.kind === "break") s += " (break)";
  if (op.kind === "no-response" && op.req) s += " (no response)";
  if (op.status !== undefined && op.status !== 0 && op.req)
    s += ` → ${statusName(op.status) ?? `0x${(op.status >>> 0).toString(16).padStart(8, "0")}`}`;
  return s;
}

export { looksLikeFilter } from "../worker/filter.js";

export class Session {
  private traces: Partial<Record<Side, Trace>> = {};
  private names: Partial<Record<Side, string>> = {};
  private filters: Record<Side, { text: string; idx?: Uint32Array; note?: string }> = {
    a: { text: "" },
    b: { text: "" },
  };
  rules: IgnoreRules = profileRules("default");
  private align?: AlignResult;
  /** The rules version diff() last gave its first deepening step to. */
  private deepFor = -1;

  /** Installs a trace (the caller opened it: from a path on the server, from bytes in the page). */
  set(side: Side, t: Trace, name: string): void {
    this.traces[side]?.close();
    this.traces[side] = t;
    this.names[side] = name;
    this.filters[side] = { text: "" };
    this.align = undefined;
    this.deepFor = -1;
  }

  swap(): void {
    [this.traces.a, this.traces.b] = [this.traces.b, this.traces.a];
    [this.names.a, this.names.b] = [this.names.b, this.names.a];
    [this.filters.a, this.filters.b] = [this.filters.b, this.filters.a];
    this.align = undefined;
    this.deepFor = -1;
  }

  close(): void {
    this.traces.a?.close();
    this.traces.b?.close();
  }

  private trace(side: Side): Trace {
    const t = this.traces[side];
    if (!t) throw new Error(`no capture ${side.toUpperCase()} open`);
    return t;
  }

  /**
   * The alignment. Up to DEEP_LIMIT packets per side (the CLI's default), every pair's fields are
   * compared too under the current rules, so that a pair differing only in a field is a divergence:
   * for DEEP_FIRST_MS when the alignment or the rules are new (small pairs are done by then), then
   * in steps (deepenStep: the compute worker between calls, and each first page of rows, which the
   * page asks for again while `comparing`).
   */
  private diff(): AlignResult | undefined {
    const { a, b } = this.traces;
    if (!a || !b) return undefined;
    this.align ??= diffTraces(a, b, { rules: this.rules });
    if (this.deepFor !== this.rules.version) {
      this.deepFor = this.rules.version;
      this.deepenStep(DEEP_FIRST_MS);
    }
    return this.align;
  }

  /** Whether the pair's fields are still being compared (rows may still turn "differ"). */
  get comparing(): boolean {
    const { a, b } = this.traces;
    if (!this.align || !a || !b || Math.max(a.packets.length, b.packets.length) > DEEP_LIMIT) return false;
    return !this.align.deepDone;
  }

  /** Compares fields for about `budgetMs` more (see diff); false once nothing is left. */
  deepenStep(budgetMs: number): boolean {
    if (!this.comparing) return false;
    return !this.align!.deepenStep(budgetMs);
  }

  /** `withDiff`: also align (slow on big pairs: the server does that in its compute worker). */
  info(withDiff = true): InfoJson {
    const ti = (s: Side): TraceInfo | undefined => {
      const t = this.traces[s];
      return t
        ? { name: this.names[s] ?? t.path, count: t.packets.length, warnings: [...t.warnings] }
        : undefined;
    };
    const d = withDiff ? this.diff() : undefined;
    return {
      a: ti("a"),
      b: ti("b"),
      rules: this.rules.serialize(),
      diff: d ? { rows: d.rows.length, firstDivergence: d.firstDivergence, summary: d.summary } : undefined,
    };
  }

  /** Page of packets, through the side's substring filter (summary, addresses, frame number). */
  /** Whether `packets(side, .., filter)` would first have to run the filter over the whole list. */
  needsFilter(side: Side, filter: string): boolean {
    return filter !== "" && this.filters[side].text !== filter;
  }

  /**
   * The indexes of the packets passing `filter` (a display filter, or else a substring of the
   * summary, addresses or frame number), undefined for no filter. The web server runs this in its
   * compute worker (a filter on tree fields builds every tree) and installs it with setFilter.
   */
  filterIndex(side: Side, filter: string): { idx?: Uint32Array; note?: string } {
    if (!filter) return {};
    return filterAll(this.trace(side), filter);
  }

  setFilter(side: Side, filter: string, idx: Uint32Array | undefined, note?: string): void {
    this.filters[side] = { text: filter, idx, note };
  }

  packets(
    side: Side,
    offset: number,
    limit: number,
    filter = "",
  ): { total: number; rows: PacketRow[]; filterNote?: string } {
    const t = this.trace(side);
    if (this.filters[side].text !== filter) {
      const r = this.filterIndex(side, filter);
      this.setFilter(side, filter, r.idx, r.note);
    }
    const f = this.filters[side];
    const total = f.idx ? f.idx.length : t.packets.length;
    const rows: PacketRow[] = [];
    const end = Math.min(total, offset + Math.min(limit, 2000));
    for (let k = Math.max(0, offset); k < end; k++) {
      const p = t.packets.at(f.idx ? f.idx[k]! : k)!;
      rows.push([p.no, p.time, p.src, p.dst, p.summary, packetFlags(p)]);
    }
    return { total, rows, filterNote: f.idx ? f.note : undefined };
  }

  /** Position of frame `no` in the (filtered) list, or -1. */
  find(side: Side, no: number): number {
    const t = this.trace(side);
    const i = t.indexOf(no);
    if (i < 0) return -1;
    const idx = this.filters[side].idx;
    if (!idx) return i;
    let lo = 0;
    let hi = idx.length - 1;
    while (lo <= hi) {
      const m = (lo + hi) >>> 1;
      if (idx[m] === i) return m;
      if (idx[m]! < i) lo = m + 1;
      else hi = m - 1;
    }
    return -1;
  }

  /** Next frame (after `from`, wrapping) whose summary contains `q`, or -1. */
  search(side: Side, q: string, from: number, back = false): number {
    const t = this.trace(side);
    const n = t.packets.length;
    if (!n || !q) return -1;
    const s = q.toLowerCase();
    const start = Math.max(0, t.indexOf(from));
    for (let k = 1; k <= n; k++) {
      const i = (((back ? start - k : start + k) % n) + n) % n;
      const p = packetRow(t.packets, i)!;
      if (p.summary.toLowerCase().includes(s)) return p.no;
    }
    return -1;
  }

  tree(side: Side, no: number): TreeJson {
    const t = this.trace(side);
    const nodes = markPlain(t.tree(no), false);
    if (!t.byteSources) return { no, nodes, pdus: t.pduBytes ? t.pduBytes(no).map(hex) : [] };
    const sources = t.byteSources(no);
    return {
      no,
      nodes,
      pdus: sources.filter((s) => !s.plain).map((s) => hex(s.bytes)),
      plains: sources
        .filter((s) => s.plain)
        .map((s) => ({
          label: s.label,
          hex: hex(s.bytes.subarray(0, PLAIN_HEX_MAX)),
          size: s.bytes.length,
        })),
    };
  }

  rows(offset: number, limit: number): RowsJson {
    const d = this.diff();
    if (!d) throw new Error("open two captures to compare them");
    if (offset === 0) this.deepenStep(DEEP_FIRST_MS);
    const rows: AlignRowJson[] = [];
    const end = Math.min(d.rows.length, offset + Math.min(limit, 2000));
    for (let i = Math.max(0, offset); i < end; i++) {
      const r = d.rows[i]!;
      rows.push([r.kind, firstFrame(d.a, r.a), firstFrame(d.b, r.b), opText(d.a, r.a), opText(d.b, r.b)]);
    }
    // Divergence positions are only sent with the first page (the minimap and ]/[ need all of them).
    const divergences: number[] = [];
    if (offset === 0)
      for (let i = 0; i < d.rows.length; i++) if (d.rows[i]!.kind !== "same") divergences.push(i);
    return {
      total: d.rows.length,
      rows,
      divergences,
      summary: d.summary,
      firstDivergence: d.firstDivergence,
      comparing: this.comparing,
    };
  }

  /** Next alignment row (after `from`, wrapping) whose A or B text contains `q`, or -1. */
  searchRows(q: string, from: number, back = false): number {
    const d = this.diff();
    if (!d || !q) return -1;
    const s = q.toLowerCase();
    const n = d.rows.length;
    for (let k = 1; k <= n; k++) {
      const i = (((back ? from - k : from + k) % n) + n) % n;
      const r = d.rows[i]!;
      if (opText(d.a, r.a).toLowerCase().includes(s) || opText(d.b, r.b).toLowerCase().includes(s)) return i;
    }
    return -1;
  }

  pair(row: number): PairJson {
    const d = this.diff();
    if (!d) throw new Error("open two captures to compare them");
    const r = d.rows[row];
    if (!r) throw new Error(`no row ${row}`);
    const od = d.fieldDiff(row);
    return { row, kind: r.kind, count: od.count, error: od.error, parts: od.parts };
  }

  /** Any packet against any packet (deep links `#a=12&b=14`). */
  packetPair(noA: number, noB: number): PairJson {
    const pd = diffPackets(this.trace("a"), noA, this.trace("b"), noB, { rules: this.rules });
    return {
      row: -1,
      kind: pd.count ? "differ" : "same",
      count: pd.count,
      error: pd.error,
      parts: [{ role: "packet", aFrame: noA, bFrame: noB, nodes: pd.nodes }],
    };
  }

  /** Toggles ignoring field `name` (or sets the whole list); alignment is recomputed lazily. */
  setRules(rules: string[] | undefined, toggle?: string): string[] {
    if (rules) this.rules = new IgnoreRules(rules);
    if (toggle) this.rules.toggle(toggle);
    return this.rules.serialize();
  }

  profile(name: string): string {
    return formatProfile(name.replace(/[^\w.-]/g, "_") || "web", this.rules.serialize());
  }

  report(): string {
    const d = this.diff();
    if (!d) throw new Error("open two captures to compare them");
    return renderAlignHtml(d, { title: `smbcmp: ${this.names.a} vs ${this.names.b}` });
  }

  stats(side: Side): StatsJson {
    const t = this.trace(side);
    const cmds = new Map<string, number>();
    const errs = new Map<string, number>();
    eachMessageHead(t.packets, (m) => {
      if (!m.isResponse) {
        const n = m.proto === 2 ? smb2Cmd(m.cmd) : `SMB1 ${smb1Cmd(m.cmd)}`;
        cmds.set(n, (cmds.get(n) ?? 0) + 1);
      } else if (m.status !== 0 && m.status !== 0x103) {
        const n = statusName(m.status) ?? `0x${(m.status >>> 0).toString(16).padStart(8, "0")}`;
        errs.set(n, (errs.get(n) ?? 0) + 1);
      }
    });
    const times: number[] = [];
    for (const op of buildOps(t))
      if (op.req && op.resp) times.push((packetAt(t, op.resp).time - packetAt(t, op.req).time) * 1000);
    times.sort((x, y) => x - y);
    const bounds = [0.1, 1, 10, 100, 1000, Number.POSITIVE_INFINITY];
    const counts = bounds.map(() => 0);
    for (const v of times) counts[bounds.findIndex((b) => v <= b)]!++;
    const q = (f: number) =>
      times.length ? times[Math.min(times.length - 1, Math.floor(f * times.length))]! : 0;
    const top = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1]).slice(0, 20);
    const rpc = new Map<string, { calls: number; faults: number }>();
    for (const c of t.rpcCalls?.() ?? []) {
      const r = rpc.get(c.op) ?? { calls: 0, faults: 0 };
      r.calls++;
      if (c.fault !== undefined) r.faults++;
      rpc.set(c.op, r);
    }
    const rpcCounts = new Map(
      [...rpc].map(([op, r]) => [
        r.faults ? `${op} (${r.faults} fault${r.faults > 1 ? "s" : ""})` : op,
        r.calls,
      ]),
    );
    return {
      total: t.packets.length,
      commands: top(cmds),
      errors: top(errs),
      rtt: {
        bounds: bounds.map((b) => (Number.isFinite(b) ? b : -1)),
        counts,
        median: q(0.5),
        p95: q(0.95),
        max: q(1),
      },
      rpc: top(rpcCounts),
    };
  }

  /** The JSON API in one dispatch (server routes and the in-page backend both call this). */
  call(method: string, p: Record<string, unknown>): unknown {
    const side = (p.side === "b" ? "b" : "a") as Side;
    const num = (k: string, d = 0) => {
      const v = Number(p[k] ?? d);
      if (!Number.isFinite(v)) throw new Error(`bad ${k}`);
      return Math.trunc(v);
    };
    switch (method) {
      case "info":
        return this.info(p.diff !== false);
      case "packets":
        return this.packets(side, num("offset"), num("limit", 200), String(p.filter ?? ""));
      case "filterIndex": {
        const r = this.filterIndex(side, String(p.filter ?? ""));
        return { idx: r.idx ? [...r.idx] : null, note: r.note };
      }
      case "find":
        return { index: this.find(side, num("no")) };
      case "search":
        return { no: this.search(side, String(p.q ?? ""), num("from"), !!p.back) };
      case "tree":
        return this.tree(side, num("no"));
      case "rows":
        return this.rows(num("offset"), num("limit", 200));
      case "searchRows":
        return { row: this.searchRows(String(p.q ?? ""), num("from"), !!p.back) };
      case "pair":
        return this.pair(num("row"));
      case "packetPair":
        return this.packetPair(num("a"), num("b"));
      case "rules":
        return {
          rules: this.setRules(
            Array.isArray(p.rules) ? p.rules.map(String) : undefined,
            p.toggle ? String(p.toggle) : undefined,
          ),
        };
      case "profile":
        return { text: this.profile(String(p.name ?? "web")) };
      case "stats":
        return this.stats(side);
      case "swap":
        this.swap();
        return this.info(false);
      case "report":
        return { html: this.report() };
      default:
        throw new Error(`unknown method ${method}`);
    }
  }
}
