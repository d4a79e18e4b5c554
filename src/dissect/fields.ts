/**
 * The dissector toolkit: reads typed values from a Cursor and appends field nodes formatted the way
 * Wireshark's PDML shows them (`show`) and its tree prints them (`label`), so the tshark oracle can
 * compare ours field by field.
 */
import { Cursor, ShortRead } from "./cursor.js";
import { formatFiletime, guidString, hexColons, hexN, hexPlain } from "./format.js";
import { FieldFlag, type FieldNode, type FieldValue, node } from "./tree.js";

export type Vals = Readonly<Record<number, string>> | ((v: number) => string | undefined);

export interface UintOpts {
  /** dec (default), hex (`0x0005`), hexdec (show `0x0005`, label `0x0005 (5)`), dechex. */
  base?: "dec" | "hex" | "hexdec" | "dechex";
  vals?: Vals;
  /** Text appended to the label value (`" bytes"`). */
  unit?: string;
  /** Big-endian. */
  be?: boolean;
}

export interface BitSpec {
  name: string;
  label: string;
  mask: number;
  /** Label texts for a one-bit flag set/clear; default `True`/`False`. */
  t?: string;
  f?: string;
  /** Value names for multi-bit fields. */
  vals?: Vals;
  /** Show multi-bit value in hex. */
  hex?: boolean;
  /** Name used in the parent's `Flags: 0x01, Name` summary (default: label). */
  short?: string;
}

export function valName(vals: Vals | undefined, v: number): string | undefined {
  if (!vals) return undefined;
  return typeof vals === "function" ? vals(v) : vals[v];
}

/** `.... ...1` style pattern of `mask` within a field of `bits` bits, with the value's bits. */
const PATTERN = Buffer.alloc(96);

/** Wireshark's bit picture of `mask` in `raw` (`.... ..1. ...`), for fields of up to 64 bits. */
export function bitPattern(raw: number, mask: number, bits: number): string {
  const rawHi = Math.floor(raw / 4294967296) >>> 0;
  const rawLo = raw >>> 0;
  const maskHi = Math.floor(mask / 4294967296) >>> 0;
  const maskLo = mask >>> 0;
  let j = 0;
  for (let i = bits - 1; i >= 0; i--) {
    const m = i >= 32 ? (maskHi >>> (i - 32)) & 1 : (maskLo >>> i) & 1;
    const r = i >= 32 ? (rawHi >>> (i - 32)) & 1 : (rawLo >>> i) & 1;
    PATTERN[j++] = m ? (r ? 0x31 : 0x30) : 0x2e;
    if (i % 4 === 0 && i !== 0) PATTERN[j++] = 0x20;
  }
  return PATTERN.toString("latin1", 0, j);
}

/** The lowest set bit of `mask` (up to 64 bits as a number), 1 for 0: a bit operation, not a loop of divisions. */
export function lowestBit(mask: number): number {
  const lo = mask % 4294967296;
  if (lo !== 0) return (lo & -lo) >>> 0;
  const hi = Math.floor(mask / 4294967296) >>> 0;
  return hi === 0 ? 1 : ((hi & -hi) >>> 0) * 4294967296;
}

/** One-bit flags' child labels per BitSpec, at [size * 2 + bit]: the same few texts in every packet. */
const FLAG_LABELS = new WeakMap<BitSpec, string[]>();

function flagLabel(b: BitSpec, size: number, bit: number): string {
  let l = FLAG_LABELS.get(b);
  if (!l) {
    l = [];
    FLAG_LABELS.set(b, l);
  }
  const k = size * 2 + bit;
  const hit = l[k];
  if (hit !== undefined) return hit;
  const text = bit ? (b.t ?? "True") : (b.f ?? "False");
  l[k] = `${bitPattern(bit ? b.mask : 0, b.mask, size * 8)} = ${b.label}: ${text}`;
  return l[k];
}

/** A bitmask's texts for one value: its label and show, and each bit field's label, show and value. */
interface MaskTexts {
  /** The field's label the texts were made for. */
  field: string;
  label: string;
  show: string;
  kids: string[];
  shows: string[];
  vals: number[];
}

/**
 * Bitmask texts per BitSpec list, by value * 8 + size: flags fields take a few values over a whole
 * capture (access masks, share modes, create options), and their texts were most of what building
 * a CREATE's tree cost. At most MASK_VALUES values each; the label is checked, not keyed.
 */
const MASK_TEXTS = new WeakMap<readonly BitSpec[], Map<number, MaskTexts>>();
const MASK_VALUES = 256;

function maskTexts(label: string, v: number, size: number, bits: readonly BitSpec[]): MaskTexts {
  let m = MASK_TEXTS.get(bits);
  if (m === undefined) {
    m = new Map();
    MASK_TEXTS.set(bits, m);
  }
  const key = v * 8 + size;
  const hit = m.get(key);
  if (hit !== undefined && hit.field === label) return hit;
  const show = hexN(v, size * 2);
  const set: string[] = [];
  const t: MaskTexts = { field: label, label: "", show, kids: [], shows: [], vals: [] };
  for (const b of bits) {
    const lo = lowestBit(b.mask);
    const fv = Math.floor((((v >>> 0) & b.mask) >>> 0) / lo) >>> 0;
    let text: string;
    if (b.vals || b.mask / lo > 1) {
      const nm = valName(b.vals, fv);
      const num = b.hex ? `0x${fv.toString(16)}` : String(fv);
      text = b.vals ? `${nm ?? "Unknown"} (${num})` : num;
      if (fv && b.short) set.push(b.short);
      text = `${bitPattern(v >>> 0, b.mask, size * 8)} = ${b.label}: ${text}`;
    } else {
      if (fv) set.push(b.short ?? b.label);
      text = flagLabel(b, size, fv);
    }
    t.kids.push(text);
    t.shows.push(String(fv));
    t.vals.push(fv);
  }
  t.label = `${label}: ${show}${set.length ? `, ${set.join(", ")}` : ""}`;
  if (hit !== undefined || m.size < MASK_VALUES) m.set(key, t);
  return t;
}

/** The default options object: `= {}` would allocate one per call, millions in an indexing pass. */
const NO_OPTS = Object.freeze({});

export class Fields {
  /** Nodes of the innermost open subtree. */
  nodes: FieldNode[];
  /** Parents of the open subtrees (made on first use: light mode opens none). */
  private stack?: FieldNode[][];

  /**
   * Light mode reads and returns values without building nodes: the indexing pass runs the same
   * dissectors in light mode to get summaries and state cheaply, so list and tree never disagree.
   */
  constructor(
    public c: Cursor,
    root: FieldNode[] = [],
    readonly light = false,
  ) {
    this.nodes = root;
  }

  add(n: FieldNode): FieldNode {
    if (!this.light) this.nodes.push(n);
    return n;
  }

  /** Appends a node for a field that runs past the data, then throws. */
  private short(name: string, label: string, n: number): never {
    const at = this.c.pos;
    if (!this.light)
      this.add(node(name, `${label} [truncated]`, "", "", at, Math.max(0, this.c.end - at), FieldFlag.Short));
    throw new ShortRead(at, n, this.c.end);
  }

  private needOr(name: string, label: string, n: number): void {
    if (!this.c.has(n)) this.short(name, label, n);
  }

  uintRaw(size: 1 | 2 | 3 | 4, be = false): number {
    const c = this.c;
    if (size === 1) return c.u8();
    if (size === 2) return be ? c.u16be() : c.u16();
    if (size === 4) return be ? c.u32be() : c.u32();
    c.need(3);
    const b = c.bytes(3);
    return be ? (b[0]! << 16) | (b[1]! << 8) | b[2]! : b[0]! | (b[1]! << 8) | (b[2]! << 16);
  }

  static uintShow(v: number, size: number, base: UintOpts["base"]): string {
    return base === "hex" || base === "hexdec" ? hexN(v, size * 2) : String(v);
  }

  static uintLabel(label: string, v: number, size: number, o: UintOpts): string {
    const show = Fields.uintShow(v, size, o.base);
    const name = valName(o.vals, v);
    let text: string;
    if (o.vals) text = `${name ?? "Unknown"} (${show})`;
    else if (o.base === "hexdec") text = `${show} (${v})`;
    else if (o.base === "dechex") text = `${v} (${hexN(v, size * 2)})`;
    else text = show;
    return `${label}: ${text}${o.unit ?? ""}`;
  }

  /** Unsigned integer of 1-4 bytes. */
  uint(name: string, label: string, size: 1 | 2 | 3 | 4, o: UintOpts = NO_OPTS): number {
    this.needOr(name, label, size);
    const at = this.c.pos;
    const v = this.uintRaw(size, o.be);
    if (!this.light)
      this.add(
        node(name, Fields.uintLabel(label, v, size, o), Fields.uintShow(v, size, o.base), v, at, size),
      );
    return v;
  }

  /** 64-bit unsigned; value is a decimal string (or 0x-hex with base hex). */
  u64(name: string, label: string, o: { base?: "dec" | "hex"; unit?: string } = NO_OPTS): bigint {
    this.needOr(name, label, 8);
    const at = this.c.pos;
    const v = this.c.u64();
    if (this.light) return v;
    const show = o.base === "hex" ? `0x${v.toString(16).padStart(16, "0")}` : v.toString();
    this.add(node(name, `${label}: ${show}${o.unit ?? ""}`, show, show, at, 8));
    return v;
  }

  /** A bitmask field with its bit children, like Wireshark's add_bitmask. */
  bitmask(
    name: string,
    label: string,
    size: 1 | 2 | 4,
    bits: readonly BitSpec[],
    o: { be?: boolean } = NO_OPTS,
  ): number {
    this.needOr(name, label, size);
    const at = this.c.pos;
    const v = this.uintRaw(size, o.be);
    if (!this.light) this.add(Fields.bitmaskNode(name, label, v, size, at, bits));
    return v;
  }

  static bitmaskNode(
    name: string,
    label: string,
    v: number,
    size: number,
    at: number,
    bits: readonly BitSpec[],
  ): FieldNode {
    const t = maskTexts(label, v, size, bits);
    const children: FieldNode[] = [];
    for (let i = 0; i < bits.length; i++)
      children.push(node(bits[i]!.name, t.kids[i]!, t.shows[i]!, t.vals[i]!, at, size));
    const n = node(name, t.label, t.show, v, at, size);
    n.children = children;
    return n;
  }

  /** Raw bytes, shown as Wireshark does (colon hex in show, plain hex truncated in the label). */
  bytes(name: string, label: string, len: number): Buffer {
    this.needOr(name, label, len);
    const at = this.c.pos;
    const b = this.c.bytes(len);
    if (!this.light) this.add(Fields.bytesNode(name, label, b, at));
    return b;
  }

  /** Raw bytes the dissector does not read (reserved, padding...): a light pass only skips them. */
  opaque(name: string, label: string, len: number): void {
    if (!this.light) {
      this.bytes(name, label, len);
      return;
    }
    this.needOr(name, label, len);
    this.c.pos += len;
  }

  static bytesNode(name: string, label: string, b: Buffer, at: number): FieldNode {
    const plain = hexPlain(b.length > 36 ? b.subarray(0, 36) : b) + (b.length > 36 ? "…" : "");
    const show = hexColons(b);
    return node(name, `${label}: ${b.length ? plain : "<MISSING>"}`, show, hexPlain(b), at, b.length);
  }

  guid(name: string, label: string): string {
    this.needOr(name, label, 16);
    const at = this.c.pos;
    const g = guidString(this.c.bytes(16));
    if (!this.light) this.add(node(name, `${label}: ${g}`, g, g, at, 16));
    return g;
  }

  /** Windows FILETIME (100 ns since 1601). */
  filetime(name: string, label: string): bigint {
    this.needOr(name, label, 8);
    const at = this.c.pos;
    const v = this.c.u64();
    if (this.light) return v;
    const [show, text] = formatFiletime(v);
    this.add(node(name, `${label}: ${text}`, show, show, at, 8));
    return v;
  }

  /** UTF-16LE string of `len` bytes. */
  utf16(name: string, label: string, len: number): string {
    this.needOr(name, label, len);
    const at = this.c.pos;
    const s = this.c.bytes(len & ~1).toString("utf16le");
    if (len & 1) this.c.skip(1);
    if (!this.light) this.add(node(name, `${label}: ${s}`, s, s, at, len));
    return s;
  }

  /** 8-bit string of `len` bytes (stops at NUL for display). */
  ascii(name: string, label: string, len: number): string {
    this.needOr(name, label, len);
    const at = this.c.pos;
    const raw = this.c.bytes(len).toString("latin1");
    const nul = raw.indexOf("\0");
    const s = nul >= 0 ? raw.slice(0, nul) : raw;
    if (!this.light) this.add(node(name, `${label}: ${s}`, s, s, at, len));
    return s;
  }

  /** A node whose value is computed, not read (len bytes at `at` are its extent). */
  generated(name: string, label: string, show: string, value: FieldValue = show): FieldNode {
    return this.add(node(name, `${label}: ${show}`, show, value, -1, 0, FieldFlag.Generated));
  }

  /** A text node (PDML `field name=""`); `name` still identifies it for diffing. */
  text(name: string, label: string, at = this.c.pos, len = 0): FieldNode {
    return this.add(node(name, label, "", "", at, len, FieldFlag.Text));
  }

  /**
   * Opens a subtree node, runs `fn` with it as the current parent, and closes it; the node's length
   * is `len` when given, else what `fn` consumed. ShortRead propagates after the subtree is closed.
   */
  tree<T>(
    name: string,
    label: string,
    fn: (n: FieldNode) => T,
    len?: number,
    show = "",
    value: FieldValue = "",
  ): T {
    const at = this.c.pos;
    const n = node(name, label, show, value, at, len ?? 0);
    n.children = [];
    if (this.light) return fn(n);
    this.add(n);
    this.stack ??= [];
    this.stack.push(this.nodes);
    this.nodes = n.children;
    try {
      return fn(n);
    } finally {
      this.nodes = this.stack!.pop()!;
      if (len === undefined) n.length = Math.max(0, this.c.pos - at);
    }
  }

  /** Runs `fn` over a cursor limited to [at, at+len), restoring this cursor afterwards. */
  within<T>(at: number, len: number, fn: () => T): T {
    const saved = this.c;
    this.c = saved.sub(at, len);
    try {
      return fn();
    } finally {
      this.c = saved;
    }
  }

  /** Marks the innermost open node list with a malformed text node. */
  malformed(why: string, at = this.c.pos): void {
    this.add(node("_ws.malformed", `[Malformed Packet: ${why}]`, "", "", at, 0, FieldFlag.Malformed));
  }
}

export { Cursor };
