/**
 * Just enough link/IP/TCP parsing for the fuzzer to find a frame's TCP payload and to rewrite it
 * with a payload of another length (IP lengths fixed up), plus a builder for synthetic Ethernet/IPv4
 * TCP segments of a made-up connection.
 */

export interface TcpLoc {
  /** Offset of the IP header. */
  ip: number;
  v: 4 | 6;
  tcp: number;
  payload: number;
  /** End of the TCP payload (by the IP length, clipped to the captured bytes). */
  end: number;
  seq: number;
  flags: number;
  /** Connection key (addresses and ports, direction-independent). */
  conn: string;
  /** Direction key (source address and port). */
  dir: string;
}

function ipOffset(linktype: number, d: Buffer): number {
  switch (linktype) {
    case 1: {
      let o = 12;
      let et = d.length >= 14 ? d.readUInt16BE(12) : 0;
      while ((et === 0x8100 || et === 0x88a8) && o + 6 <= d.length) {
        o += 4;
        et = d.readUInt16BE(o);
      }
      return et === 0x0800 || et === 0x86dd ? o + 2 : -1;
    }
    case 113:
      return d.length >= 16 ? 16 : -1;
    case 276:
      return d.length >= 20 ? 20 : -1;
    case 0:
    case 108:
      return d.length >= 4 ? 4 : -1;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return 0;
    default:
      return -1;
  }
}

/** The TCP segment of a frame, or undefined (not TCP, fragmented, truncated headers). */
export function locateTcp(linktype: number, d: Buffer): TcpLoc | undefined {
  const ip = ipOffset(linktype, d);
  if (ip < 0 || ip + 20 > d.length) return undefined;
  const ver = d[ip]! >> 4;
  let tcp: number;
  let end: number;
  let src: string;
  let dst: string;
  if (ver === 4) {
    const ihl = (d[ip]! & 15) * 4;
    if (ihl < 20 || d[ip + 9] !== 6) return undefined;
    if (d.readUInt16BE(ip + 6) & 0x3fff) return undefined; // fragment
    tcp = ip + ihl;
    end = Math.min(d.length, ip + d.readUInt16BE(ip + 2));
    src = d.subarray(ip + 12, ip + 16).toString("hex");
    dst = d.subarray(ip + 16, ip + 20).toString("hex");
  } else if (ver === 6) {
    if (ip + 40 > d.length || d[ip + 6] !== 6) return undefined;
    tcp = ip + 40;
    end = Math.min(d.length, ip + 40 + d.readUInt16BE(ip + 4));
    src = d.subarray(ip + 8, ip + 24).toString("hex");
    dst = d.subarray(ip + 24, ip + 40).toString("hex");
  } else return undefined;
  if (tcp + 20 > end) return undefined;
  const hl = (d[tcp + 12]! >> 4) * 4;
  if (hl < 20 || tcp + hl > end) return undefined;
  const a = `${src}:${d.readUInt16BE(tcp)}`;
  const b = `${dst}:${d.readUInt16BE(tcp + 2)}`;
  return {
    ip,
    v: ver,
    tcp,
    payload: tcp + hl,
    end,
    seq: d.readUInt32BE(tcp + 4),
    flags: d[tcp + 13]!,
    conn: a < b ? `${a}-${b}` : `${b}-${a}`,
    dir: a,
  };
}

/** The frame with its TCP payload replaced (IP lengths adjusted; checksums are left as they are). */
export function withPayload(d: Buffer, loc: TcpLoc, payload: Buffer, seq?: number): Buffer {
  const out = Buffer.concat([d.subarray(0, loc.payload), payload]);
  if (loc.v === 4) out.writeUInt16BE(Math.min(0xffff, out.length - loc.ip), loc.ip + 2);
  else out.writeUInt16BE(Math.min(0xffff, out.length - loc.ip - 40), loc.ip + 4);
  if (seq !== undefined) out.writeUInt32BE(seq >>> 0, loc.tcp + 4);
  return out;
}

/** A synthetic Ethernet/IPv4/TCP frame (PSH|ACK unless `flags` says otherwise). */
export function ethTcp(
  src: [number, number],
  dst: [number, number],
  seq: number,
  ack: number,
  payload: Buffer,
  flags = 0x18,
): Buffer {
  const eth = Buffer.from("0200000000020200000000010800", "hex");
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(Math.min(0xffff, 40 + payload.length), 2);
  ip[8] = 64;
  ip[9] = 6;
  ip.writeUInt32BE(src[0] >>> 0, 12);
  ip.writeUInt32BE(dst[0] >>> 0, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(src[1], 0);
  tcp.writeUInt16BE(dst[1], 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 0x50;
  tcp[13] = flags;
  tcp.writeUInt16BE(0xffff, 14);
  return Buffer.concat([eth, ip, tcp, payload]);
}
