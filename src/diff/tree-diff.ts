/**
 * Pair diff: two field trees compared recursively.
 *
 * Children are matched in two passes of an LCS (Myers): first on name + a hash of the whole subtree
 * (noise excluded), so identical subtrees anchor even when others were inserted around them (an extra
 * create context, an extra ACE); then, inside each gap between anchors, on name only, so a subtree
 * whose content changed pairs up as MODIFIED instead of REMOVED + ADDED. Leaves compare `value`s.
 * A difference matched by an ignore rule stays in the output, flagged `ignored`, and is not counted.
 */
import type { FieldNode, FieldValue } from "../dissect/tree.js";
import { type Comparison, type IdentityMap, type IdKind, identityKind } from "./identity.js";
import type { IgnoreRules } from "./ignore.js";
import { Interner, myersMatches } from "./myers.js";

export type DiffKind = "same" | "modified" | "added" | "removed";

export interface LineOp {
  op: " " | "-" | "+";
  text: string;
}

export interface DiffNode {
  kind: DiffKind;
  name: string;
  /** Display line: A's label (B's for an ADDED node). */
  label: string;
  /** B's label when it differs from A's. */
  bLabel?: string;
  /** For a MODIFIED value: A's and B's display values (`show`, or what a mapped id stands for). */
  a?: string;
  b?: string;
  /** Line-by-line diff of multi-line values. */
  lines?: LineOp[];
  /** All differences in this subtree are noise (rendered dim, never counted). */
  ignored: boolean;
  /** Set when the field is a per-run id compared through the identity map. */
  identity?: { kind: IdKind; result: Comparison };
  children?: DiffNode[];
  /** Real (not ignored) differences in this subtree. */
  diffs: number;
}

export interface TreeDiffOptions {
  rules: IgnoreRules;
  idmap?: IdentityMap;
  /** The aligned row the trees belong to: ids are compared as bound there (see IdentityMap.release). */
  row?: number;
}

interface Ctx extends TreeDiffOptions {
  hashes: WeakMap<FieldNode, number>;
  /** Both sides carry DCE/RPC trees: the raw pipe bytes they decode are compared through them. */
  decoded: boolean;
}

/**
 * Raw bytes read from a named pipe, which the DCE/RPC trees beside the message show decoded. As
 * bytes they differ with every per-run value inside (association groups, policy handles).
 */
const PIPE_RAW = "smb2.read.blob";

function context(a: readonly FieldNode[], b: readonly FieldNode[], opts: TreeDiffOptions): Ctx {
  const rpc = (l: readonly FieldNode[]) => l.some((n) => n.name === "dcerpc");
  return { ...opts, hashes: new WeakMap(), decoded: rpc(a) && rpc(b) };
}

export function diffTrees(
  a: readonly FieldNode[],
  b: readonly FieldNode[],
  opts: TreeDiffOptions,
): DiffNode[] {
  return diffList(a, b, context(a, b, opts), false);
}

/** Real differences in a diff forest. */
export function countDiffs(d: readonly DiffNode[]): number {
  let n = 0;
  for (const x of d) n += x.diffs;
  return n;
}

/** Depth-first walk of a diff forest; return false to skip a node's children. */
export function walkDiff(
  nodes: readonly DiffNode[],
  visit: (n: DiffNode, depth: number) => boolean | undefined,
  depth = 0,
): void {
  for (const n of nodes) {
    if (visit(n, depth) === false) continue;
    if (n.children) walkDiff(n.children, visit, depth + 1);
  }
}

function sameValue(x: FieldValue, y: FieldValue): boolean {
  return x === y || String(x) === String(y);
}

function isNoise(name: string, ctx: Ctx): boolean {
  if (ctx.idmap && identityKind(name)) return true;
  if (ctx.decoded && name === PIPE_RAW) return true;
  return ctx.rules.ignores(name, undefined, undefined, false);
}

/** Whether the difference between two values of field `name` is noise. */
function ignoredPair(name: string, x: FieldValue, y: FieldValue, ctx: Ctx): boolean {
  return (ctx.decoded && name === PIPE_RAW) || ctx.rules.ignores(name, x, y, true);
}

/** FNV-1a over name, value (unless noise) and children, memoized per node. */
function hashNode(n: FieldNode, ctx: Ctx): number {
  const cached = ctx.hashes.get(n);
  if (cached !== undefined) return cached;
  let h = 0x811c9dc5;
  const mix = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193);
  };
  mix(n.name);
  if (!isNoise(n.name, ctx)) mix(String(n.value));
  if (n.children) {
    for (const c of n.children) {
      h ^= hashNode(c, ctx);
      h = Math.imul(h, 0x01000193);
    }
  }
  h >>>= 0;
  ctx.hashes.set(n, h);
  return h;
}

function diffList(
  a: readonly FieldNode[],
  b: readonly FieldNode[],
  ctx: Ctx,
  forceIgnore: boolean,
): DiffNode[] {
  const out: DiffNode[] = [];
  if (a.length === 0 && b.length === 0) return out;
  const exact = new Interner();
  const ka = a.map((n) => exact.id(`${n.name}\0${hashNode(n, ctx)}`));
  const kb = b.map((n) => exact.id(`${n.name}\0${hashNode(n, ctx)}`));
  const anchors = myersMatches(ka, kb);
  let i = 0;
  let j = 0;
  const gap = (iEnd: number, jEnd: number) => {
    if (i === iEnd && j === jEnd) return;
    const names = new Interner();
    const ga = a.slice(i, iEnd);
    const gb = b.slice(j, jEnd);
    const m = myersMatches(
      ga.map((n) => names.id(n.name)),
      gb.map((n) => names.id(n.name)),
    );
    let x = 0;
    let y = 0;
    for (let k = 0; k < m.length; k += 2) {
      const mx = m[k]!;
      const my = m[k + 1]!;
      while (x < mx) out.push(oneSide(ga[x++]!, "removed", ctx, forceIgnore));
      while (y < my) out.push(oneSide(gb[y++]!, "added", ctx, forceIgnore));
      out.push(diffPair(ga[x++]!, gb[y++]!, ctx, forceIgnore));
    }
    while (x < ga.length) out.push(oneSide(ga[x++]!, "removed", ctx, forceIgnore));
    while (y < gb.length) out.push(oneSide(gb[y++]!, "added", ctx, forceIgnore));
    i = iEnd;
    j = jEnd;
  };
  for (let k = 0; k < anchors.length; k += 2) {
    gap(anchors[k]!, anchors[k + 1]!);
    out.push(diffPair(a[i++]!, b[j++]!, ctx, forceIgnore));
  }
  gap(a.length, b.length);
  return out;
}

/** An ADDED/REMOVED subtree counts once, at its root; its children are shown for context. */
function oneSide(
  n: FieldNode,
  kind: "added" | "removed",
  ctx: Ctx,
  forceIgnore: boolean,
  root = true,
): DiffNode {
  const ignored = forceIgnore || isNoise(n.name, ctx);
  const d: DiffNode = { kind, name: n.name, label: n.label, ignored, diffs: root && !ignored ? 1 : 0 };
  if (n.children?.length) d.children = n.children.map((c) => oneSide(c, kind, ctx, ignored, false));
  return d;
}

/** The value part of a display line (`Command: Create (5)` → `Create (5)`), else `show`. */
function valueText(n: FieldNode): string {
  const k = n.label.indexOf(": ");
  return k >= 0 ? n.label.slice(k + 2) : n.show;
}

function isMultiline(v: FieldValue): boolean {
  return typeof v === "string" && v.includes("\n");
}

function diffPair(x: FieldNode, y: FieldNode, ctx: Ctx, forceIgnore: boolean): DiffNode {
  const d: DiffNode = { kind: "same", name: x.name, label: x.label, ignored: false, diffs: 0 };
  if (y.label !== x.label) d.bLabel = y.label;
  const idk = ctx.idmap ? identityKind(x.name) : undefined;
  let own = 0;
  let childForce = forceIgnore;
  if (idk && ctx.idmap) {
    const r = ctx.idmap.compare(idk, x.value, y.value, true, ctx.row);
    d.identity = { kind: idk, result: r };
    if (r === "mismatch") {
      d.kind = "modified";
      d.a = `${ctx.idmap.describe("a", idk, x.value, ctx.row)} (${x.show})`;
      d.b = `${ctx.idmap.describe("b", idk, y.value, ctx.row)} (${y.show})`;
      d.ignored = forceIgnore;
      own = forceIgnore ? 0 : 1;
    }
    // The id node decides; its sub-fields (persistent/volatile halves) never count on their own.
    childForce = true;
  } else if (!sameValue(x.value, y.value)) {
    const sid = ctx.idmap?.compareSid(x.name, x.value, y.value);
    if (sid) d.identity = { kind: "domain", result: sid };
  }
  if (!(idk && ctx.idmap) && d.identity?.result !== "mapped" && !sameValue(x.value, y.value)) {
    d.kind = "modified";
    d.a = valueText(x);
    d.b = valueText(y);
    if (isMultiline(x.value) || isMultiline(y.value)) d.lines = diffLines(String(x.value), String(y.value));
    d.ignored = forceIgnore || ignoredPair(x.name, x.value, y.value, ctx);
    own = d.ignored ? 0 : 1;
  }
  if (x.children?.length || y.children?.length) {
    d.children = diffList(x.children ?? [], y.children ?? [], ctx, childForce);
    let cd = 0;
    let changed = false;
    for (const c of d.children) {
      cd += c.diffs;
      if (c.kind !== "same") changed = true;
    }
    if (changed) d.kind = "modified";
    // A parent value is the sum of its children (flags and their bits): when children changed,
    // they carry the difference (and an ignored bit leaves nothing to count).
    d.diffs = changed ? cd : own;
  } else d.diffs = own;
  if (d.kind !== "same") d.ignored = d.diffs === 0;
  return d;
}

/**
 * Fast path for equal pairs: true only when `diffTrees(a, b, opts)` would count no difference,
 * without building the diff. It checks what makes diffTrees pair children one to one in order
 * (same names and child counts everywhere, and equal values for every field its subtree hash does
 * not skip as noise: then every level's hash sequences are equal and Myers matches the whole
 * diagonal) and judges each pair as `diffPair` does, making the same identity-map calls in the same
 * order. Anything else returns false, and the caller runs diffTrees, which repeats those calls with
 * the same results (bindings never change once made).
 */
export function treesEqual(a: readonly FieldNode[], b: readonly FieldNode[], opts: TreeDiffOptions): boolean {
  return sameList(a, b, context(a, b, opts), false);
}

function sameList(a: readonly FieldNode[], b: readonly FieldNode[], ctx: Ctx, force: boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.name !== b[i]!.name) return false;
  for (let i = 0; i < a.length; i++) if (!samePair(a[i]!, b[i]!, ctx, force)) return false;
  return true;
}

function samePair(x: FieldNode, y: FieldNode, ctx: Ctx, force: boolean): boolean {
  const idk = ctx.idmap ? identityKind(x.name) : undefined;
  let childForce = force;
  if (idk && ctx.idmap) {
    if (ctx.idmap.compare(idk, x.value, y.value, true, ctx.row) === "mismatch" && !force) return false;
    childForce = true;
  } else if (!sameValue(x.value, y.value)) {
    // Only noise may differ (its value is not in the hash), and only when ignored for these values.
    if (!isNoise(x.name, ctx)) return false;
    if (!force && !ignoredPair(x.name, x.value, y.value, ctx)) return false;
  }
  if (x.children?.length || y.children?.length)
    return sameList(x.children ?? [], y.children ?? [], ctx, childForce);
  return true;
}

/** Line-level diff of two texts (Myers on interned lines). */
export function diffLines(a: string, b: string): LineOp[] {
  const la = a.split("\n");
  const lb = b.split("\n");
  const it = new Interner();
  const m = myersMatches(
    la.map((s) => it.id(s)),
    lb.map((s) => it.id(s)),
  );
  const out: LineOp[] = [];
  let i = 0;
  let j = 0;
  for (let k = 0; k <= m.length; k += 2) {
    const mi = k < m.length ? m[k]! : la.length;
    const mj = k < m.length ? m[k + 1]! : lb.length;
    while (i < mi) out.push({ op: "-", text: la[i++]! });
    while (j < mj) out.push({ op: "+", text: lb[j++]! });
    if (k < m.length) {
      out.push({ op: " ", text: la[i]! });
      i++;
      j++;
    }
  }
  return out;
}

export interface TextDiffOptions {
  /** Lines of context around changes (default 3). */
  context?: number;
  aName?: string;
  bName?: string;
}

/**
 * Unified diff (`diff -u` format) of two texts, e.g. the indented renderings of two packets (the
 * original smbcmp's `-m text` mode). Empty string when equal.
 */
export function diffText(aText: string, bText: string, opts: TextDiffOptions = {}): string {
  const ctxN = opts.context ?? 3;
  const ops = diffLines(aText, bText);
  if (ops.every((o) => o.op === " ")) return "";
  const out = [`--- ${opts.aName ?? "a"}`, `+++ ${opts.bName ?? "b"}`];
  // Positions (line numbers) of every op on each side.
  const pos: { ai: number; bi: number }[] = [];
  let ai = 0;
  let bi = 0;
  for (const o of ops) {
    pos.push({ ai, bi });
    if (o.op !== "+") ai++;
    if (o.op !== "-") bi++;
  }
  let k = 0;
  while (k < ops.length) {
    while (k < ops.length && ops[k]!.op === " ") k++;
    if (k >= ops.length) break;
    const start = Math.max(0, k - ctxN);
    let end = k;
    // Extend the hunk while the next change is within 2*context equal lines.
    for (;;) {
      while (end < ops.length && ops[end]!.op !== " ") end++;
      let e = end;
      while (e < ops.length && ops[e]!.op === " " && e - end < 2 * ctxN) e++;
      if (e < ops.length && ops[e]!.op !== " ") {
        end = e;
        continue;
      }
      end = Math.min(ops.length, end + ctxN);
      break;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.op !== "+").length;
    const bCount = hunk.filter((o) => o.op !== "-").length;
    const aStart = aCount ? pos[start]!.ai + 1 : pos[start]!.ai;
    const bStart = bCount ? pos[start]!.bi + 1 : pos[start]!.bi;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const o of hunk) out.push(o.op + o.text);
    k = end;
  }
  return out.join("\n") + "\n";
}
