/**
 * Display filters: a documented subset of Wireshark's syntax (docs/filters.md) evaluated on our
 * field trees, with a fast path for fields every PacketInfo/MessageInfo already carries so that
 * `list -Y 'smb2.cmd == 5'` never builds a tree.
 */

import type { FieldNode } from "../dissect/tree.js";
import { typoHint } from "../dissect/vocabulary.js";
import type { MessageInfo, PacketInfo, Trace } from "../trace/types.js";

export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly pos: number,
    readonly text: string,
  ) {
    super(`bad filter at column ${pos + 1}: ${reason}: ${text.slice(0, pos)}▶${text.slice(pos)}`);
  }
}

export type CmpOp = "==" | "!=" | "<" | ">" | "<=" | ">=" | "contains" | "matches";

type Lit = { kind: "num"; n: bigint; text: string } | { kind: "str"; s: string };

export type Expr =
  | { t: "and" | "or"; l: Expr; r: Expr }
  | { t: "not"; e: Expr }
  | { t: "has"; field: string }
  | { t: "cmp"; field: string; op: CmpOp; lit: Lit; re?: RegExp };

interface Tok {
  k: "id" | "num" | "str" | "op" | "(" | ")" | "end";
  v: string;
  pos: number;
}

const WORD_OPS: Record<string, string> = {
  and: "&&",
  or: "||",
  not: "!",
  eq: "==",
  ne: "!=",
  lt: "<",
  gt: ">",
  le: "<=",
  ge: ">=",
  contains: "contains",
  matches: "matches",
};

function lex(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "(" || c === ")") {
      toks.push({ k: c, v: c, pos: i++ });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
      toks.push({ k: "op", v: two, pos: i });
      i += 2;
      continue;
    }
    if (c === "<" || c === ">" || c === "!" || c === "~") {
      toks.push({ k: "op", v: c === "~" ? "matches" : c, pos: i++ });
      continue;
    }
    if (c === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterSyntaxError("unterminated string", start, text);
        const d = text[i]!;
        if (d === '"') break;
        if (d === "\\" && i + 1 < text.length) {
          const e = text[++i]!;
          s += e === "n" ? "\n" : e === "t" ? "\t" : e;
        } else s += d;
        i++;
      }
      i++;
      toks.push({ k: "str", v: s, pos: start });
      continue;
    }
    const m = /^[A-Za-z0-9_.:-]+/.exec(text.slice(i));
    if (!m) throw new FilterSyntaxError(`unexpected character '${c}'`, i, text);
    const w = m[0];
    i += w.length;
    const lower = w.toLowerCase();
    if (WORD_OPS[lower]) toks.push({ k: "op", v: WORD_OPS[lower]!, pos: start });
    else if (/^(0x[0-9a-f]+|\d+)$/i.test(w)) toks.push({ k: "num", v: w, pos: start });
    else toks.push({ k: "id", v: w, pos: start });
  }
  toks.push({ k: "end", v: "", pos: text.length });
  return toks;
}

const CMP = new Set(["==", "!=", "<", ">", "<=", ">=", "contains", "matches"]);

/** Parses a filter expression; throws FilterSyntaxError with the column of the problem. */
export function parseFilter(text: string): Expr {
  const toks = lex(text);
  let p = 0;
  const peek = () => toks[p]!;
  const fail = (why: string, t = peek()): never => {
    throw new FilterSyntaxError(why, t.pos, text);
  };
  const orE = (): Expr => {
    let l = andE();
    while (peek().k === "op" && peek().v === "||") {
      p++;
      l = { t: "or", l, r: andE() };
    }
    return l;
  };
  const andE = (): Expr => {
    let l = notE();
    while (peek().k === "op" && peek().v === "&&") {
      p++;
      l = { t: "and", l, r: notE() };
    }
    return l;
  };
  const notE = (): Expr => {
    if (peek().k === "op" && peek().v === "!") {
      p++;
      return { t: "not", e: notE() };
    }
    return prim();
  };
  const prim = (): Expr => {
    const t = peek();
    if (t.k === "(") {
      p++;
      const e = orE();
      if (peek().k !== ")") fail("expected ')'");
      p++;
      return e;
    }
    if (t.k !== "id") fail(t.k === "end" ? "expected a field name" : `expected a field name, got '${t.v}'`);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(t.v)) fail(`bad field name '${t.v}'`);
    p++;
    const o = peek();
    if (o.k !== "op" || !CMP.has(o.v)) return { t: "has", field: t.v };
    p++;
    const v = peek();
    let lit: Lit;
    if (v.k === "num") lit = { kind: "num", n: BigInt(v.v), text: v.v };
    else if (v.k === "str") lit = { kind: "str", s: v.v };
    else if (v.k === "id") {
      const lw = v.v.toLowerCase();
      // Booleans and bare words (Wireshark accepts unquoted values for some fields).
      lit =
        lw === "true"
          ? { kind: "num", n: 1n, text: "1" }
          : lw === "false"
            ? { kind: "num", n: 0n, text: "0" }
            : { kind: "str", s: v.v };
    } else return fail(v.k === "end" ? "expected a value" : `expected a value, got '${v.v}'`);
    p++;
    const op = o.v as CmpOp;
    if ((op === "contains" || op === "matches") && lit.kind === "num") lit = { kind: "str", s: v.v };
    if (op !== "==" && op !== "!=" && op !== "contains" && op !== "matches" && lit.kind === "str")
      fail(`'${op}' needs a number`, v);
    let re: RegExp | undefined;
    if (op === "matches") {
      try {
        re = new RegExp((lit as { s: string }).s, "i");
      } catch (e) {
        fail(`bad regular expression: ${(e as Error).message}`, v);
      }
    }
    return { t: "cmp", field: t.v, op, lit, re };
  };
  const e = orE();
  if (peek().k !== "end") fail(`unexpected '${peek().v}'`);
  return e;
}

/** Candidate values of one field occurrence: its number (when numeric) and its display text. */
interface Val {
  n?: bigint;
  s: string;
}

function numOf(s: string): bigint | undefined {
  if (/^-?\d+$/.test(s)) return BigInt(s);
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
  return undefined;
}

function cmpVal(v: Val, e: Extract<Expr, { t: "cmp" }>): boolean {
  const lit = e.lit;
  switch (e.op) {
    case "contains":
      return v.s.toLowerCase().includes((lit as { s: string }).s.toLowerCase());
    case "matches":
      return e.re!.test(v.s);
  }
  if (lit.kind === "num") {
    const n = v.n ?? numOf(v.s);
    if (n === undefined) return e.op === "!=";
    switch (e.op) {
      case "==":
        return n === lit.n;
      case "!=":
        return n !== lit.n;
      case "<":
        return n < lit.n;
      case ">":
        return n > lit.n;
      case "<=":
        return n <= lit.n;
      case ">=":
        return n >= lit.n;
    }
  }
  const eq = v.s === lit.s || v.s.toLowerCase() === lit.s.toLowerCase();
  return e.op === "==" ? eq : !eq;
}

/** Fields answered from PacketInfo/MessageInfo: each returns one value per message, or undefined for none. */
type Fast = (p: PacketInfo, m: MessageInfo) => Val | undefined;
const num = (n: number | bigint): Val => ({ n: BigInt(n), s: String(n) });
const smb2 =
  (f: (m: MessageInfo) => Val | undefined): Fast =>
  (_p, m) =>
    m.proto === 2 ? f(m) : undefined;
const smb1 =
  (f: (m: MessageInfo) => Val | undefined): Fast =>
  (_p, m) =>
    m.proto === 1 ? f(m) : undefined;

export const FAST_FIELDS: Record<string, Fast> = {
  "frame.number": (p) => num(p.no),
  smb2: smb2(() => ({ s: "" })),
  smb: smb1(() => ({ s: "" })),
  "smb2.cmd": smb2((m) => num(m.cmd)),
  "smb2.nt_status": smb2((m) => ({
    n: BigInt(m.status >>> 0),
    s: `0x${(m.status >>> 0).toString(16).padStart(8, "0")}`,
  })),
  "smb2.flags.response": smb2((m) => num(m.isResponse ? 1 : 0)),
  "smb2.sesid": smb2((m) => ({ n: BigInt(`0x${m.sesId}`), s: `0x${m.sesId}` })),
  "smb2.tid": smb2((m) => ({
    n: BigInt(m.tid >>> 0),
    s: `0x${(m.tid >>> 0).toString(16).padStart(8, "0")}`,
  })),
  "smb2.msg_id": smb2((m) => ({ n: BigInt(m.msgId), s: m.msgId })),
  "smb2.filename": smb2((m) => (m.path ? { s: m.path } : undefined)),
  "smb.cmd": smb1((m) => num(m.cmd)),
  "smb.nt_status": smb1((m) => ({
    n: BigInt(m.status >>> 0),
    s: `0x${(m.status >>> 0).toString(16).padStart(8, "0")}`,
  })),
  "smb.mid": smb1((m) => ({ n: BigInt(m.msgId), s: m.msgId })),
  "smb.tid": smb1((m) => num(m.tid)),
  "smb.uid": smb1((m) => ({ n: BigInt(`0x${m.sesId}`), s: String(BigInt(`0x${m.sesId}`)) })),
};

export function fieldsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.t === "and" || e.t === "or") {
    fieldsOf(e.l, out);
    fieldsOf(e.r, out);
  } else if (e.t === "not") fieldsOf(e.e, out);
  else if (e.t === "has" || e.t === "cmp") out.add(e.field);
  return out;
}

export interface Filter {
  readonly text: string;
  readonly expr: Expr;
  /** True when some field needs the packet's detail tree (slow path). */
  readonly needsTree: boolean;
  /** Whether packet `index` of `t` passes. */
  matches(t: Trace, index: number): boolean;
  /**
   * Whether packet `p` passes, from its summary fields alone: only for filters that do not need
   * the tree (a tree field then matches nothing). What a streamed listing, which keeps no trace, uses.
   */
  matchesPacket(p: PacketInfo): boolean;
  /**
   * The tree fields the filter names that no packet tree it looked at so far had (none before it
   * looked at one): a misspelt name matches nothing, silently, unless someone says so.
   */
  unseen(): string[];
}

function nodesByName(tree: readonly FieldNode[]): Map<string, FieldNode[]> {
  const m = new Map<string, FieldNode[]>();
  const rec = (ns: readonly FieldNode[]) => {
    for (const n of ns) {
      let l = m.get(n.name);
      if (!l) {
        l = [];
        m.set(n.name, l);
      }
      l.push(n);
      if (n.children) rec(n.children);
    }
  };
  rec(tree);
  return m;
}

function nodeVal(n: FieldNode): Val {
  const v = n.value;
  if (typeof v === "number" && Number.isInteger(v)) return { n: BigInt(v), s: n.show };
  if (typeof v === "boolean") return { n: v ? 1n : 0n, s: n.show };
  return { n: numOf(n.show), s: n.show };
}

/**
 * Evaluates `expr` on packet `p`; `tree` gives its detail tree when a field needs it, and `onTree`
 * is shown the fields of each tree built.
 */
function evaluate(
  expr: Expr,
  p: PacketInfo,
  tree: () => readonly FieldNode[],
  onTree?: (byName: Map<string, FieldNode[]>) => void,
): boolean {
  let byName: Map<string, FieldNode[]> | undefined;
  const values = (field: string): Val[] => {
    const fast = FAST_FIELDS[field];
    if (fast) {
      const out: Val[] = [];
      for (const m of p.messages) {
        const v = fast(p, m);
        if (v) out.push(v);
      }
      if (field === "frame.number") return out.slice(0, 1);
      return out;
    }
    if (!byName) {
      try {
        byName = nodesByName(tree());
      } catch {
        byName = new Map();
      }
      onTree?.(byName);
    }
    return (byName.get(field) ?? []).map(nodeVal);
  };
  const ev = (e: Expr): boolean => {
    switch (e.t) {
      case "and":
        return ev(e.l) && ev(e.r);
      case "or":
        return ev(e.l) || ev(e.r);
      case "not":
        return !ev(e.e);
      case "has":
        return values(e.field).length > 0;
      case "cmp": {
        const vs = values(e.field);
        // Any-match, like Wireshark: `a != x` is true when some occurrence differs.
        return vs.some((v) => cmpVal(v, e));
      }
    }
  };
  return ev(expr);
}

const NO_TREE = (): readonly FieldNode[] => [];

/** Compiles a filter; throws FilterSyntaxError. */
export function compileFilter(text: string): Filter {
  const expr = parseFilter(text);
  const treeFields = [...fieldsOf(expr)].filter((f) => !FAST_FIELDS[f]);
  const needsTree = treeFields.length > 0;
  const seen = new Set<string>();
  let looked = false;
  const onTree = (byName: Map<string, FieldNode[]>) => {
    looked = true;
    if (seen.size < treeFields.length) for (const f of treeFields) if (byName.has(f)) seen.add(f);
  };
  const matches = (t: Trace, index: number): boolean => {
    const p = t.packets.at(index)!;
    return evaluate(expr, p, () => t.tree(p.no), onTree);
  };
  const matchesPacket = (p: PacketInfo): boolean => evaluate(expr, p, NO_TREE);
  const unseen = () => (looked ? treeFields.filter((f) => !seen.has(f)) : []);
  return { text, expr, needsTree, matches, matchesPacket, unseen };
}

/** `; no packet has X, Y (did you mean Z?)` for a filter status when fields of `f` were in no tree it looked at, else "". */
export function unseenNote(f: Filter): string {
  const u = f.unseen();
  return u.length ? `; no packet has ${u.map((n) => n + typoHint(n)).join(", ")}` : "";
}

/** A view of `t` with only the packets passing `f` (frame numbers and trees unchanged). */
export function filterTrace<T extends Trace>(t: T, f: Filter): T {
  const packets: PacketInfo[] = [];
  for (let i = 0; i < t.packets.length; i++) if (f.matches(t, i)) packets.push(t.packets.at(i)!);
  const index = new Map(packets.map((p, i) => [p.no, i]));
  const view = Object.create(t) as T;
  Object.defineProperty(view, "packets", { value: packets });
  Object.defineProperty(view, "indexOf", { value: (no: number) => index.get(no) ?? -1 });
  // The trace's own methods index its full packet list: call them on the trace, not the view.
  Object.defineProperty(view, "tree", { value: t.tree.bind(t) });
  if (t.pduBytes) Object.defineProperty(view, "pduBytes", { value: t.pduBytes.bind(t) });
  Object.defineProperty(view, "close", { value: t.close.bind(t) });
  return view;
}
