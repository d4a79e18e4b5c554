/**
 * A small Node `Buffer` for the browser build (injected as the global `Buffer`): the subset the
 * engine uses, on top of Uint8Array (subarray/slice return Buffers through the species constructor).
 */
type Enc = "hex" | "utf8" | "utf-8" | "utf16le" | "ucs2" | "latin1" | "binary" | "ascii" | "base64";

function encode(s: string, enc: Enc = "utf8"): Uint8Array {
  switch (enc) {
    case "hex": {
      const n = s.length >> 1;
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = Number.parseInt(s.substr(i * 2, 2), 16);
        if (Number.isNaN(v)) return out.subarray(0, i);
        out[i] = v;
      }
      return out;
    }
    case "utf16le":
    case "ucs2": {
      const out = new Uint8Array(s.length * 2);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        out[i * 2] = c & 0xff;
        out[i * 2 + 1] = c >> 8;
      }
      return out;
    }
    case "latin1":
    case "binary":
    case "ascii": {
      const out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
      return out;
    }
    case "base64": {
      const bin = atob(s.replace(/[^A-Za-z0-9+/]/g, ""));
      return encode(bin, "latin1");
    }
    default:
      return new TextEncoder().encode(s);
  }
}

export class Buffer extends Uint8Array {
  static alloc(n: number, fill = 0): Buffer {
    const b = new Buffer(n);
    if (fill) b.fill(fill);
    return b;
  }
  static allocUnsafe(n: number): Buffer {
    return new Buffer(n);
  }
  static allocUnsafeSlow(n: number): Buffer {
    return new Buffer(n);
  }
  static override from(v: unknown, encOrOffset?: unknown, length?: number): Buffer {
    if (typeof v === "string") {
      const e = encode(v, (encOrOffset as Enc) ?? "utf8");
      return new Buffer(e.buffer as ArrayBuffer, e.byteOffset, e.byteLength);
    }
    if (v instanceof ArrayBuffer) return new Buffer(v, (encOrOffset as number) ?? 0, length);
    if (v instanceof Uint8Array) {
      const b = new Buffer(v.length);
      b.set(v);
      return b;
    }
    const arr = v as ArrayLike<number>;
    const b = new Buffer(arr.length);
    for (let i = 0; i < arr.length; i++) b[i] = arr[i]! & 0xff;
    return b;
  }
  static override of(...items: number[]): Buffer {
    return Buffer.from(items);
  }
  static isBuffer(v: unknown): v is Buffer {
    return v instanceof Buffer;
  }
  static concat(list: readonly Uint8Array[], total?: number): Buffer {
    const n = total ?? list.reduce((s, b) => s + b.length, 0);
    const out = new Buffer(n);
    let at = 0;
    for (const b of list) {
      if (at >= n) break;
      out.set(b.subarray(0, n - at), at);
      at += b.length;
    }
    return out;
  }
  static compare(a: Uint8Array, b: Uint8Array): number {
    return Buffer.prototype.compare.call(a, b);
  }
  static byteLength(s: string, enc: Enc = "utf8"): number {
    return encode(s, enc).length;
  }

  private view?: DataView;
  private dv(): DataView {
    // One DataView per Buffer, made on first read (subarrays are Buffers of their own).
    this.view ??= new DataView(this.buffer, this.byteOffset, this.byteLength);
    return this.view;
  }
  private check(off: number, n: number): void {
    if (!(off >= 0 && off + n <= this.length))
      throw new RangeError(
        `The value of "offset" is out of range. It must be >= 0 and <= ${this.length - n}. Received ${off}`,
      );
  }
  readUInt8(o = 0): number {
    this.check(o, 1);
    return this[o]!;
  }
  readUInt16LE(o = 0): number {
    this.check(o, 2);
    return this.dv().getUint16(o, true);
  }
  readUInt16BE(o = 0): number {
    this.check(o, 2);
    return this.dv().getUint16(o, false);
  }
  readInt16LE(o = 0): number {
    this.check(o, 2);
    return this.dv().getInt16(o, true);
  }
  readUInt32LE(o = 0): number {
    this.check(o, 4);
    return this.dv().getUint32(o, true);
  }
  readUInt32BE(o = 0): number {
    this.check(o, 4);
    return this.dv().getUint32(o, false);
  }
  readInt32LE(o = 0): number {
    this.check(o, 4);
    return this.dv().getInt32(o, true);
  }
  readInt32BE(o = 0): number {
    this.check(o, 4);
    return this.dv().getInt32(o, false);
  }
  readBigUInt64LE(o = 0): bigint {
    this.check(o, 8);
    return this.dv().getBigUint64(o, true);
  }
  readBigUInt64BE(o = 0): bigint {
    this.check(o, 8);
    return this.dv().getBigUint64(o, false);
  }
  readBigInt64LE(o = 0): bigint {
    this.check(o, 8);
    return this.dv().getBigInt64(o, true);
  }
  writeUInt32LE(v: number, o = 0): number {
    this.check(o, 4);
    this.dv().setUint32(o, v, true);
    return o + 4;
  }
  writeUInt32BE(v: number, o = 0): number {
    this.check(o, 4);
    this.dv().setUint32(o, v, false);
    return o + 4;
  }
  writeUInt16LE(v: number, o = 0): number {
    this.check(o, 2);
    this.dv().setUint16(o, v, true);
    return o + 2;
  }
  writeBigUInt64LE(v: bigint, o = 0): number {
    this.check(o, 8);
    this.dv().setBigUint64(o, v, true);
    return o + 8;
  }
  override toString(enc: Enc = "utf8", start = 0, end = this.length): string {
    const b: Buffer = this.subarray(Math.max(0, start), Math.min(this.length, end)) as Buffer;
    switch (enc) {
      case "hex": {
        let s = "";
        for (let i = 0; i < b.length; i++) s += b[i]!.toString(16).padStart(2, "0");
        return s;
      }
      case "utf16le":
      case "ucs2": {
        let s = "";
        for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
        return s;
      }
      case "latin1":
      case "binary": {
        let s = "";
        for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
        return s;
      }
      case "ascii": {
        let s = "";
        for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]! & 0x7f);
        return s;
      }
      case "base64":
        return btoa((b as Buffer).toString("latin1"));
      default:
        return new TextDecoder().decode(b);
    }
  }
  /** Writes `s` at `offset`; returns the bytes written (as many as fit). */
  write(s: string, offset = 0, enc: Enc = "utf8"): number {
    const e = encode(s, enc);
    const n = Math.max(0, Math.min(e.length, this.length - offset));
    this.set(e.subarray(0, n), offset);
    return n;
  }
  equals(o: Uint8Array): boolean {
    return this.compare(o) === 0;
  }
  compare(o: Uint8Array): number {
    const n = Math.min(this.length, o.length);
    for (let i = 0; i < n; i++) if (this[i] !== o[i]) return this[i]! < o[i]! ? -1 : 1;
    return this.length === o.length ? 0 : this.length < o.length ? -1 : 1;
  }
  copy(target: Uint8Array, tStart = 0, sStart = 0, sEnd = this.length): number {
    const src = this.subarray(sStart, Math.min(sEnd, sStart + (target.length - tStart)));
    target.set(src, tStart);
    return src.length;
  }
  override indexOf(v: number | string | Uint8Array, from = 0, enc?: Enc): number {
    if (typeof v === "number") return super.indexOf(v, from);
    const n = typeof v === "string" ? encode(v, enc ?? "utf8") : v;
    if (from < 0) from = Math.max(0, this.length + from);
    if (!n.length) return Math.min(from, this.length);
    outer: for (let i = from; i + n.length <= this.length; i++) {
      for (let j = 0; j < n.length; j++) if (this[i + j] !== n[j]) continue outer;
      return i;
    }
    return -1;
  }
  override includes(v: number | string | Uint8Array, from = 0, enc?: Enc): boolean {
    return this.indexOf(v, from, enc) >= 0;
  }
  toJSON(): { type: "Buffer"; data: number[] } {
    return { type: "Buffer", data: [...this] };
  }
}
