/**
 * An NDR (C706 ch. 14, MS-RPCE 2.2.5) reader for DCE/RPC stub data, building Wireshark's trees:
 * a pointer is a "Pointer to X (type)" text node holding its referent id and, once read, its
 * referent. Little-endian NDR 2.0 only (what SMB clients send); anything else is left undecoded.
 *
 * Deferral: the referents of the pointers met while reading a constructed type come after it, each
 * read whole (its own deferred referents included) before the next, as Samba's pidl writes them
 * (scalars, then buffers) and as C706 14.3.12.3 orders them.
 */
import type { Fields, UintOpts, Vals } from "../dissect/fields.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";

/** Wireshark cuts a display line at 240 bytes, marking the field "[truncated]". */
const LABEL_MAX = 238;

export class Ndr {
  private pending: { into: FieldNode; body: () => void }[] = [];

  /** `base`: where the stub starts in `f.c` (NDR aligns relative to it). */
  constructor(
    readonly f: Fields,
    private readonly base: number,
  ) {}

  align(n: number): void {
    const r = (this.f.c.pos - this.base) % n;
    if (r) this.f.c.skip(n - r);
  }

  u32(name: string, label: string, o?: UintOpts): number {
    this.align(4);
    return this.f.uint(name, label, 4, o);
  }

  /** A constructed type or a top-level parameter: its scalars, then its pointers' referents. */
  construct(scalars: () => void): void {
    const outer = this.pending;
    const mine: { into: FieldNode; body: () => void }[] = [];
    this.pending = mine;
    try {
      scalars();
    } finally {
      this.pending = outer;
    }
    for (const p of mine) {
      const f = this.f;
      const saved = f.nodes;
      f.nodes = p.into.children!;
      try {
        this.construct(p.body);
      } finally {
        f.nodes = saved;
        p.into.length = Math.max(p.into.length, f.c.pos - p.into.offset);
      }
    }
  }

  /**
   * A pointer to `what` ("Name (uint16)"): a unique one has a referent id (0: NULL, no referent),
   * a ref one has none. `body` reads the referent when NDR's order comes to it.
   */
  ptr(what: string, unique: boolean, body: () => void): void {
    const f = this.f;
    const label = `Pointer to ${what}`;
    if (unique) {
      this.align(4);
      if (f.c.peekU32() === 0) {
        const at = f.c.pos;
        f.c.skip(4);
        f.add(node("dcerpc.null_pointer", `NULL Pointer: ${label}`, "00:00:00:00", "00000000", at, 4));
        return;
      }
    }
    const n = f.text("smbcmp.ndr.pointer", label);
    n.children = [];
    if (unique) {
      const saved = f.nodes;
      f.nodes = n.children;
      try {
        f.uint("dcerpc.referent_id", "Referent ID", 4, { base: "hex" });
      } finally {
        f.nodes = saved;
      }
      n.length = 4;
    }
    this.pending.push({ into: n, body });
  }

  /** A conformant varying UTF-16 string (`[string] uint16 *`): its counts, then its text. */
  string(name: string, label: string): string {
    const f = this.f;
    this.u32("dcerpc.array.max_count", "Max Count");
    this.u32("dcerpc.array.offset", "Offset");
    const n = this.u32("dcerpc.array.actual_count", "Actual Count");
    const at = f.c.pos;
    const raw = f.c.bytes(2 * n).toString("utf16le");
    const s = raw.endsWith("\0") ? raw.slice(0, -1) : raw;
    const line = `${label}: ${s}`;
    f.add(
      node(
        name,
        line.length > LABEL_MAX + 1 ? `${label} [truncated]: ${s}`.slice(0, LABEL_MAX) : line,
        s,
        s,
        at,
        2 * n,
      ),
    );
    return s;
  }

  /** A conformant array of `count` elements (its max count first), each a subtree `name`. */
  array(name: string, label: string, element: () => void): void {
    const count = this.u32("dcerpc.array.max_count", "Max Count");
    for (let i = 0; i < count; i++) this.f.tree(name, label, element);
  }

  /** A text subtree grouping a union's discriminant and arm (Wireshark's "srvsvc_NetShareCtr"). */
  group(label: string, fn: () => void): void {
    this.f.tree("smbcmp.ndr.union", label, (n) => {
      n.flags = FieldFlag.Text;
      fn();
    });
  }

  /** A non-encapsulated union's discriminant (shown as Wireshark does, an empty field). */
  discriminant(name: string, label: string): number {
    this.align(4);
    const f = this.f;
    const at = f.c.pos;
    const v = f.c.u32();
    f.add(node(name, label, "", "", at, 4));
    return v;
  }

  /** A WERROR, the last value of most responses. */
  werror(name: string, names: Vals): void {
    this.u32(name, "Windows Error", { base: "hex", vals: names });
  }
}

/** A text node for a part of the stub left undecoded (an unknown level). */
export function undecoded(f: Fields, what: string): void {
  f.add(node("smbcmp.ndr.undecoded", `[${what}: not decoded]`, "", "", f.c.pos, 0, FieldFlag.Text));
}
