/**
 * Link layers and IP: finds the IPv4/IPv6 header in a frame, walks IP options and IPv6 extension
 * headers, and reassembles IP fragments (bounded), handing TCP segments to a callback.
 */

/** A piece of a reassembled IP payload: bytes [at, at+len) of the payload are at file offset `off`. */
export interface Piece {
  at: number;
  off: number;
  len: number;
}

export const EtherType = { IPv4: 0x0800, IPv6: 0x86dd } as const;

/** Link types we decode (LINKTYPE_* values). */
export const LinkType = {
  Null: 0,
  Ethernet: 1,
  Raw12: 12,
  Raw14: 14,
  Raw: 101,
  Loop: 108,
  Sll: 113,
  Ipv4: 228,
  Ipv6: 229,
  Sll2: 276,
} as const;

/** BSD address family values for IPv6 (Linux 10, BSDs 24/28/30). */
function isAfInet6(v: number): boolean {
  return v === 24 || v === 28 || v === 30 || v === 10;
}

function isVlan(t: number): boolean {
  return t === 0x8100 || t === 0x88a8 || t === 0x9100;
}

/**
 * Locates the network header: returns its offset in `b` and sets `out.proto` to 4, 6 or 0 (not
 * IP); returns -1 when the link type is not supported or the frame is too short.
 */
export function linkLayer(
  b: Buffer,
  p: number,
  end: number,
  linktype: number,
  out: { proto: number },
): number {
  let et: number;
  switch (linktype) {
    case LinkType.Ethernet:
      if (end - p < 14) return -1;
      et = b.readUInt16BE(p + 12);
      p += 14;
      break;
    case LinkType.Sll:
      if (end - p < 16) return -1;
      et = b.readUInt16BE(p + 14);
      p += 16;
      break;
    case LinkType.Sll2:
      if (end - p < 20) return -1;
      et = b.readUInt16BE(p);
      p += 20;
      break;
    case LinkType.Raw:
    case LinkType.Raw12:
    case LinkType.Raw14:
    case LinkType.Ipv4:
    case LinkType.Ipv6: {
      if (end - p < 1) return -1;
      const v = b[p]! >> 4;
      out.proto = v === 4 || v === 6 ? v : 0;
      return p;
    }
    case LinkType.Null:
    case LinkType.Loop: {
      if (end - p < 4) return -1;
      // DLT_NULL is host byte order, DLT_LOOP network order; accept either for both.
      let fam = linktype === LinkType.Loop ? b.readUInt32BE(p) : b.readUInt32LE(p);
      if (fam > 0xffff) fam = linktype === LinkType.Loop ? b.readUInt32LE(p) : b.readUInt32BE(p);
      out.proto = fam === 2 ? 4 : isAfInet6(fam) ? 6 : 0;
      return p + 4;
    }
    default:
      out.proto = 0;
      return -1;
  }
  while (isVlan(et)) {
    if (end - p < 4) return -1;
    et = b.readUInt16BE(p + 2);
    p += 4;
  }
  out.proto = et === EtherType.IPv4 ? 4 : et === EtherType.IPv6 ? 6 : 0;
  return p;
}

interface Frag {
  at: number;
  data: Buffer;
  pieces: Piece[];
}

interface Datagram {
  frags: Frag[];
  /** Total payload length once the last fragment arrived, else -1. */
  total: number;
  bytes: number;
  /** IPv6: next header of the fragmentable part. */
  next: number;
  frames: number[];
}

const MAX_DATAGRAMS = 256;
const MAX_DATAGRAM = 1 << 18;

/** Bounded IP fragment reassembly (first-come bytes win on overlap). */
export class Defrag {
  private readonly pending = new Map<string, Datagram>();
  /** After add() returned a buffer: where its bytes are in the file, and the frames that carried it. */
  pieces: Piece[] = [];
  frames: number[] = [];
  next = 0;
  dropped = 0;

  /**
   * Adds fragment bytes b[p, end) at payload offset `at` (file offset `fileOff` of b[p]); returns
   * the whole payload when this fragment completes the datagram, else undefined.
   */
  add(
    key: string,
    at: number,
    more: boolean,
    b: Buffer,
    p: number,
    end: number,
    fileOff: number,
    next: number,
    frame: number,
    srcPieces?: Piece[],
  ): Buffer | undefined {
    let d = this.pending.get(key);
    if (!d) {
      if (this.pending.size >= MAX_DATAGRAMS) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
        this.dropped++;
      }
      d = { frags: [], total: -1, bytes: 0, next: -1, frames: [] };
      this.pending.set(key, d);
    }
    const len = end - p;
    if (at + len > MAX_DATAGRAM) {
      this.pending.delete(key);
      this.dropped++;
      return undefined;
    }
    if (at === 0) d.next = next;
    if (!more) d.total = at + len;
    const pieces = srcPieces ?? [{ at: 0, off: fileOff, len }];
    d.frags.push({ at, data: Buffer.from(b.subarray(p, end)), pieces });
    d.bytes += len;
    if (d.frames[d.frames.length - 1] !== frame) d.frames.push(frame);
    if (d.total < 0 || d.bytes < d.total) return undefined;
    d.frags.sort((x, y) => x.at - y.at);
    let have = 0;
    for (const f of d.frags) {
      if (f.at > have) return undefined; // hole
      have = Math.max(have, f.at + f.data.length);
    }
    if (have < d.total) return undefined;
    this.pending.delete(key);
    const out = Buffer.alloc(d.total);
    const outPieces: Piece[] = [];
    let filled = 0;
    for (const f of d.frags) {
      const from = Math.max(filled, f.at);
      const to = Math.min(d.total, f.at + f.data.length);
      if (to <= from) continue;
      f.data.copy(out, from, from - f.at, to - f.at);
      mapPieces(f.pieces, from - f.at, to - from, from, outPieces);
      filled = to;
    }
    this.pieces = outPieces;
    this.frames = d.frames;
    this.next = d.next;
    return out;
  }
}

/** Appends to `out` the file pieces of bytes [rel, rel+len) of a buffer described by `src`, placed at `at`. */
export function mapPieces(src: Piece[], rel: number, len: number, at: number, out: Piece[]): void {
  const end = rel + len;
  for (const s of src) {
    const a = Math.max(rel, s.at);
    const z = Math.min(end, s.at + s.len);
    if (z <= a) continue;
    const off = s.off + (a - s.at);
    const pos = at + (a - rel);
    const last = out[out.length - 1];
    if (last && last.off + last.len === off && last.at + last.len === pos) last.len += z - a;
    else out.push({ at: pos, off, len: z - a });
  }
}
