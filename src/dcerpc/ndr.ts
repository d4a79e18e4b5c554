/**
 * An NDR (C706 ch. 14, MS-RPCE 2.2.5) reader for DCE/RPC stub data, building Wireshark's trees:
 * a pointer is a "Pointer to X (type)" text node holding its referent id and, once read, its
 * referent. Little-endian NDR 2.0 only (what SMB clients send); anything else is left undecoded.
 *
 * Deferral: the referents of the pointers met while reading a constructed type come after it, each
 * read whole (its own deferred referents included) before the next, as Samba's pidl writes them
 * (scalars, then buffers) and as C706 14.3.12.3 orders them.
 */

import { ShortRead } from "../dissect/cursor.js";
import { bitPattern, type Fields, type UintOpts } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, find, node } from "../dissect/tree.js";
import { statusNameFull } from "../smb2/status.js";
import { OPNAMES as INTERFACE_OPS, WERROR_NAMES } from "./wireshark-names.js";

/** Wireshark cuts a display line at 240 bytes, marking the field "[truncated]". */
const LABEL_MAX = 238;

/** An interface whose calls are decoded: Wireshark's protocol name, title and operations. */
export interface NdrInterface {
  proto: string;
  title: string;
  ops: Readonly<Record<number, NdrOp>>;
  /** The responses' status: an NTSTATUS (`proto.status`, "NT Error") rather than a WERROR. */
  ntstatus?: boolean;
  /**
   * A status of the interface's own (svcctl's "Return code"): its field, label and names, and what
   * Info adds for a non-zero one.
   */
  status?: { field: string; label: string; names: ReadonlyMap<number, string>; info: (v: number) => string };
  /**
   * Wireshark shows every operation in the interface's tree, the ones it does not decode (and
   * parameters left undecoded: an op without `in` or `out`) as the stub's bytes.
   */
  raw?: boolean;
}

/** A policy handle's life in the capture (Wireshark's "Frame handle opened/closed"). */
export interface HandleLife {
  /** The operation that returned it and what it opened: `lsa_OpenPolicy2(<...>)`. */
  opener?: string;
  /** Unset for a handle only seen closed (or returned by a call that does not open it by name). */
  open?: number;
  close?: number;
}

/** One operation: its name and the readers of its request (in) and response (out) parameters. */
export interface NdrOp {
  name: string;
  /** The request's parameters (none: its stub's bytes, in a `raw` interface). */
  in?: (nd: Ndr) => void;
  /** The response's parameters but its status (the last 4 bytes, read by `ndrTree`); none: bytes. */
  out?: (nd: Ndr) => void;
  /**
   * What Wireshark's Info column adds to the call's line, from its decoded tree (a request's, or a
   * response's in one fragment): `, <key name>`, ` Level:1`.
   */
  info?: (tree: FieldNode, response: boolean) => string | undefined;
  /**
   * Handle bookkeeping in the indexing pass: the response returns a handle it opens, or the request
   * passes one it closes; `at` is where in the stub (default: its first 20 bytes; -1: none), and
   * `named` what the opener's name shows in parentheses, from the request's stub (default `<...>`).
   */
  handle?: {
    kind: "opens" | "closes";
    at?: (stub: Buffer) => number;
    named?: (request: Buffer) => string | undefined;
    /** The operation the opened handle is named after, when not this one (svcctl's A calls). */
    opener?: string;
  };
}

/** The Info text of a call's string or number parameter `name` in `tree`: `, value` or ` Label:value`. */
export function infoParam(tree: FieldNode, name: string, label?: string): string {
  const n = find([tree], name);
  if (!n) return "";
  return label ? ` ${label}:${n.show}` : `, ${n.show}`;
}

/** A generated table of names (wireshark-names.ts: a line each, the code in hex, a space, the name). */
export function codeNames(table: string): ReadonlyMap<number, string> {
  return new Map(
    table.split("\n").map((l) => {
      const sp = l.indexOf(" ");
      return [Number.parseInt(l.slice(0, sp), 16), l.slice(sp + 1)] as const;
    }),
  );
}

/** Win32 error codes (MS-ERREF 2.2) as Wireshark names them. */
export const WERRORS = codeNames(WERROR_NAMES);

/** Value names from a Map, for `UintOpts.vals`. */
export const named =
  (m: ReadonlyMap<number, string>) =>
  (v: number): string | undefined =>
    m.get(v);

export const PLATFORMS = new Map<number, string>([
  [300, "PLATFORM_ID_DOS"],
  [400, "PLATFORM_ID_OS2"],
  [500, "PLATFORM_ID_NT"],
  [600, "PLATFORM_ID_OSF"],
  [700, "PLATFORM_ID_VMS"],
]);

/**
 * The tree of a call's complete stub (the `n` bytes at `f.c.pos`) for interface `iface`, a
 * request or a response; `other` is the frame of its response or request. Undefined for an
 * operation not decoded. A stub that ends early gets a malformed mark where it does.
 */
export function ndrTree(
  iface: NdrInterface,
  f: Fields,
  n: number,
  opnum: number,
  response: boolean,
  other?: number,
  handles?: ReadonlyMap<string, HandleLife>,
): FieldNode | undefined {
  const op = iface.ops[opnum];
  if (!op && !iface.raw) return undefined;
  const name = op?.name ?? INTERFACE_OPS[iface.proto]?.[opnum];
  const start = f.c.pos;
  const top = node(iface.proto, `${iface.title}, ${name ?? `unknown operation ${opnum}`}`, "", "", start, n);
  top.children = [];
  const saved = f.nodes;
  f.nodes = top.children;
  try {
    f.within(start, n, () => {
      f.c.seek(start);
      f.add(
        node(
          `${iface.proto}.opnum`,
          `Operation: ${name ?? "Unknown operation"} (${opnum})`,
          String(opnum),
          opnum,
          start,
          0,
        ),
      );
      if (other !== undefined)
        f.generated(
          response ? "dcerpc.request_in" : "dcerpc.response_in",
          response ? "Request in frame" : "Response in frame",
          String(other),
          other,
        );
      const nd = new Ndr(f, start, handles);
      const read = response ? op?.out : op?.in;
      if (!read) {
        if (n) f.bytes("dcerpc.stub_data", "Stub data", n);
        return;
      }
      if (!response) {
        read(nd);
        // Bytes the request's parameters leave unread: Wireshark's "Long frame" warning.
        if (f.c.pos < start + n) {
          const long = node(
            "smbcmp.ndr.long_frame",
            "Long frame",
            "",
            "",
            f.c.pos,
            start + n - f.c.pos,
            FieldFlag.Text,
          );
          long.children = [node("dcerpc.long_frame", "Long frame", "", "", -1, 0)];
          f.add(long);
        }
        return;
      }
      // The status is the stub's last 4 bytes, read there even when a level is not decoded.
      const end = start + n - 4;
      try {
        read(nd);
      } finally {
        if (end >= start) {
          f.c.seek(end);
          const st = iface.status;
          if (st) nd.u32(st.field, st.label, { base: "hex", vals: named(st.names) });
          else if (iface.ntstatus)
            nd.u32(`${iface.proto}.status`, "NT Error", { base: "hex", vals: statusNameFull });
          else nd.u32(`${iface.proto}.werror`, "Windows Error", { base: "hex", vals: named(WERRORS) });
        }
      }
    });
  } catch (e) {
    if (e instanceof NdrStop) return top;
    if (!(e instanceof ShortRead)) throw e;
    f.malformed(`${iface.proto} stub truncated`);
  } finally {
    f.nodes = saved;
  }
  return top;
}

export class Ndr {
  private pending: { into: FieldNode; body: () => void }[] = [];
  /** The pointer whose referent is being read (a string may add itself to its label). */
  private into?: FieldNode;

  /** `base`: where the stub starts in `f.c` (NDR aligns relative to it). */
  constructor(
    readonly f: Fields,
    private readonly base: number,
    /** Policy handles by hex, as the indexing pass saw them opened and closed. */
    readonly handles?: ReadonlyMap<string, HandleLife>,
  ) {}

  align(n: number): void {
    const r = (this.f.c.pos - this.base) % n;
    if (r) this.f.c.skip(n - r);
  }

  u32(name: string, label: string, o?: UintOpts): number {
    this.align(4);
    return this.f.uint(name, label, 4, o);
  }

  /** A top-level `[ref] uint32 *` parameter: "Pointer to X (uint32)" over its value. */
  u32Ref(name: string, label: string): void {
    this.construct(() => this.ptr(`${label} (uint32)`, false, () => this.u32(name, label)));
  }

  /** A signed 32-bit number. */
  s32(name: string, label: string): number {
    this.align(4);
    const f = this.f;
    const at = f.c.pos;
    const v = f.c.u32() | 0;
    f.add(node(name, `${label}: ${v}`, String(v), v, at, 4));
    return v;
  }

  u16(name: string, label: string, o?: UintOpts): number {
    this.align(2);
    return this.f.uint(name, label, 2, o);
  }

  u8(name: string, label: string, o?: UintOpts): number {
    return this.f.uint(name, label, 1, o);
  }

  /**
   * A policy handle (20 bytes) as Wireshark shows it: under "Policy Handle: opener(<...>)" with the
   * frames that opened and closed it, when the indexing pass saw it opened.
   */
  handle(name: string, label = "Handle"): void {
    this.align(4);
    const f = this.f;
    f.c.need(20);
    const hex = f.c.buf.toString("hex", f.c.pos, f.c.pos + 20);
    const life = /^0+$/.test(hex) ? undefined : this.handles?.get(hex);
    this.group(life?.opener ? `Policy Handle: ${life.opener}` : "Policy Handle", () => {
      f.bytes(name, label, 20);
      if (!life) return;
      if (life.open !== undefined)
        f.generated("dcerpc.nt.open_frame", "Frame handle opened", String(life.open), life.open);
      if (life.close !== undefined)
        f.generated("dcerpc.nt.close_frame", "Frame handle closed", String(life.close), life.close);
    });
  }

  /** A top-level `[ref] policy_handle *` parameter: "Pointer to `what` (policy_handle)" over the handle. */
  handleParam(what: string, field: string, label = "Handle"): void {
    this.construct(() => this.ptr(`${what} (policy_handle)`, false, () => this.handle(field, label)));
  }

  /**
   * A counted UTF-16 string as Wireshark's samr and winreg show it (by hand, not pidl): "Name: " over
   * its lengths (`lengths`: the prefix of their fields) and a pointer to the characters; `own` for a
   * parameter's own string, whose text also ends both labels.
   */
  countedString(lengths: string, field: string, label: string, own: boolean): void {
    this.align(4);
    this.group(`${label}: `, (g) => {
      this.u16(`${lengths}.name_len`, "Name Len");
      this.u16(`${lengths}.name_size`, "Name Size");
      this.ptr(label, true, () => {
        const s = this.string(field, label);
        if (!own) return;
        g.label += `: ${s}`;
        this.pointerLabel(`${label}: ${s}`);
      });
    });
  }

  /**
   * An access mask (MS-DTYP 2.4.3): generic, standard and `specific` rights, each a group of bits as
   * Wireshark shows them; `bits` are the specific rights' [field, label, mask, set text, clear text].
   */
  accessMask(name: string, specific: string, bits: readonly AccessBit[]): void {
    this.align(4);
    const f = this.f;
    const at = f.c.pos;
    const v = f.c.u32() >>> 0;
    const bit = ([field, label, mask, set, clear]: AccessBit) =>
      bitNode(field, `${label}: ${v & mask ? set : clear}`, v, mask, at);
    const group = (label: string, kids: FieldNode[]) => {
      const g = node("smbcmp.ndr.rights", label, "", "", at, 4, FieldFlag.Text);
      g.children = kids;
      return g;
    };
    const n = node(name, `Access Mask: ${hexN(v, 8)}`, hexN(v, 8), v, at, 4);
    n.children = [
      group(`Generic rights: ${hexN(v & 0xf0000000, 8)}`, GENERIC_RIGHTS.map(bit)),
      group(`Standard rights: ${hexN(v & 0x00ff0000, 8)}`, STANDARD_RIGHTS.map(bit)),
      group(`${specific} specific rights: ${hexN(v & 0xffff, 8)}`, bits.map(bit)),
    ];
    f.add(n);
  }

  /**
   * A pidl bitmap of `bits` [field, constant, mask], in one of the two styles Wireshark's generated
   * dissectors show: `samr` labels a bit from its constant (`ACB_NORMAL` is "Acb Normal") and lists
   * the set ones after the value; `upper` labels it "DS ROLE PRIMARY DS RUNNING" and names the set
   * constants after a colon, or "(No values set)"; `words` labels bits as `samr` and the value as
   * `upper`.
   */
  bitmap(
    name: string,
    label: string,
    bits: readonly (readonly [string, string, number])[],
    style: "samr" | "upper" | "words" = "samr",
  ): void {
    this.align(4);
    const f = this.f;
    const at = f.c.pos;
    const v = f.c.u32() >>> 0;
    const hex = hexN(v, 8);
    const set: string[] = [];
    const kids = bits.map(([field, c, mask]) => {
      const text = `${style === "upper" ? c.replaceAll("_", " ") : constantLabel(c)}: ${c} is ${v & mask ? "SET" : "NOT SET"}`;
      if (v & mask) set.push(style === "samr" ? text : c);
      return bitNode(field, text, v, mask, at);
    });
    const shown =
      style === "samr"
        ? `${label}: ${hex}${set.map((t) => `, ${t}`).join("")}`
        : `${label}: ${hex}: ${set.length ? set.join(", ") : "(No values set)"}`;
    const n = node(name, shown, hex, v, at, 4);
    n.children = kids;
    f.add(n);
  }

  /** Stops decoding here (see `undecoded`). */
  stop(what: string): never {
    return undecoded(this.f, what);
  }

  /**
   * A top-level parameter: its scalars, then its pointers' referents. A pointer's referent is read
   * as one by itself; a structure inside another or in an array is not one (its pointers' referents
   * wait for the end of the outermost).
   */
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
      const into = this.into;
      f.nodes = p.into.children!;
      this.into = p.into;
      try {
        this.construct(p.body);
      } finally {
        f.nodes = saved;
        this.into = into;
        p.into.length = Math.max(p.into.length, f.c.pos - p.into.offset);
      }
    }
  }

  /**
   * A pointer to `what` ("Name (uint16)"): a unique one has a referent id (0: NULL, no referent),
   * a ref one has none. `body` reads the referent when NDR's order comes to it.
   */
  ptr(what: string, unique: boolean, body: () => void, label = `Pointer to ${what}`): void {
    const f = this.f;
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

  /**
   * A conformant varying UTF-16 string (`[string] uint16 *`): its counts, then its text; with
   * `onPointer`, the text also ends the label of the pointer to it (as some of Wireshark's do).
   */
  string(name: string, label: string, onPointer = false): string {
    const f = this.f;
    const n = this.varying();
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
    if (onPointer && this.into) this.into.label += `: ${s}`;
    return s;
  }

  /** A conformant varying 8-bit string (svcctl's A calls), as `string` shows a UTF-16 one. */
  asciiString(name: string, label: string): string {
    const f = this.f;
    const n = this.varying();
    const at = f.c.pos;
    const raw = f.c.bytes(n).toString("latin1");
    const s = raw.endsWith("\0") ? raw.slice(0, -1) : raw;
    f.add(node(name, `${label}: ${s}`.slice(0, LABEL_MAX), s, s, at, n));
    return s;
  }

  /** A conformant varying array's counts (max, offset, actual); returns the actual count. */
  varying(): number {
    this.u32("dcerpc.array.max_count", "Max Count");
    this.u32("dcerpc.array.offset", "Offset");
    return this.u32("dcerpc.array.actual_count", "Actual Count");
  }

  /** A conformant array of `count` elements (its max count first), each a subtree `name`. */
  array(name: string, label: string, element: () => void): void {
    const count = this.u32("dcerpc.array.max_count", "Max Count");
    for (let i = 0; i < count; i++) this.f.tree(name, label, element);
  }

  /** A text subtree grouping a union's discriminant and arm (Wireshark's "srvsvc_NetShareCtr"). */
  group(label: string, fn: (n: FieldNode) => void): void {
    this.f.tree("smbcmp.ndr.union", label, (n) => {
      n.flags = FieldFlag.Text;
      fn(n);
    });
  }

  /** Relabels the pointer whose referent is being read (Wireshark's samr strings do). */
  pointerLabel(label: string): void {
    if (this.into) this.into.label = label;
  }

  /** A non-encapsulated union's discriminant, of `size` bytes (shown as Wireshark does, an empty field). */
  discriminant(name: string, label: string, size: 2 | 4 = 4): number {
    this.align(size);
    const f = this.f;
    const at = f.c.pos;
    const v = size === 2 ? f.c.u16() : f.c.u32();
    f.add(node(name, label, "", "", at, size));
    return v;
  }
}

/** The label pidl gives a constant's bit: `ACB_NORMAL` is "Acb Normal". */
export function constantLabel(c: string): string {
  return c
    .split("_")
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join(" ");
}

/** One bit of a 32-bit flags value `v` at `at`: `.... ...1 = text`. */
/** A bit of a 32-bit flags field, Wireshark's way: its pattern, then `text`. */
export function bitNode(field: string, text: string, v: number, mask: number, at: number): FieldNode {
  const set = v & mask;
  return node(field, `${bitPattern(v, mask, 32)} = ${text}`, set ? "1" : "0", set ? 1 : 0, at, 4);
}

/** An access right bit: field, label, mask, set text, clear text. */
export type AccessBit = readonly [string, string, number, string, string];

const right = (k: string, label: string, mask: number): AccessBit => [
  `nt.access_mask.${k}`,
  label,
  mask,
  "Set",
  "Not set",
];
const GENERIC_RIGHTS: readonly AccessBit[] = [
  right("generic_read", "Generic read", 0x80000000),
  right("generic_write", "Generic write", 0x40000000),
  right("generic_execute", "Generic execute", 0x20000000),
  right("generic_all", "Generic all", 0x10000000),
  right("maximum_allowed", "Maximum allowed", 0x02000000),
  right("access_sacl", "Access SACL", 0x01000000),
];
const STANDARD_RIGHTS: readonly AccessBit[] = [
  right("synchronise", "Synchronise", 0x00100000),
  right("write_owner", "Write owner", 0x00080000),
  right("write_dac", "Write DAC", 0x00040000),
  right("read_control", "Read control", 0x00020000),
  right("delete", "Delete", 0x00010000),
];

/** Thrown where the rest of a stub cannot be decoded (an unknown level): nothing after it is read. */
class NdrStop extends Error {}

/**
 * Marks where decoding stops (an unknown level, a type not decoded) and stops: what follows would be
 * read at a place only the undecoded part's length tells.
 */
export function undecoded(f: Fields, what: string): never {
  f.add(node("smbcmp.ndr.undecoded", `[${what}: not decoded]`, "", "", f.c.pos, 0, FieldFlag.Text));
  throw new NdrStop(what);
}
