/** Minimal DER/BER reader (X.690) for the GSS-API, SPNEGO and Kerberos tokens carried in SMB. */

export interface Tlv {
  /** 0 universal, 1 application, 2 context, 3 private. */
  cls: number;
  constructed: boolean;
  tag: number;
  /** Offset of the identifier octet. */
  at: number;
  /** Offset of the contents. */
  start: number;
  /** End of the contents (exclusive), clamped to the enclosing end. */
  end: number;
  /** True when the declared length runs past the enclosing end. */
  short: boolean;
}

/** Reads one TLV header at `at`; undefined when the header itself does not fit or is unsupported. */
export function readTlv(b: Buffer, at: number, end: number): Tlv | undefined {
  if (at + 2 > end) return undefined;
  const id = b[at]!;
  let p = at + 1;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (p >= end || i > 4) return undefined;
      const x = b[p++]!;
      tag = tag * 128 + (x & 0x7f);
      if (!(x & 0x80)) break;
    }
  }
  if (p >= end) return undefined;
  let len = b[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > end) return undefined; // indefinite lengths are not DER
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
  }
  const full = p + len;
  return {
    cls: id >> 6,
    constructed: (id & 0x20) !== 0,
    tag,
    at,
    start: p,
    end: Math.min(full, end),
    short: full > end,
  };
}

/** Children TLVs of a constructed value. */
export function children(b: Buffer, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = t.start;
  while (p < t.end) {
    const c = readTlv(b, p, t.end);
    if (!c) break;
    out.push(c);
    p = c.end;
    if (c.short) break;
  }
  return out;
}

export function oidString(b: Uint8Array): string {
  if (!b.length) return "";
  const parts: number[] = [];
  let v = 0;
  let first = true;
  for (const x of b) {
    v = v * 128 + (x & 0x7f);
    if (x & 0x80) continue;
    if (first) {
      const a = v < 40 ? 0 : v < 80 ? 1 : 2;
      parts.push(a, v - a * 40);
      first = false;
    } else parts.push(v);
    v = 0;
  }
  return parts.join(".");
}

/** Unsigned big-endian INTEGER contents (up to 6 bytes) as a number; negative values are two's complement. */
export function intValue(b: Uint8Array): number {
  let v = 0;
  for (const x of b.subarray(0, 6)) v = v * 256 + x;
  if (b.length && b[0]! & 0x80 && b.length <= 6) v -= 2 ** (8 * b.length);
  return v;
}
