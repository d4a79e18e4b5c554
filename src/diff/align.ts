/**
 * Trace alignment: the operations of A and B aligned as sequences, then paired field by field.
 *
 * 1. Connections are matched by what they do (similarity of their multisets of op signatures).
 * 2. Per connection pair, op signatures *without status* are aligned with Myers (linear space), so
 *    the same request failing in B is one 'differ' row, not a delete plus an insert. Inside the gaps
 *    left by that pass, ops with the same command are paired as 'differ' (a create of another name,
 *    another info class) when `pairSimilar` is on.
 * 3. Rows of all connection pairs are merged by time relative to each trace's start.
 * 4. Ids (session, tree, async, FileId) are bound in the identity map walking the rows in order.
 * Field differences of a row are computed on demand (`fieldDiff`) and cached per rule version.
 */
import { DECODED_PROTOS } from "../dcerpc/stubs.js";
import { type FieldNode, renderText } from "../dissect/tree.js";
import { frameOf, protosOf } from "../trace/store.js";
import type { Trace } from "../trace/types.js";
import { Lru } from "../util/lru.js";
import { IdentityMap, type IdKind, identityKind, type Side } from "./identity.js";
import type { IgnoreRules } from "./ignore.js";
import { Interner, myersMatches } from "./myers.js";
import { buildOps, type MsgRef, messageAt, type Op, SigInterner, sameStatus } from "./ops.js";
import { profileRules } from "./profiles.js";
import {
  countDiffs,
  type DiffNode,
  diffText,
  diffTrees,
  type TreeDiffOptions,
  treesEqual,
} from "./tree-diff.js";

export type OpRef = Op;
export type RowKind = "same" | "differ" | "only-a" | "only-b";

export interface AlignRow {
  a?: OpRef;
  b?: OpRef;
  kind: RowKind;
}

export interface Summary {
  ops: number;
  same: number;
  differ: number;
  onlyA: number;
  onlyB: number;
}

export interface FieldDiffPart {
  role: "request" | "interim" | "response";
  /** Frame numbers of the two messages (undefined on a side without it). */
  aFrame?: number;
  bFrame?: number;
  nodes: DiffNode[];
}

export interface OpDiff {
  parts: FieldDiffPart[];
  /** Real differences over all parts. */
  count: number;
  /** Set when a tree could not be built (the row still shows, without fields). */
  error?: string;
}

export interface DiffOptions {
  /** Ignore rules (default: the `default` profile, or `profile`). */
  rules?: IgnoreRules;
  profile?: string;
  /** User profiles from the config file. */
  profiles?: Readonly<Record<string, readonly string[]>>;
  /** Compare per-run ids through an identity map (default true). */
  identity?: boolean;
  /** Compute every pair's field diff now and count rows with field differences as 'differ'. */
  deep?: boolean;
  /** Pair same-command ops inside alignment gaps as 'differ' (default true). */
  pairSimilar?: boolean;
  /** Myers cost bound before its heuristic kicks in. */
  maxCost?: number;
  /**
   * Deep mode: rows whose messages compare equal are recognized without building their diff
   * (`treesEqual`); the result is the same (default true; false is for tests and measurements).
   */
  fastPath?: boolean;
  /**
   * Filled with CPU milliseconds per phase (ops, connections, align, merge; identity when the ids
   * get bound, on first use of `idmap` or a field diff), for benchmarks.
   */
  timings?: Record<string, number>;
}

export interface AlignResult {
  a: Trace;
  b: Trace;
  opsA: Op[];
  opsB: Op[];
  rows: AlignRow[];
  /** Index in `rows` of the first row that is not 'same', or -1. */
  firstDivergence: number;
  summary: Summary;
  rules: IgnoreRules;
  idmap?: IdentityMap;
  /** Connection pairs (A conn → B conn) chosen; unmatched connections are absent. */
  connPairs: [number, number][];
  /** Problems met (trees that failed to build...); non-empty means "trouble" for exit codes. */
  errors: string[];
  /** The field differences of row `i` (cached; recomputed after the rules change). */
  fieldDiff(i: number): OpDiff;
  /**
   * Deep mode: rows the alignment found "same" whose fields differ under the current rules become
   * "differ"; summary and first divergence follow. After a rules change it decides those rows
   * again; otherwise it returns at once.
   */
  deepen(): void;
  /** The same in steps of about `budgetMs`: true once every row is decided for the current rules. */
  deepenStep(budgetMs: number): boolean;
  /** Every row is decided for the current rules (deepen has nothing left to do). */
  readonly deepDone: boolean;
}

/**
 * Above this many SMB packets per side, comparing every pair's fields is opt-in (`--deep`) for the
 * CLI and off for the web UI: it costs about 45 µs of CPU per pair of packets (trees rebuilt from
 * the file), 2-3x the alignment alone (two 100k-packet captures: 1.9 s shallow, 6.3 s deep; two
 * of 50k: about 3 s deep).
 */
export const DEEP_LIMIT = 50_000;

function rulesOf(opts: DiffOptions): IgnoreRules {
  return opts.rules ?? profileRules(opts.profile ?? "default", opts.profiles);
}

/** Aligns two op sequences; returns rows referencing them. */
export function alignOps(
  opsA: readonly Op[],
  opsB: readonly Op[],
  opts: {
    pairSimilar?: boolean;
    maxCost?: number;
    interner?: SigInterner;
    /** Precomputed signature ids by `op.index` for each side. */
    ids?: [ArrayLike<number>, ArrayLike<number>];
  } = {},
): AlignRow[] {
  const it = opts.interner ?? new SigInterner();
  const ka = new Int32Array(opsA.length);
  const kb = new Int32Array(opsB.length);
  const ids = opts.ids;
  for (let i = 0; i < opsA.length; i++) ka[i] = ids ? ids[0][opsA[i]!.index]! : it.id(opsA[i]!);
  for (let i = 0; i < opsB.length; i++) kb[i] = ids ? ids[1][opsB[i]!.index]! : it.id(opsB[i]!);
  const m = slideMatches(myersMatches(ka, kb, { maxCost: opts.maxCost }), opsA, opsB, [ka, kb]);
  const rows: AlignRow[] = [];
  const pairSimilar = opts.pairSimilar !== false;
  let i = 0;
  let j = 0;
  const gap = (iEnd: number, jEnd: number) => {
    if (i < iEnd && j < jEnd && pairSimilar) {
      const ci = new Interner();
      const ga: number[] = [];
      const gb: number[] = [];
      for (let x = i; x < iEnd; x++) ga.push(ci.id(`${opsA[x]!.proto}:${opsA[x]!.cmd}:${opsA[x]!.kind}`));
      for (let y = j; y < jEnd; y++) gb.push(ci.id(`${opsB[y]!.proto}:${opsB[y]!.cmd}:${opsB[y]!.kind}`));
      const gm = myersMatches(ga, gb, { maxCost: opts.maxCost });
      const i0 = i;
      const j0 = j;
      for (let k = 0; k < gm.length; k += 2) {
        const mi = i0 + gm[k]!;
        const mj = j0 + gm[k + 1]!;
        while (i < mi) rows.push({ a: opsA[i++]!, kind: "only-a" });
        while (j < mj) rows.push({ b: opsB[j++]!, kind: "only-b" });
        rows.push({ a: opsA[i++]!, b: opsB[j++]!, kind: "differ" });
      }
    }
    while (i < iEnd) rows.push({ a: opsA[i++]!, kind: "only-a" });
    while (j < jEnd) rows.push({ b: opsB[j++]!, kind: "only-b" });
  };
  for (let k = 0; k < m.length; k += 2) {
    gap(m[k]!, m[k + 1]!);
    const a = opsA[i++]!;
    const b = opsB[j++]!;
    // Matched by signature id: equal full signatures ⇔ same status class.
    rows.push({ a, b, kind: sameStatus(a, b) ? "same" : "differ" });
  }
  gap(opsA.length, opsB.length);
  return rows;
}

/** Field diffs kept per alignment result. */
const CACHE_MAX = 4096;

/** How far a one-sided block may slide each way when looking for a better place. */
const SLIDE = 64;

/**
 * Which op of a run of equal signatures is the inserted/deleted one is arbitrary for the LCS; pick
 * the position where most pairs also agree on status (so a failing create deleted next to a
 * succeeding one is reported as the failing one). Works on pure insertion or deletion blocks
 * between diagonal runs of matches; ties keep Myers' choice.
 */
export function slideMatches(
  m: number[],
  opsA: readonly Op[],
  opsB: readonly Op[],
  /** Signature ids by position in opsA / opsB (else the `sig` strings are compared). */
  keys?: [ArrayLike<number>, ArrayLike<number>],
): number[] {
  const n = m.length / 2;
  if (n === 0) return m;
  const mi = (k: number) => m[2 * k]!;
  const mj = (k: number) => m[2 * k + 1]!;
  // Gap between match k-1 and match k (k in 1..n-1; edges have no diagonal on one side).
  for (let k = 1; k < n; k++) {
    const da = mi(k) - mi(k - 1) - 1;
    const db = mj(k) - mj(k - 1) - 1;
    if ((da === 0) === (db === 0)) continue; // no gap, or a gap on both sides
    const delA = da > 0;
    const len = delA ? da : db;
    // Diagonal run above (ending at k-1) and below (starting at k).
    let up = 0;
    while (
      up < SLIDE &&
      k - 1 - up - 1 >= 0 &&
      mi(k - 1 - up) - mi(k - 2 - up) === 1 &&
      mj(k - 1 - up) - mj(k - 2 - up) === 1
    )
      up++;
    up++; // match k-1 itself
    let down = 1; // match k itself
    while (
      down < SLIDE &&
      k + down < n &&
      mi(k + down) - mi(k + down - 1) === 1 &&
      mj(k + down) - mj(k + down - 1) === 1
    )
      down++;
    // The long side (with the block) and the short side segments.
    const longOps = delA ? opsA : opsB;
    const shortOps = delA ? opsB : opsA;
    const longKeys = keys ? (delA ? keys[0] : keys[1]) : undefined;
    const shortKeys = keys ? (delA ? keys[1] : keys[0]) : undefined;
    const longStart = delA ? mi(k - up) : mj(k - up);
    const shortStart = delA ? mj(k - up) : mi(k - up);
    const pairsN = up + down;
    let best = up; // block after `up` pairs = Myers' position
    let bestScore = -1;
    for (let t = 0; t <= pairsN; t++) {
      let score = 0;
      let ok = true;
      for (let p = 0; p < pairsN && ok; p++) {
        const li = longStart + (p < t ? p : p + len);
        const si = shortStart + p;
        const lo = longOps[li]!;
        const so = shortOps[si]!;
        if (longKeys && shortKeys ? longKeys[li] !== shortKeys[si] : lo.sig !== so.sig) ok = false;
        else if (sameStatus(lo, so)) score++;
      }
      if (ok && (score > bestScore || (score === bestScore && t === up))) {
        best = t;
        bestScore = score;
      }
    }
    if (best === up) continue;
    for (let p = 0; p < pairsN; p++) {
      const li = longStart + (p < best ? p : p + len);
      const si = shortStart + p;
      const slot = k - up + p;
      m[2 * slot] = delA ? li : si;
      m[2 * slot + 1] = delA ? si : li;
    }
  }
  return m;
}

function byConn(ops: readonly Op[]): Map<number, Op[]> {
  const m = new Map<number, Op[]>();
  for (const op of ops) {
    let l = m.get(op.conn);
    if (!l) {
      l = [];
      m.set(op.conn, l);
    }
    l.push(op);
  }
  return m;
}

/**
 * Pairs connections of A and B by similarity of their op-signature multisets (greedy, best first);
 * connections left over are paired in order of first appearance.
 */
export function matchConnections(
  ca: Map<number, Op[]>,
  cb: Map<number, Op[]>,
  ids?: [ArrayLike<number>, ArrayLike<number>],
): [number, number][] {
  const ka = [...ca.keys()];
  const kb = [...cb.keys()];
  if (ka.length === 1 && kb.length === 1) return [[ka[0]!, kb[0]!]];
  const pairs: [number, number][] = [];
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  if (ka.length * kb.length <= 250_000) {
    const ms = (ops: Op[], side: 0 | 1) => {
      const m = new Map<string | number, number>();
      for (const o of ops) {
        const k = ids ? ids[side][o.index]! : o.sig;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return m;
    };
    const ma = ka.map((k) => ms(ca.get(k)!, 0));
    const mb = kb.map((k) => ms(cb.get(k)!, 1));
    const cand: { s: number; x: number; y: number }[] = [];
    for (let x = 0; x < ka.length; x++) {
      for (let y = 0; y < kb.length; y++) {
        let common = 0;
        const [small, big] = ma[x]!.size < mb[y]!.size ? [ma[x]!, mb[y]!] : [mb[y]!, ma[x]!];
        for (const [s, n] of small) common += Math.min(n, big.get(s) ?? 0);
        const s = common / Math.max(ca.get(ka[x]!)!.length, cb.get(kb[y]!)!.length);
        if (s > 0) cand.push({ s, x, y });
      }
    }
    // Ties keep the order of first appearance (stable sort over x, then y).
    cand.sort((p, q) => q.s - p.s);
    for (const c of cand) {
      if (usedA.has(c.x) || usedB.has(c.y)) continue;
      usedA.add(c.x);
      usedB.add(c.y);
      pairs.push([ka[c.x]!, kb[c.y]!]);
    }
  }
  const restA = ka.filter((_, x) => !usedA.has(x));
  const restB = kb.filter((_, y) => !usedB.has(y));
  for (let k = 0; k < Math.min(restA.length, restB.length); k++) pairs.push([restA[k]!, restB[k]!]);
  return pairs;
}

/** Merges per-connection row lists by time relative to each trace's first operation. */
function mergeByTime(lists: AlignRow[][], t0a: number, t0b: number): AlignRow[] {
  if (lists.length === 1) return lists[0]!;
  const key = (r: AlignRow) => (r.a ? r.a.time - t0a : r.b!.time - t0b);
  const total = lists.reduce((n, l) => n + l.length, 0);
  const out: AlignRow[] = new Array(total);
  const pos = new Int32Array(lists.length);
  // Each list keeps its own order whatever the clocks say: its head key never goes backwards.
  const floor = new Float64Array(lists.length).fill(Number.NEGATIVE_INFINITY);
  if (lists.length <= 32) {
    for (let o = 0; o < total; o++) {
      let best = -1;
      let bestKey = 0;
      for (let l = 0; l < lists.length; l++) {
        const row = lists[l]![pos[l]!];
        if (!row) continue;
        const k = Math.max(key(row), floor[l]!);
        if (best < 0 || k < bestKey) {
          best = l;
          bestKey = k;
        }
      }
      floor[best] = bestKey;
      out[o] = lists[best]![pos[best]!++]!;
    }
    return out;
  }
  // Many connections: sort once on clamped keys (stable on list, then position).
  const keyed: { k: number; l: number; p: number; r: AlignRow }[] = [];
  lists.forEach((rows, l) => {
    let prev = Number.NEGATIVE_INFINITY;
    rows.forEach((r, p) => {
      prev = Math.max(prev, key(r));
      keyed.push({ k: prev, l, p, r });
    });
  });
  keyed.sort((x, y) => x.k - y.k || x.l - y.l || x.p - y.p);
  return keyed.map((x) => x.r);
}

function markIgnored(nodes: DiffNode[]): void {
  for (const n of nodes) {
    if (n.kind !== "same") n.ignored = true;
    n.diffs = 0;
    if (n.children) markIgnored(n.children);
  }
}

function summarize(rows: readonly AlignRow[]): Summary {
  const s: Summary = { ops: rows.length, same: 0, differ: 0, onlyA: 0, onlyB: 0 };
  for (const r of rows) {
    if (r.kind === "same") s.same++;
    else if (r.kind === "differ") s.differ++;
    else if (r.kind === "only-a") s.onlyA++;
    else s.onlyB++;
  }
  return s;
}

function opMessages(op: Op): MsgRef[] {
  const l: MsgRef[] = [];
  if (op.req) l.push(op.req);
  l.push(...op.interim);
  if (op.resp) l.push(op.resp);
  return l;
}

/** Rows a deep comparison asks the traces for at once (Trace.prefetchSkeletons). */
export const PREFETCH_ROWS = 32;

/**
 * Tells `t` that the skeletons of these ops' messages come next (one round trip for a worker's
 * trace); the returned function waits for them.
 */
function prefetchOps(t: Trace, ops: readonly (Op | undefined)[]): () => void {
  if (!t.prefetchSkeletons) return () => {};
  const nos: number[] = [];
  for (const op of ops) if (op) for (const r of opMessages(op)) nos.push(frameOf(t.packets, r.pkt)!);
  return nos.length ? t.prefetchSkeletons(nos) : () => {};
}

/**
 * Asks for the skeletons of these paired rows' messages; the returned function waits for them.
 * Both captures are asked before waiting for either, so that their load workers build at once.
 */
function requestRows(a: Trace, b: Trace, rows: readonly { a?: Op; b?: Op }[]): () => void {
  const wa = prefetchOps(
    a,
    rows.map((r) => r.a),
  );
  const wb = prefetchOps(
    b,
    rows.map((r) => r.b),
  );
  return () => {
    wa();
    wb();
  };
}

/**
 * A deep comparison's prefetching, one batch of PREFETCH_ROWS rows ahead: the next batch is asked
 * for before waiting for this one, so the load workers build it while this thread compares
 * (a worker no longer idles while the other thread's trees are built).
 */
export class RowPrefetcher {
  private ahead?: { from: number; wait: () => void };
  constructor(
    private readonly a: Trace,
    private readonly b: Trace,
    /** The rows of the batch from row `from` on that need trees (the others are left out). */
    private readonly batch: (from: number) => readonly { a?: Op; b?: Op }[],
    private readonly rowCount: () => number,
  ) {}

  /** Before comparing row `from`, a multiple of PREFETCH_ROWS: waits for its batch's skeletons. */
  at(from: number): void {
    const ahead = this.ahead;
    this.ahead = undefined;
    let wait: () => void;
    if (ahead?.from === from) wait = ahead.wait;
    else {
      // Started over (new rules): the batch asked for ahead is not the one wanted now.
      ahead?.wait();
      wait = requestRows(this.a, this.b, this.batch(from));
    }
    const next = from + PREFETCH_ROWS;
    if (next < this.rowCount())
      this.ahead = { from: next, wait: requestRows(this.a, this.b, this.batch(next)) };
    wait();
  }
}

/**
 * Whether every message pair of two paired ops has equal trees under `opts` (names and values:
 * skeletons do), the deep comparison's fast path that builds no diff; false when unsure (a message
 * on one side only, a tree that cannot be built: the full diff says what).
 */
export function opsTreesEqual(
  a: Trace,
  oa: Op | undefined,
  b: Trace,
  ob: Op | undefined,
  opts: TreeDiffOptions,
): boolean {
  if (!oa || !ob || oa.interim.length !== ob.interim.length) return false;
  if (!oa.req !== !ob.req || !oa.resp !== !ob.resp) return false;
  try {
    for (const [x, y] of messagePairs(oa, ob))
      if (x && y && !treesEqual(messageTree(a, x, true), messageTree(b, y, true), opts)) return false;
  } catch {
    return false;
  }
  return true;
}

/** Binds session/tree/async/file ids of two paired messages of aligned row `row`. */
function bindMessages(idmap: IdentityMap, ta: Trace, ra: MsgRef, tb: Trace, rb: MsgRef, row: number): void {
  const ma = messageAt(ta, ra);
  const mb = messageAt(tb, rb);
  if (ma.sesId && mb.sesId) idmap.bind("session", ma.sesId, mb.sesId, row);
  if (ma.proto === mb.proto && !(ma.asyncId || mb.asyncId)) idmap.bind("tree", ma.tid, mb.tid, row);
  if (ma.asyncId && mb.asyncId) idmap.bind("async", ma.asyncId, mb.asyncId, row);
  if (ma.fileId && mb.fileId) idmap.bind("fid", ma.fileId, mb.fileId, row);
}

/** What a successful command closes, by protocol and command: SMB2 CLOSE, TREE_DISCONNECT, LOGOFF; SMB1 the same. */
function closes(proto: number, cmd: number): "fid" | "tree" | "session" | undefined {
  if (proto === 2) return cmd === 6 ? "fid" : cmd === 4 ? "tree" : cmd === 2 ? "session" : undefined;
  if (proto === 1) return cmd === 0x04 ? "fid" : cmd === 0x71 ? "tree" : cmd === 0x74 ? "session" : undefined;
  return undefined;
}

/**
 * Row `row` pairs two operations that closed a handle, tree or session on both sides: the ids'
 * binding ends there, so values the servers hand out again afterwards are bound anew.
 */
function releaseClosed(idmap: IdentityMap, ta: Trace, oa: Op, tb: Trace, ob: Op, row: number): void {
  const kind = closes(oa.proto, oa.cmd);
  if (!kind || ob.proto !== oa.proto || ob.cmd !== oa.cmd || oa.status !== 0 || ob.status !== 0) return;
  const ra = oa.req ?? oa.resp;
  const rb = ob.req ?? ob.resp;
  if (!ra || !rb) return;
  const ma = messageAt(ta, ra);
  const mb = messageAt(tb, rb);
  if (kind === "fid") {
    if (ma.fileId && mb.fileId) idmap.release(kind, ma.fileId, mb.fileId, row);
  } else if (kind === "tree") idmap.release(kind, ma.tid, mb.tid, row);
  else if (ma.sesId && mb.sesId) idmap.release(kind, ma.sesId, mb.sesId, row);
}

function nameIds(idmap: IdentityMap, side: Side, t: Trace, op: Op): void {
  // Handles are named after the path the dissector attached to the op's messages (a create's
  // response carries the new handle; other ops name the handle they use).
  const r = op.resp ?? op.req;
  if (!r) return;
  const m = messageAt(t, r);
  if (m.fileId && m.path) idmap.name(side, "fid", m.fileId, m.path);
  // An async op is named after its path from the interim response that announced its AsyncId.
  const ai = op.interim[0] ? messageAt(t, op.interim[0]).asyncId : m.asyncId;
  if (ai && op.path) idmap.name(side, "async", ai, op.path);
}

function pairRefs(a: readonly MsgRef[], b: readonly MsgRef[]): [MsgRef | undefined, MsgRef | undefined][] {
  const out: [MsgRef | undefined, MsgRef | undefined][] = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) out.push([a[k], b[k]]);
  return out;
}

/** Two paired ops' messages side by side: requests, interim responses in order, final responses. */
function messagePairs(oa: Op, ob: Op): [MsgRef | undefined, MsgRef | undefined][] {
  return [[oa.req, ob.req], ...pairRefs(oa.interim, ob.interim), [oa.resp, ob.resp]];
}

/**
 * The subtree of one message: Trace.tree gives the whole packet (every message of a compound), with
 * one top-level `smb2` (SMB1: `smb`) node per message, in order. A decrypted SMB3 transform holds
 * its inner messages under `smbcmp.smb2.encrypted_data`; each of them is returned as its own `smb2`
 * node with the transform header as first child, so an encrypted message compares field by field
 * with a plain one (the transform header is the difference) instead of as a different tree.
 */
export function messageTree(t: Trace, r: MsgRef, skeleton = false): FieldNode[] {
  const protos = protosOf(t.packets, r.pkt);
  const no = frameOf(t.packets, r.pkt)!;
  const tree = skeleton && t.skeleton ? t.skeleton(no) : t.tree(no);
  const proto = protos[r.msg]!;
  const top = proto === 2 ? "smb2" : "smb";
  let nth = 0;
  for (let k = 0; k < r.msg; k++) if (protos[k] === proto) nth++;
  // Each message node with the trees of the protocols it carries (DCE/RPC...), which follow it.
  const groups: FieldNode[][] = [];
  const collect = (list: readonly FieldNode[], wrap?: (n: FieldNode) => FieldNode) => {
    for (let i = 0; i < list.length; i++) {
      const n = list[i]!;
      if (n.name !== top) continue;
      const tr = proto === 2 ? n.children?.find((c) => c.name === "smbcmp.smb2.transform") : undefined;
      const inner = tr
        ? (n.children?.find((c) => c.name === "smbcmp.smb2.encrypted_data")?.children ?? [])
        : [];
      if (tr && inner.some((c) => c.name === "smb2"))
        collect(inner, (m) => ({ ...m, children: [tr, ...(m.children ?? [])] }));
      else {
        let end = i + 1;
        while (end < list.length && CARRIED.has(list[end]!.name)) end++;
        groups.push([wrap ? wrap(n) : n, ...list.slice(i + 1, end)]);
      }
    }
  };
  collect(tree);
  // SMB1 AndX chains are several messages in one `smb` node.
  const mine = groups[nth] ?? (groups.length === 1 ? groups[0] : undefined);
  if (mine) return mine;
  // The dissector disagrees with the message list: compare what there is rather than nothing.
  return tree;
}

/** Protocols a message carries, shown as trees of their own after its smb/smb2 node. */
const CARRIED: ReadonlySet<string> = new Set(["smb_pipe", "dcerpc", ...DECODED_PROTOS]);

/** Ids that only the detail trees carry (MessageInfo has FileId, session, tree and async ids). */
const TREE_ONLY: ReadonlySet<IdKind> = new Set(["lease", "create-guid", "client-guid", "app-guid"]);
/** Commands whose messages carry them: NEGOTIATE (client GUID), CREATE (lease keys, create and app
 * instance GUIDs), OPLOCK_BREAK (lease break notification and acknowledgment). */
const TREE_ID_CMDS: ReadonlySet<number> = new Set([0, 5, 18]);

/** Tree-only ids of a message tree, per kind, in document order. */
function treeIds(
  nodes: readonly FieldNode[],
  out = new Map<IdKind, FieldNode[]>(),
): Map<IdKind, FieldNode[]> {
  for (const n of nodes) {
    const k = identityKind(n.name);
    if (k && TREE_ONLY.has(k)) {
      let l = out.get(k);
      if (!l) {
        l = [];
        out.set(k, l);
      }
      l.push(n);
    } else if (n.children) treeIds(n.children, out);
  }
  return out;
}

/**
 * Lease keys and create/client/app GUIDs are only in the trees: they are bound lazily, but still
 * in row order, whatever order rows are diffed in. The function returned binds, before row `upTo`
 * is diffed, those of the paired NEGOTIATE/CREATE/OPLOCK_BREAK rows up to it that it has not bound
 * yet: the k-th id of a kind in A's message with the k-th in B's. The CLI and web UI (diffTraces)
 * and the TUI (its Alignment) each keep one.
 */
export function treeIdBinder(
  a: Trace,
  b: Trace,
  row: (i: number) => { a?: Op; b?: Op } | undefined,
  count: number,
): (idm: IdentityMap, upTo: number) => void {
  // Id binding reads names and values only: skeletons where they are cheaper.
  const bones = (t: Trace, r: MsgRef): FieldNode[] => messageTree(t, r, true);
  let next = 0;
  return (idm, upTo) => {
    for (; next <= upTo && next < count; next++) {
      const r = row(next);
      if (!r?.a || !r.b || !TREE_ID_CMDS.has(r.a.cmd) || r.a.proto !== 2 || r.b.proto !== 2) continue;
      for (const [x, y] of messagePairs(r.a, r.b)) {
        if (!x || !y) continue;
        try {
          const ia = treeIds(bones(a, x));
          const ib = treeIds(bones(b, y));
          for (const [kind, la] of ia) {
            const lb = ib.get(kind) ?? [];
            for (let k = 0; k < la.length && k < lb.length; k++)
              idm.bind(kind, la[k]!.value, lb[k]!.value, next);
          }
          // A CREATE's lease key and GUIDs stand for the file it opens: `<lease of foo.txt>`.
          if (r.a.cmd === 5) {
            const own = (n: FieldNode) => n.name !== "smb2.lease.parent_lease_key";
            for (const l of ia.values())
              for (const n of l.filter(own)) idm.name("a", identityKind(n.name)!, n.value, r.a.path);
            for (const l of ib.values())
              for (const n of l.filter(own)) idm.name("b", identityKind(n.name)!, n.value, r.b.path);
          }
        } catch {
          // A tree that cannot be built binds nothing; its row reports the error when diffed.
        }
      }
    }
  };
}

export function diffTraces(a: Trace, b: Trace, opts: DiffOptions = {}): AlignResult {
  const rules = rulesOf(opts);
  const tm = opts.timings;
  let t0 = tm ? process.cpuUsage() : undefined;
  const lap = (name: string) => {
    if (!tm || !t0) return;
    const u = process.cpuUsage(t0);
    tm[name] = (tm[name] ?? 0) + (u.user + u.system) / 1000;
    t0 = process.cpuUsage();
  };
  const opsA = buildOps(a);
  const opsB = buildOps(b);
  lap("ops");
  const ca = byConn(opsA);
  const cb = byConn(opsB);
  const it = new SigInterner();
  // Signatures as small integers, once: connection matching and Myers both compare them.
  const ids: [Int32Array, Int32Array] = [
    Int32Array.from(opsA, (o) => it.id(o)),
    Int32Array.from(opsB, (o) => it.id(o)),
  ];
  const connPairs = ca.size && cb.size ? matchConnections(ca, cb, ids) : [];
  lap("connections");
  const lists: AlignRow[][] = [];
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  for (const [x, y] of connPairs) {
    usedA.add(x);
    usedB.add(y);
    lists.push(
      alignOps(ca.get(x)!, cb.get(y)!, {
        pairSimilar: opts.pairSimilar,
        maxCost: opts.maxCost,
        ids,
      }),
    );
  }
  for (const [k, ops] of ca)
    if (!usedA.has(k)) lists.push(ops.map((o) => ({ a: o, kind: "only-a" as const })));
  for (const [k, ops] of cb)
    if (!usedB.has(k)) lists.push(ops.map((o) => ({ b: o, kind: "only-b" as const })));
  lap("align");
  const rows = lists.length ? mergeByTime(lists, opsA[0]?.time ?? 0, opsB[0]?.time ?? 0) : [];
  lap("merge");

  // Ids are bound on first need (field diffs, `result.idmap`), all rows at once in row order, so
  // the map is the same as if bound here; a shallow diff nobody inspects never pays for it.
  let idmap: IdentityMap | undefined;
  let bound = opts.identity === false;
  const bindIds = (): IdentityMap | undefined => {
    if (bound) return idmap;
    bound = true;
    const c0 = tm ? process.cpuUsage() : undefined;
    idmap = new IdentityMap();
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      if (r.a) nameIds(idmap, "a", a, r.a);
      if (r.b) nameIds(idmap, "b", b, r.b);
      if (r.a && r.b) {
        const pa = r.a;
        const pb = r.b;
        if (pa.req && pb.req) bindMessages(idmap, a, pa.req, b, pb.req, i);
        for (let k = 0; k < pa.interim.length && k < pb.interim.length; k++)
          bindMessages(idmap, a, pa.interim[k]!, b, pb.interim[k]!, i);
        if (pa.resp && pb.resp) bindMessages(idmap, a, pa.resp, b, pb.resp, i);
        releaseClosed(idmap, a, pa, b, pb, i);
      }
    }
    if (tm && c0) {
      const u = process.cpuUsage(c0);
      tm.identity = (tm.identity ?? 0) + (u.user + u.system) / 1000;
    }
    return idmap;
  };

  const cache = new Lru<number, { version: number; d: OpDiff }>(CACHE_MAX);
  const prefetch = new RowPrefetcher(
    a,
    b,
    (from) => rows.slice(from, from + PREFETCH_ROWS).filter((r) => r.kind === "same"),
    () => rows.length,
  );
  // deepenStep: the rules version rows were decided for, the next row to decide, and the rows it
  // made "differ" (the alignment said "same").
  let deepVersion = -1;
  let deepNext = 0;
  const deepDiffer = new Set<number>();
  const errors: string[] = [];
  const tree = (t: Trace, r: MsgRef | undefined): FieldNode[] => (r ? messageTree(t, r) : []);
  const bindTreeIds = treeIdBinder(a, b, (i) => rows[i], rows.length);
  const frame = (t: Trace, r: MsgRef | undefined) => (r ? frameOf(t.packets, r.pkt) : undefined);

  /** Row i's messages all compare equal (see treesEqual); false means "run the full diff". */
  const quickSame = (i: number): boolean => {
    const row = rows[i]!;
    const idm = bindIds();
    if (idm) bindTreeIds(idm, i);
    return opsTreesEqual(a, row.a, b, row.b, { rules, idmap: idm, row: i });
  };

  const result: AlignResult = {
    a,
    b,
    opsA,
    opsB,
    rows,
    firstDivergence: rows.findIndex((r) => r.kind !== "same"),
    summary: summarize(rows),
    rules,
    get idmap() {
      return bindIds();
    },
    connPairs,
    errors,
    fieldDiff(i: number): OpDiff {
      const hit = cache.get(i);
      if (hit && hit.version === rules.version) return hit.d;
      const row = rows[i];
      const d: OpDiff = { parts: [], count: 0 };
      if (!row) return d;
      const idmap = bindIds();
      if (idmap) bindTreeIds(idmap, i);
      try {
        const oa = row.a;
        const ob = row.b;
        const part = (role: FieldDiffPart["role"], x: MsgRef | undefined, y: MsgRef | undefined) => {
          if (!x && !y) return;
          const nodes = diffTrees(tree(a, x), tree(b, y), { rules, idmap, row: i });
          // Whether a server sends an interim response first depends on timing: one missing on
          // one side is shown, as noise.
          if (role === "interim" && (!x || !y)) markIgnored(nodes);
          d.parts.push({ role, aFrame: frame(a, x), bFrame: frame(b, y), nodes });
          d.count += countDiffs(nodes);
        };
        part("request", oa?.req, ob?.req);
        for (const [x, y] of pairRefs(oa?.interim ?? [], ob?.interim ?? [])) part("interim", x, y);
        part("response", oa?.resp, ob?.resp);
      } catch (e) {
        d.error = e instanceof Error ? e.message : String(e);
        errors.push(`row ${i}: ${d.error}`);
      }
      // Bounded: a UI scrolling through 100k rows must not keep every tree diff alive.
      cache.set(i, { version: rules.version, d });
      return d;
    },
    deepen(): void {
      result.deepenStep(Number.POSITIVE_INFINITY);
    },
    get deepDone() {
      return deepVersion === rules.version && deepNext >= rows.length;
    },
    deepenStep(budgetMs: number): boolean {
      let changed = false;
      if (deepVersion !== rules.version) {
        // New rules: rows only the fields made "differ" are undecided again.
        for (const i of deepDiffer) rows[i]!.kind = "same";
        changed = deepDiffer.size > 0;
        deepDiffer.clear();
        deepNext = 0;
        deepVersion = rules.version;
      }
      const t0 = performance.now();
      while (deepNext < rows.length) {
        if (deepNext % PREFETCH_ROWS === 0) prefetch.at(deepNext);
        const i = deepNext++;
        const r = rows[i]!;
        if (r.kind === "same" && !(opts.fastPath !== false && !cache.has(i) && quickSame(i))) {
          if (result.fieldDiff(i).count > 0) {
            r.kind = "differ";
            deepDiffer.add(i);
            changed = true;
          }
          // Equal pairs are cheap to recompute and most numerous: keep memory for the differences.
          else cache.delete(i);
        }
        if ((deepNext & 15) === 0 && performance.now() - t0 >= budgetMs) break;
      }
      if (changed) {
        result.summary = summarize(rows);
        result.firstDivergence = rows.findIndex((r) => r.kind !== "same");
      }
      return deepNext >= rows.length;
    },
  };
  if (opts.deep) result.deepen();
  return result;
}

export interface PacketDiff {
  aFrame: number;
  bFrame: number;
  nodes: DiffNode[];
  count: number;
  rules: IgnoreRules;
  idmap?: IdentityMap;
  error?: string;
}

/** One packet against one packet (the original smbcmp's `A.pcap:12 B.pcap:14`). */
export function diffPackets(
  a: Trace,
  noA: number,
  b: Trace,
  noB: number,
  opts: DiffOptions & { allLayers?: boolean } = {},
): PacketDiff {
  const rules = rulesOf(opts);
  const idmap = opts.identity === false ? undefined : new IdentityMap();
  const res: PacketDiff = { aFrame: noA, bFrame: noB, nodes: [], count: 0, rules, idmap };
  if (a.indexOf(noA) < 0) res.error = `${a.path}: no SMB packet ${noA}`;
  else if (b.indexOf(noB) < 0) res.error = `${b.path}: no SMB packet ${noB}`;
  if (res.error) return res;
  try {
    res.nodes = diffTrees(
      a.tree(noA, { allLayers: opts.allLayers }),
      b.tree(noB, { allLayers: opts.allLayers }),
      {
        rules,
        idmap,
      },
    );
    res.count = countDiffs(res.nodes);
  } catch (e) {
    res.error = e instanceof Error ? e.message : String(e);
  }
  return res;
}

/** Frame numbers of an op's messages (request, interim, response, later pieces of the response). */
export function opFrames(t: Trace, op: Op): number[] {
  return [...opMessages(op), ...(op.more ?? [])].map((r) => frameOf(t.packets, r.pkt)!);
}

/**
 * Text mode (the original smbcmp's `-m text`): unified diff of the two packets' indented renderings,
 * no ignore rules. Empty string when the renderings are equal.
 */
export function diffPacketsText(
  a: Trace,
  noA: number,
  b: Trace,
  noB: number,
  opts: { context?: number; allLayers?: boolean } = {},
): string {
  const ta = renderText(a.tree(noA, { allLayers: opts.allLayers }));
  const tb = renderText(b.tree(noB, { allLayers: opts.allLayers }));
  return diffText(ta, tb, { context: opts.context, aName: `${a.path}:${noA}`, bName: `${b.path}:${noB}` });
}
