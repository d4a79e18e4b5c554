/**
 * A tiny capture writer for tests and benchmarks: builds link/IP/TCP/NBSS frames and writes them
 * as pcap (4 magics) or pcapng (sections, interfaces, tsresol, EPB/SPB/PB, unknown blocks).
 */

export interface Rec {
  data: Buffer;
  /** Seconds (integer) and sub-second nanoseconds. */
  sec?: number;
  nanos?: number;
  /** Original length when the record is cut (default data.length). */
  origLen?: number;
  /** pcapng interface id. */
  iface?: number;
}

function u16(v: number, le = false): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}
function u32(v: number, le = false): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

export function ipv4Addr(s: string): Buffer {
  return Buffer.from(s.split(".").map(Number));
}

export function ipv6Addr(s: string): Buffer {
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const h = head ? head.split(":").filter(Boolean) : [];
  const t = tail ? tail.split(":").filter(Boolean) : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const b = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) b.writeUInt16BE(Number.parseInt(groups[i]!, 16), i * 2);
  return b;
}

export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 } as const;

export function tcp(o: {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  flags?: number;
  payload?: Buffer;
}): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(o.sport, 0);
  h.writeUInt16BE(o.dport, 2);
  h.writeUInt32BE(o.seq >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = 5 << 4;
  h[13] = o.flags ?? TCP.ACK;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, o.payload ?? Buffer.alloc(0)]);
}

export function ipv4(o: {
  src: string;
  dst: string;
  payload: Buffer;
  proto?: number;
  id?: number;
  /** Fragment offset in bytes (multiple of 8) and more-fragments flag. */
  fragOff?: number;
  mf?: boolean;
  /** Total length of the whole (unfragmented) packet for this header; default header+payload. */
  options?: Buffer;
}): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const ihl = 20 + opts.length;
  const h = Buffer.alloc(20);
  h[0] = 0x40 | (ihl / 4);
  h.writeUInt16BE(ihl + o.payload.length, 2);
  h.writeUInt16BE(o.id ?? 1, 4);
  h.writeUInt16BE(((o.fragOff ?? 0) / 8) | (o.mf ? 0x2000 : 0), 6);
  h[8] = 64;
  h[9] = o.proto ?? 6;
  ipv4Addr(o.src).copy(h, 12);
  ipv4Addr(o.dst).copy(h, 16);
  return Buffer.concat([h, opts, o.payload]);
}

/** IPv6 with extension headers given as [type, body] (body padded to 8-byte units by the caller). */
export function ipv6(o: {
  src: string;
  dst: string;
  payload: Buffer;
  next?: number;
  ext?: [number, Buffer][];
}): Buffer {
  const ext = o.ext ?? [];
  const parts: Buffer[] = [];
  for (let i = 0; i < ext.length; i++) {
    const nextType = i + 1 < ext.length ? ext[i + 1]![0] : (o.next ?? 6);
    const [type, body] = ext[i]!;
    if (type === 44) {
      // fragment header: body = [offset/flags u16, id u32]
      parts.push(Buffer.concat([Buffer.from([nextType, 0]), body]));
    } else {
      const len = 2 + body.length;
      const padded = Buffer.alloc(Math.ceil(len / 8) * 8);
      padded[0] = nextType;
      padded[1] = padded.length / 8 - 1;
      body.copy(padded, 2);
      parts.push(padded);
    }
  }
  const rest = Buffer.concat([...parts, o.payload]);
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(rest.length, 4);
  h[6] = ext.length ? ext[0]![0] : (o.next ?? 6);
  h[7] = 64;
  ipv6Addr(o.src).copy(h, 8);
  ipv6Addr(o.dst).copy(h, 24);
  return Buffer.concat([h, rest]);
}

export function ether(payload: Buffer, ethertype = 0x0800, vlans: [number, number][] = []): Buffer {
  const h = Buffer.from("0200000000020200000000010000", "hex");
  const tags: Buffer[] = [];
  let outer = ethertype;
  for (let i = vlans.length - 1; i >= 0; i--) {
    const [tpid, vid] = vlans[i]!;
    tags.unshift(Buffer.concat([u16(vid), u16(outer)]));
    outer = tpid;
  }
  h.writeUInt16BE(outer, 12);
  return Buffer.concat([h, ...tags, payload]);
}

export function sll(payload: Buffer, proto = 0x0800): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(proto, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(payload: Buffer, proto = 0x0800): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(proto, 0);
  h.writeUInt32BE(1, 4);
  h.writeUInt16BE(1, 8);
  h[11] = 6;
  return Buffer.concat([h, payload]);
}

/** BSD loopback: family in host order (`le`) or network order (LOOP). */
export function nullLink(payload: Buffer, family: number, le: boolean): Buffer {
  return Buffer.concat([u32(family, le), payload]);
}

export function nbss(body: Buffer, type = 0): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h[1] = (body.length >> 16) & 0xff;
  h.writeUInt16BE(body.length & 0xffff, 2);
  return Buffer.concat([h, body]);
}

/** An SMB2-looking message of `len` bytes (magic + a tag byte for identification). */
export function smb2(len: number, tag = 0): Buffer {
  const b = Buffer.alloc(Math.max(len, 8));
  b.write("\xfeSMB", 0, "latin1");
  b[4] = 64;
  b[12] = tag & 0xff;
  for (let i = 64; i < b.length; i++) b[i] = (i * 7 + tag) & 0xff;
  return b;
}

export function pcap(
  recs: Rec[],
  o: { le?: boolean; nanos?: boolean; linktype?: number; modified?: boolean } = {},
): Buffer {
  const le = o.le ?? true;
  const magic = o.modified ? 0xa1b2cd34 : o.nanos ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts: Buffer[] = [
    u32(magic, le),
    u16(2, le),
    u16(4, le),
    u32(0, le),
    u32(0, le),
    u32(262144, le),
    u32(o.linktype ?? 1, le),
  ];
  for (const r of recs) {
    const frac = o.nanos ? (r.nanos ?? 0) : Math.floor((r.nanos ?? 0) / 1000);
    parts.push(
      u32(r.sec ?? 0, le),
      u32(frac, le),
      u32(r.data.length, le),
      u32(r.origLen ?? r.data.length, le),
    );
    if (o.modified) parts.push(Buffer.alloc(8));
    parts.push(r.data);
  }
  return Buffer.concat(parts);
}

function pad4(b: Buffer): Buffer {
  return b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b;
}

export function block(type: number, body: Buffer, le: boolean): Buffer {
  const b = pad4(body);
  return Buffer.concat([u32(type, le), u32(b.length + 12, le), b, u32(b.length + 12, le)]);
}

export interface IfaceSpec {
  linktype: number;
  /** if_tsresol byte (e.g. 6 = µs, 9 = ns, 0x80|20 = 2^-20 s); omitted = default µs. */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: number;
}

export type NgBlock =
  | { kind: "epb"; rec: Rec }
  | { kind: "spb"; rec: Rec }
  | { kind: "pb"; rec: Rec }
  | { kind: "raw"; type: number; body: Buffer };

export function pcapngSection(o: { le?: boolean; ifaces: IfaceSpec[]; blocks: NgBlock[] }): Buffer {
  const le = o.le ?? true;
  const opt = (code: number, v: Buffer) => pad4(Buffer.concat([u16(code, le), u16(v.length, le), v]));
  const parts: Buffer[] = [
    block(
      0x0a0d0d0a,
      Buffer.concat([u32(0x1a2b3c4d, le), u16(1, le), u16(0, le), u32(0xffffffff, le), u32(0xffffffff, le)]),
      le,
    ),
  ];
  const units: number[] = [];
  for (const f of o.ifaces) {
    const opts: Buffer[] = [];
    if (f.tsresol !== undefined) opts.push(opt(9, Buffer.from([f.tsresol])));
    if (f.tsoffset !== undefined) {
      const b = Buffer.alloc(8);
      if (le) b.writeBigInt64LE(BigInt(f.tsoffset));
      else b.writeBigInt64BE(BigInt(f.tsoffset));
      opts.push(opt(14, b));
    }
    if (opts.length) opts.push(Buffer.alloc(4));
    parts.push(block(1, Buffer.concat([u16(f.linktype, le), u16(0, le), u32(0, le), ...opts]), le));
    const r = f.tsresol ?? 6;
    units.push(r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r);
  }
  for (const b of o.blocks) {
    if (b.kind === "raw") {
      parts.push(block(b.type, b.body, le));
      continue;
    }
    const r = b.rec;
    const orig = r.origLen ?? r.data.length;
    if (b.kind === "spb") {
      parts.push(block(3, Buffer.concat([u32(orig, le), r.data]), le));
      continue;
    }
    const u = BigInt(units[r.iface ?? 0] ?? 1e6);
    const ts = BigInt(r.sec ?? 0) * u + (BigInt(r.nanos ?? 0) * u) / 1000000000n;
    const hi = Number(ts >> 32n);
    const lo = Number(ts & 0xffffffffn);
    const head =
      b.kind === "epb" ? u32(r.iface ?? 0, le) : Buffer.concat([u16(r.iface ?? 0, le), u16(0, le)]);
    parts.push(
      block(
        b.kind === "epb" ? 6 : 2,
        Buffer.concat([head, u32(hi, le), u32(lo, le), u32(r.data.length, le), u32(orig, le), r.data]),
        le,
      ),
    );
  }
  return Buffer.concat(parts);
}

/** A TCP conversation generator: keeps sequence numbers for a client and a server. */
export class Flow {
  cseq = 1000;
  sseq = 5000;
  constructor(
    readonly client = "10.0.0.1",
    readonly server = "10.0.0.2",
    readonly cport = 50000,
    readonly sport = 445,
  ) {}

  /** IPv4 packet of a client (c=true) or server segment; advances that side's sequence number. */
  seg(
    c: boolean,
    payload: Buffer = Buffer.alloc(0),
    flags = TCP.ACK | (payload.length ? TCP.PSH : 0),
    seq?: number,
  ): Buffer {
    const s = seq ?? (c ? this.cseq : this.sseq);
    const t = tcp({
      sport: c ? this.cport : this.sport,
      dport: c ? this.sport : this.cport,
      seq: s,
      ack: c ? this.sseq : this.cseq,
      flags,
      payload,
    });
    if (seq === undefined) {
      const adv = payload.length + (flags & (TCP.SYN | TCP.FIN) ? 1 : 0);
      if (c) this.cseq = (this.cseq + adv) >>> 0;
      else this.sseq = (this.sseq + adv) >>> 0;
    }
    return ipv4({ src: c ? this.client : this.server, dst: c ? this.server : this.client, payload: t });
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(): Buffer[] {
    return [
      this.seg(true, undefined, TCP.SYN),
      this.seg(false, undefined, TCP.SYN | TCP.ACK),
      this.seg(true),
    ];
  }
}
