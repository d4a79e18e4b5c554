/**
 * Identity mapping: ids chosen at random per run (FileId, SessionId, TreeId, AsyncId, lease keys,
 * create/client GUIDs) are paired between trace A and trace B in order of first appearance within
 * aligned operations. A mapped pair compares equal; an id bound to another id than the one seen on
 * the other side (the handle of X used where B used the handle of Y) is a real difference, displayed
 * with what each id stands for (`<handle of foo.txt>`).
 */
import type { FieldValue } from "../dissect/tree.js";

export type IdKind =
  | "fid"
  | "session"
  | "tree"
  | "async"
  | "lease"
  | "create-guid"
  | "client-guid"
  | "app-guid";

/** Field name → identity kind. */
export const IDENTITY_FIELDS: Readonly<Record<string, IdKind>> = {
  "smb2.fid": "fid",
  "smb.fid": "fid",
  "smb2.sesid": "session",
  "smb2.previous_sesid": "session",
  "smb.uid": "session",
  "smb2.tid": "tree",
  "smb.tid": "tree",
  "smb2.aid": "async",
  "smb2.async_id": "async",
  "smb2.lease.lease_key": "lease",
  "smb2.lease.parent_lease_key": "lease",
  "smb2.dh2x.create_guid": "create-guid",
  "smb2.client_guid": "client-guid",
  "smb2.app_instance.app_guid": "app-guid",
};

export function identityKind(name: string): IdKind | undefined {
  return IDENTITY_FIELDS[name];
}

const GUID_RE = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
const NUMERIC: ReadonlySet<IdKind> = new Set(["session", "tree", "async"]);
const HEX_RE = /^[0-9a-f]+$/;

function swapBytes(h: string): string {
  let s = "";
  for (let i = h.length - 2; i >= 0; i -= 2) s += h.slice(i, i + 2);
  return s;
}

/**
 * One spelling per id whatever its source: tree values (`0x...` hex, numbers, MS-DTYP GUID text)
 * and MessageInfo fields (hex without 0x, raw FileId bytes in hex) meet on the same key.
 */
export function canonicalId(kind: IdKind, v: FieldValue): string {
  if (typeof v === "number") return Math.trunc(v).toString(16);
  const s = String(v).trim().toLowerCase();
  if (NUMERIC.has(kind)) {
    // Hex with or without 0x (tree `show`, MessageInfo), decimal only for tree ids (MessageInfo.tid
    // is a number; a decimal string comes from a dec-based tree field).
    const hex = s.startsWith("0x") ? s.slice(2) : kind !== "tree" && HEX_RE.test(s) ? s : undefined;
    if (hex !== undefined && HEX_RE.test(hex)) return hex.replace(/^0+(?=.)/, "");
    if (/^\d+$/.test(s)) return BigInt(s).toString(16);
    return s;
  }
  if (HEX_RE.test(s)) return s;
  const g = GUID_RE.exec(s);
  // MS-DTYP GUID text shows the first three groups little-endian; go back to wire byte order.
  if (g) return swapBytes(g[1]!) + swapBytes(g[2]!) + swapBytes(g[3]!) + g[4]! + g[5]!;
  return s.replace(/^0x/, "").replace(/[^0-9a-f]/g, "");
}

/** Values with a protocol meaning (0, all ones: "none", "the previous handle of a compound"). */
function isSpecial(c: string): boolean {
  return /^0*$/.test(c) || /^f+$/.test(c);
}

export type Side = "a" | "b";

interface Entry {
  /** Ordinal of first appearance (1-based) per side and kind. */
  ordinal: number;
  /** The canonical id this one is bound to on the other side. */
  partner?: string;
  name?: string;
}

type SideState = Map<string, Entry>;

const NOUN: Record<IdKind, string> = {
  fid: "handle",
  session: "session",
  tree: "tree",
  async: "async op",
  lease: "lease",
  "create-guid": "create guid",
  "client-guid": "client guid",
  "app-guid": "app instance",
};

export type Comparison = "equal" | "mapped" | "mismatch";

export class IdentityMap {
  private state: Record<Side, Map<IdKind, SideState>> = { a: new Map(), b: new Map() };
  /** Raw value → canonical id per kind: ids repeat in every message, canonicalize once. */
  private canon = new Map<IdKind, Map<FieldValue, string>>();
  /** The last pair bound per kind: a session or handle is bound again on every message. */
  private last = new Map<IdKind, [FieldValue, FieldValue, Comparison]>();

  private key(kind: IdKind, v: FieldValue): string {
    let m = this.canon.get(kind);
    if (!m) {
      m = new Map();
      this.canon.set(kind, m);
    }
    let c = m.get(v);
    if (c === undefined) {
      c = canonicalId(kind, v);
      if (m.size > 1_000_000) m.clear();
      m.set(v, c);
    }
    return c;
  }

  private side(s: Side, kind: IdKind): SideState {
    let st = this.state[s].get(kind);
    if (!st) {
      st = new Map();
      this.state[s].set(kind, st);
    }
    return st;
  }

  private entry(st: SideState, c: string): Entry {
    let e = st.get(c);
    if (!e) {
      e = { ordinal: st.size + 1 };
      st.set(c, e);
    }
    return e;
  }

  /** Notes that `side` used id `v` (for `#n` ordinals in displays) without binding it. */
  see(s: Side, kind: IdKind, v: FieldValue): void {
    this.entry(this.side(s, kind), this.key(kind, v));
  }

  /** Gives an id a human name (file name of a handle, share of a tree); the first name stays. */
  name(s: Side, kind: IdKind, v: FieldValue, name: string): void {
    if (!name) return;
    const e = this.entry(this.side(s, kind), this.key(kind, v));
    e.name ??= name;
  }

  /**
   * Pairs `a`'s id with `b`'s when neither is bound yet (first appearance wins); returns whether
   * they are (now) paired with each other.
   */
  bind(kind: IdKind, a: FieldValue, b: FieldValue): boolean {
    return this.compare(kind, a, b, true) !== "mismatch";
  }

  /** How two ids relate; with `bindNew`, unbound ids get bound to each other. */
  compare(kind: IdKind, a: FieldValue, b: FieldValue, bindNew = true): Comparison {
    const last = this.last.get(kind);
    // Bindings never change once made, so the same pair always compares the same.
    if (last && last[0] === a && last[1] === b) return last[2];
    const r = this.compareNew(kind, a, b, bindNew);
    if (bindNew) this.last.set(kind, [a, b, r]);
    return r;
  }

  private compareNew(kind: IdKind, a: FieldValue, b: FieldValue, bindNew: boolean): Comparison {
    const ca = this.key(kind, a);
    const cb = this.key(kind, b);
    const ea = this.entry(this.side("a", kind), ca);
    const eb = this.entry(this.side("b", kind), cb);
    if (isSpecial(ca) || isSpecial(cb)) return ca === cb ? "equal" : "mismatch";
    if (ea.partner === undefined && eb.partner === undefined) {
      if (!bindNew) return ca === cb ? "equal" : "mismatch";
      ea.partner = cb;
      eb.partner = ca;
      return ca === cb ? "equal" : "mapped";
    }
    if (ea.partner === cb) return ca === cb ? "equal" : "mapped";
    return "mismatch";
  }

  /** The id `side`'s id `v` is paired with on the other side, if any. */
  partner(s: Side, kind: IdKind, v: FieldValue): string | undefined {
    return this.side(s, kind).get(this.key(kind, v))?.partner;
  }

  /** `<handle of foo.txt>`, `<session #1>`: what an id stands for, for displays. */
  describe(s: Side, kind: IdKind, v: FieldValue): string {
    const e = this.side(s, kind).get(this.key(kind, v));
    if (e?.name) return `<${NOUN[kind]} of ${e.name}>`;
    return e ? `<${NOUN[kind]} #${e.ordinal}>` : `<${NOUN[kind]} ${String(v)}>`;
  }

  /** Number of bound ids of side A per kind (for summaries and tests). */
  size(kind: IdKind): number {
    let n = 0;
    for (const e of this.side("a", kind).values()) if (e.partner !== undefined) n++;
    return n;
  }
}
