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
  | "app-guid"
  | "server-key"
  | "domain";

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
  // SMB1 SessionKey: chosen by the server per connection (MS-CIFS 2.2.4.52.2), echoed by the client.
  "smb.session_key": "server-key",
};

/** The same as a Map: asked for every node of every tree compared, mostly names it lacks. */
const KIND_OF: ReadonlyMap<string, IdKind> = new Map(Object.entries(IDENTITY_FIELDS));

export function identityKind(name: string): IdKind | undefined {
  return KIND_OF.get(name);
}

const GUID_RE = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;
const NUMERIC: ReadonlySet<IdKind> = new Set(["session", "tree", "async", "server-key"]);
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
  // A number of the fid kind is an SMB1 FID, which MessageInfo spells in 4 hex digits.
  if (typeof v === "number") {
    const h = Math.trunc(v).toString(16);
    return kind === "fid" ? h.padStart(4, "0") : h;
  }
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

/**
 * The ids one side used, per kind, in order of first appearance (index + 1 = ordinal). Parallel
 * arrays instead of an object per id: a 100k-handle trace would otherwise allocate 100k entries
 * per side that all survive to the old generation.
 */
interface SideState {
  readonly index: Map<string, number>;
  /** The canonical id each one is bound to on the other side. */
  readonly partner: (string | undefined)[];
  readonly names: (string | undefined)[];
  /**
   * Bindings ended by a close (see `release`), by index, oldest first: each was in force up to
   * row `to`. A server may give a closed handle's value to the next open; the two runs of a job
   * need not reuse the same way.
   */
  readonly past: Map<number, Ended[]>;
}

/** A binding a close ended: in force up to row `to`, with the name the id had then. */
interface Ended {
  to: number;
  partner: string;
  name: string | undefined;
}

/** The ended binding of slot `i` in force at `row`, if `row` is before the slot's last close. */
function endedAt(st: SideState, i: number, row: number): Ended | undefined {
  const past = st.past.size ? st.past.get(i) : undefined;
  if (past !== undefined && row <= past[past.length - 1]!.to) for (const p of past) if (row <= p.to) return p;
  return undefined;
}

// Plain data (no class instances): the TUI's worker sends an IdentityMap's fields through
// structured clone and rebuilds it on the other side.
function newSide(): SideState {
  return { index: new Map(), partner: [], names: [], past: new Map() };
}

/** The id slot `i` of `st` is bound to at row `row`: an ended binding for rows up to its close. */
function partnerAt(st: SideState, i: number, row: number): string | undefined {
  return endedAt(st, i, row)?.partner ?? st.partner[i];
}

/** Index of `c` in `st`, registering it when new. */
function at(st: SideState, c: string): number {
  let i = st.index.get(c);
  if (i === undefined) {
    i = st.partner.length;
    st.index.set(c, i);
    st.partner.push(undefined);
    st.names.push(undefined);
  }
  return i;
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
  "server-key": "server session key",
  domain: "domain",
};

/** `S-1-5-21-X-Y-Z-RID`, `21-X-Y-Z-RID` (nt.sid.subauth): X-Y-Z and what follows. */
const SID_DOMAIN_RE = /^(?:S-1-5-)?21-(\d+-\d+-\d+)((?:-\d+)*)$/;
const DOMAIN_RE = /^\d+-\d+-\d+$/;

/**
 * The domain part of a SID-valued field: a machine or domain SID (S-1-5-21-X-Y-Z, MS-DTYP 2.4.2.4)
 * is drawn at random when a server is provisioned, so a fresh Samba gets a new one every run. The
 * rest (prefix, RID) is compared as is.
 */
export function sidDomain(name: string, v: FieldValue): { domain: string; rest: string } | undefined {
  if (typeof v !== "string") return undefined;
  if (name === "nt.sid.domain") return DOMAIN_RE.test(v) ? { domain: v, rest: "" } : undefined;
  const m = SID_DOMAIN_RE.exec(v);
  return m ? { domain: m[1]!, rest: v.startsWith("S-") ? `S${m[2]}` : m[2]! } : undefined;
}

export type Comparison = "equal" | "mapped" | "mismatch";

interface KindState {
  a: SideState;
  b: SideState;
  /** Raw value → canonical id: ids repeat in every message, canonicalize once. */
  canon: Map<FieldValue, string>;
  /** The last pair compared with binding: a session or handle is bound again on every message. */
  last?: [FieldValue, FieldValue, Comparison, number];
  /** Some binding of this kind was ended (comparisons then depend on the row). */
  released: boolean;
}

export class IdentityMap {
  private kinds = new Map<IdKind, KindState>();

  private ks(kind: IdKind): KindState {
    let k = this.kinds.get(kind);
    if (!k) {
      k = { a: newSide(), b: newSide(), canon: new Map(), released: false };
      this.kinds.set(kind, k);
    }
    return k;
  }

  private key(kind: IdKind, v: FieldValue, k: KindState = this.ks(kind)): string {
    // Lower-case hex (MessageInfo FileIds, GUID bytes) is already canonical for non-numeric kinds:
    // skip the cache, which would only grow with every new handle.
    if (typeof v === "string" && !NUMERIC.has(kind) && HEX_RE.test(v)) return v;
    const m = k.canon;
    let c = m.get(v);
    if (c === undefined) {
      c = canonicalId(kind, v);
      if (m.size > 1_000_000) m.clear();
      m.set(v, c);
    }
    return c;
  }

  private side(s: Side, kind: IdKind): SideState {
    return this.ks(kind)[s];
  }

  /** Notes that `side` used id `v` (for `#n` ordinals in displays) without binding it. */
  see(s: Side, kind: IdKind, v: FieldValue): void {
    at(this.side(s, kind), this.key(kind, v));
  }

  /** Gives an id a human name (file name of a handle, share of a tree); the first name stays. */
  name(s: Side, kind: IdKind, v: FieldValue, name: string): void {
    if (!name) return;
    const k = this.ks(kind);
    const st = k[s];
    const i = at(st, this.key(kind, v, k));
    st.names[i] ??= name;
  }

  /**
   * Pairs `a`'s id with `b`'s when neither is bound yet (first appearance wins); returns whether
   * they are (now) paired with each other. `row`: the aligned row where they appear.
   */
  bind(kind: IdKind, a: FieldValue, b: FieldValue, row = Number.MAX_SAFE_INTEGER): boolean {
    return this.compare(kind, a, b, true, row) !== "mismatch";
  }

  /**
   * How two ids relate at aligned row `row` (by default, after every row); with `bindNew`, unbound
   * ids get bound to each other.
   */
  compare(
    kind: IdKind,
    a: FieldValue,
    b: FieldValue,
    bindNew = true,
    row = Number.MAX_SAFE_INTEGER,
  ): Comparison {
    const k = this.ks(kind);
    const last = k.last;
    // Bindings never change once made (a close ends one at a known row), so the same pair at the
    // same row always compares the same.
    if (last && last[0] === a && last[1] === b && (!k.released || last[3] === row)) return last[2];
    const r = this.compareNew(kind, k, a, b, bindNew, row);
    if (bindNew) k.last = [a, b, r, row];
    return r;
  }

  private compareNew(
    kind: IdKind,
    k: KindState,
    a: FieldValue,
    b: FieldValue,
    bindNew: boolean,
    row: number,
  ): Comparison {
    const ca = this.key(kind, a, k);
    const cb = this.key(kind, b, k);
    const ia = at(k.a, ca);
    const ib = at(k.b, cb);
    if (isSpecial(ca) || isSpecial(cb)) return ca === cb ? "equal" : "mismatch";
    const pa = partnerAt(k.a, ia, row);
    if (pa === undefined && partnerAt(k.b, ib, row) === undefined) {
      if (!bindNew) return ca === cb ? "equal" : "mismatch";
      k.a.partner[ia] = cb;
      k.b.partner[ib] = ca;
      return ca === cb ? "equal" : "mapped";
    }
    if (pa === cb) return ca === cb ? "equal" : "mapped";
    return "mismatch";
  }

  /**
   * Both sides closed ids `a` and `b` at row `row` (a CLOSE, TREE_DISCONNECT or LOGOFF that
   * succeeded on both): when bound to each other, their binding ends there, so that values the
   * servers hand out again later are bound anew.
   */
  release(kind: IdKind, a: FieldValue, b: FieldValue, row: number): void {
    const k = this.ks(kind);
    const ca = this.key(kind, a, k);
    const cb = this.key(kind, b, k);
    const ia = k.a.index.get(ca);
    const ib = k.b.index.get(cb);
    if (ia === undefined || ib === undefined || k.a.partner[ia] !== cb || k.b.partner[ib] !== ca) return;
    for (const [st, i, p] of [
      [k.a, ia, cb],
      [k.b, ib, ca],
    ] as const) {
      const ended: Ended = { to: row, partner: p, name: st.names[i] };
      const past = st.past.get(i);
      if (past) past.push(ended);
      else st.past.set(i, [ended]);
      st.partner[i] = undefined;
      st.names[i] = undefined;
    }
    k.released = true;
    k.last = undefined;
  }

  /**
   * Two differing SID-valued fields whose domains are per-run ids: `mapped` when the parts other than
   * the domain are equal and the domains are paired (binding them on first sight), `mismatch` when
   * the domains are paired otherwise; undefined when the values are not both domain SIDs or differ
   * elsewhere (the RID): a plain difference.
   */
  compareSid(name: string, a: FieldValue, b: FieldValue): Comparison | undefined {
    const da = sidDomain(name, a);
    const db = sidDomain(name, b);
    if (!da || !db) return undefined;
    const r = this.compare("domain", da.domain, db.domain);
    return da.rest === db.rest ? r : undefined;
  }

  /** The id `side`'s id `v` is paired with on the other side at row `row` (default: the last), if any. */
  partner(s: Side, kind: IdKind, v: FieldValue, row = Number.MAX_SAFE_INTEGER): string | undefined {
    const st = this.side(s, kind);
    const i = st.index.get(this.key(kind, v));
    return i === undefined ? undefined : partnerAt(st, i, row);
  }

  /** `<handle of foo.txt>`, `<session #1>`: what an id stands for at row `row` (default: the last), for displays. */
  describe(s: Side, kind: IdKind, v: FieldValue, row = Number.MAX_SAFE_INTEGER): string {
    const st = this.side(s, kind);
    const i = st.index.get(this.key(kind, v));
    if (i === undefined) return `<${NOUN[kind]} ${String(v)}>`;
    const ended = endedAt(st, i, row);
    // After its last close, an id not opened again keeps the name it had (a stale handle's file).
    const name = ended ? ended.name : (st.names[i] ?? st.past.get(i)?.at(-1)?.name);
    return name ? `<${NOUN[kind]} of ${name}>` : `<${NOUN[kind]} #${i + 1}>`;
  }

  /** Number of ids of side A per kind bound at some row (for summaries and tests). */
  size(kind: IdKind): number {
    const st = this.side("a", kind);
    let n = 0;
    for (let i = 0; i < st.partner.length; i++) if (st.partner[i] !== undefined || st.past.has(i)) n++;
    return n;
  }
}
