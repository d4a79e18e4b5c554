// Rewrite the private smbd port to 445 in a classic pcap so tools that only know the well-known port
// (tshark without `-d tcp.port==N,nbss`) dissect the capture as SMB.
import { readFileSync, writeFileSync } from "node:fs";

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;

/** RFC 1624 incremental checksum update for one 16-bit word changing from `from` to `to`. */
function csumUpdate(csum: number, from: number, to: number): number {
  let sum = (~csum & 0xffff) + (~from & 0xffff) + to;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Returns the offset of the TCP header inside a frame, or -1 when it is not IPv4/IPv6 TCP. */
function tcpOffset(frame: Buffer, linktype: number): number {
  let off: number;
  let ethertype: number;
  if (linktype === LINKTYPE_ETHERNET) {
    if (frame.length < 14) return -1;
    ethertype = frame.readUInt16BE(12);
    off = 14;
  } else if (linktype === LINKTYPE_LINUX_SLL) {
    if (frame.length < 16) return -1;
    ethertype = frame.readUInt16BE(14);
    off = 16;
  } else if (linktype === LINKTYPE_RAW) {
    if (frame.length < 1) return -1;
    ethertype = frame[0] >> 4 === 6 ? 0x86dd : 0x0800;
    off = 0;
  } else return -1;
  if (ethertype === 0x0800) {
    if (frame.length < off + 20 || frame[off + 9] !== 6) return -1;
    return off + (frame[off] & 0x0f) * 4;
  }
  if (ethertype === 0x86dd) {
    // Loopback traffic carries no extension headers; anything else is left untouched.
    if (frame.length < off + 40 || frame[off + 6] !== 6) return -1;
    return off + 40;
  }
  return -1;
}

/** Replace TCP port `from` by `to` (both directions) in every frame; returns the number of frames changed. */
export function rewritePort(file: string, from: number, to = 445): number {
  const buf = readFileSync(file);
  if (buf.length < 24) return 0;
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`${file}: not a classic pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0x0fffffff;
  let changed = 0;
  let pos = 24;
  while (pos + 16 <= buf.length) {
    const incl = u32(pos + 8);
    const start = pos + 16;
    const end = start + incl;
    if (end > buf.length) break; // truncated last record: leave as is
    const frame = buf.subarray(start, end);
    const t = tcpOffset(frame, linktype);
    if (t >= 0 && frame.length >= t + 18) {
      let touched = false;
      for (const portOff of [t, t + 2]) {
        if (frame.readUInt16BE(portOff) === from) {
          frame.writeUInt16BE(to, portOff);
          frame.writeUInt16BE(csumUpdate(frame.readUInt16BE(t + 16), from, to), t + 16);
          touched = true;
        }
      }
      if (touched) changed++;
    }
    pos = end;
  }
  writeFileSync(file, buf);
  return changed;
}
