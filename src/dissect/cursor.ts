/** A bounds-checked little-endian reader over one PDU. Reading past `end` throws `ShortRead`. */

export class ShortRead extends Error {
  constructor(
    readonly at: number,
    readonly wanted: number,
    readonly end: number,
  ) {
    super(`short read: ${wanted} bytes at ${at}, data ends at ${end}`);
  }
}

export class Cursor {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = Math.min(end, buf.length);
  }

  get remaining(): number {
    return Math.max(0, this.end - this.pos);
  }

  /** Throws unless `n` bytes are available at `at` (default: the current position). */
  need(n: number, at = this.pos): void {
    if (n < 0 || at < 0 || at + n > this.end) throw new ShortRead(at, n, this.end);
  }

  has(n: number, at = this.pos): boolean {
    return n >= 0 && at >= 0 && at + n <= this.end;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u16be(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u32be(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  /** Absolute seek; bounds are checked by the next read. */
  seek(pos: number): void {
    this.pos = pos;
  }
  /** A cursor over [at, at+len) of the same buffer, clamped to this cursor's end. */
  sub(at: number, len: number): Cursor {
    return new Cursor(this.buf, at, Math.min(this.end, at + len));
  }
  peekU8(at = this.pos): number {
    this.need(1, at);
    return this.buf[at]!;
  }
  peekU16(at = this.pos): number {
    this.need(2, at);
    return this.buf.readUInt16LE(at);
  }
  peekU32(at = this.pos): number {
    this.need(4, at);
    return this.buf.readUInt32LE(at);
  }
}
