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
  const s = String(v).trim().toLowerCase();
  if (NUMERIC.has(kind) || (kind === "fid" && typeof v === "number")) {
    try {
      if (typeof v === "number") return BigInt(Math.trunc(v)).toString(16);
      const h = s.startsWith("0x") ? s : /^[0-9a-f]+$/.test(s) && kind !== "tree" ? `0x${s}` : s;
      return BigInt(h).toString(16);
    } catch {
      return s;
    }
  }
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

interface SideState {
  /** canonical id → bound canonical id on the other side. */
  map: Map<string, string>;
  /** canonical id → ordinal of first appearance (1-based) per kind. */
  ordinal: Map<string, number>;
  names: Map<string, string>;
}

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

  private side(s: Side, kind: IdKind): SideState {
    let st = this.state[s].get(kind);
    if (!st) {
      st = { map: new Map(), ordinal: new Map(), names: new Map() };
      this.state[s].set(kind, st);
    }
    return st;
  }

  /** Notes that `side` used id `v` (for `#n` ordinals in displays) without binding it. */
  see(s: Side, kind: IdKind, v: FieldValue): void {
    const c = canonicalId(kind, v);
    const st = this.side(s, kind);
    if (!st.ordinal.has(c)) st.ordinal.set(c, st.ordinal.size + 1);
  }

  /** Gives an id a human name (file name of a handle, share of a tree). */
  name(s: Side, kind: IdKind, v: FieldValue, name: string): void {
    const c = canonicalId(kind, v);
    const st = this.side(s, kind);
    if (!st.names.has(c) && name) st.names.set(c, name);
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
    const ca = canonicalId(kind, a);
    const cb = canonicalId(kind, b);
    this.see("a", kind, a);
    this.see("b", kind, b);
    const sa = this.side("a", kind);
    const sb = this.side("b", kind);
    if (isSpecial(ca) || isSpecial(cb)) return ca === cb ? "equal" : "mismatch";
    const fa = sa.map.get(ca);
    const fb = sb.map.get(cb);
    if (fa === undefined && fb === undefined) {
      if (!bindNew) return ca === cb ? "equal" : "mismatch";
      sa.map.set(ca, cb);
      sb.map.set(cb, ca);
      return ca === cb ? "equal" : "mapped";
    }
    if (fa === cb) return ca === cb ? "equal" : "mapped";
    return "mismatch";
  }

  /** The id `side`'s id `v` is paired with on the other side, if any. */
  partner(s: Side, kind: IdKind, v: FieldValue): string | undefined {
    return this.side(s, kind).map.get(canonicalId(kind, v));
  }

  /** `<handle of foo.txt>`, `<session #1>`: what an id stands for, for displays. */
  describe(s: Side, kind: IdKind, v: FieldValue): string {
    const c = canonicalId(kind, v);
    const st = this.side(s, kind);
    const nm = st.names.get(c);
    if (nm) return `<${NOUN[kind]} of ${nm}>`;
    const n = st.ordinal.get(c);
    return n ? `<${NOUN[kind]} #${n}>` : `<${NOUN[kind]} ${String(v)}>`;
  }

  /** Number of bound pairs per kind (for summaries and tests). */
  size(kind: IdKind): number {
    return this.side("a", kind).map.size;
  }
}
