/**
 * Lower-layer trees (frame, eth, vlan, sll, null, ip/ipv6, tcp, nbss) of one frame, with
 * Wireshark's field names and label styles, for `--all-layers` views. Offsets are into the frame's
 * bytes (the nbss node's offsets are into the PDU's bytes, where its header is). Stateless: TCP
 * sequence numbers are the raw ones (tcp.seq_raw / tcp.ack_raw).
 */
import { formatAbsTime, hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import { NBSS_TYPES } from "../nbss/session.js";
import { LinkType } from "./net.js";
import { formatAddr } from "./tcp.js";

export interface LayerFrame {
  data: Buffer;
  linktype: number;
  time: number;
  nanos: number;
  origLen: number;
}

const ENCAP: Record<number, string> = {
  0: "NULL/Loopback",
  1: "Ethernet",
  12: "Raw IP",
  14: "Raw IP",
  101: "Raw IP",
  108: "OpenBSD loopback",
  113: "Linux cooked-mode capture v1",
  228: "Raw IPv4",
  229: "Raw IPv6",
  276: "Linux cooked-mode capture v2",
};
const ETYPES: Record<number, string> = {
  2048: "IPv4",
  34525: "IPv6",
  33024: "802.1Q Virtual LAN",
  2054: "ARP",
};
const IPPROTO: Record<number, string> = {
  6: "TCP",
  17: "UDP",
  1: "ICMP",
  58: "ICMPv6",
  0: "IPv6 Hop-by-Hop Option",
};

const mac = (b: Buffer, p: number) =>
  [...b.subarray(p, p + 6)].map((x) => x.toString(16).padStart(2, "0")).join(":");

function leaf(
  name: string,
  label: string,
  show: string,
  value: string | number,
  at: number,
  len: number,
): FieldNode {
  return node(name, `${label}: ${show}`, show, value, at, len);
}

function tree(name: string, label: string, at: number, len: number, children: FieldNode[]): FieldNode {
  const n = node(name, label, "", "", at, len);
  n.children = children;
  return n;
}

/** The nbss node of a PDU (header fields; it spans the 4-byte header and `length` body bytes). */
export function nbssHeaderNode(type: number, length: number): FieldNode {
  return tree("nbss", "NetBIOS Session Service", 0, 4 + length, [
    node(
      "nbss.type",
      `Message Type: ${NBSS_TYPES[type] ?? "Unknown"} (${hexN(type, 2)})`,
      hexN(type, 2),
      type,
      0,
      1,
    ),
    leaf("nbss.length", "Length", String(length), length, 1, 3),
  ]);
}

/** The layer trees of frame number `n`; with `nbss`, the node of that PDU's NBSS header. */
export function dissectLayers(
  frame: LayerFrame,
  n: number,
  nbss?: { type: number; length: number },
): FieldNode[] {
  const b = frame.data;
  const end = b.length;
  const out: FieldNode[] = [];
  const cap = b.length;
  const secs = Math.floor(frame.time);
  const when = formatAbsTime(BigInt(secs), frame.nanos);
  const epoch = `${secs}.${String(frame.nanos).padStart(9, "0")}`;
  out.push(
    tree(
      "frame",
      `Frame ${n}: ${frame.origLen} bytes on wire (${frame.origLen * 8} bits), ${cap} bytes captured (${cap * 8} bits)`,
      0,
      cap,
      [
        node(
          "frame.encap_type",
          `Encapsulation type: ${ENCAP[frame.linktype] ?? "Unknown"} (${frame.linktype})`,
          String(frame.linktype),
          frame.linktype,
          0,
          0,
        ),
        leaf("frame.time", "Arrival Time", when, when, 0, 0),
        node("frame.time_epoch", `Epoch Time: ${epoch} seconds`, epoch, epoch, 0, 0),
        leaf("frame.number", "Frame Number", String(n), n, 0, 0),
        node(
          "frame.len",
          `Frame Length: ${frame.origLen} bytes (${frame.origLen * 8} bits)`,
          String(frame.origLen),
          frame.origLen,
          0,
          0,
        ),
        node("frame.cap_len", `Capture Length: ${cap} bytes (${cap * 8} bits)`, String(cap), cap, 0, 0),
      ],
    ),
  );
  try {
    let p = 0;
    let et = -1;
    let proto = 0;
    switch (frame.linktype) {
      case LinkType.Ethernet: {
        if (end < 14) throw short(out, "eth", p, end);
        et = b.readUInt16BE(12);
        out.push(
          tree("eth", `Ethernet II, Src: ${mac(b, 6)}, Dst: ${mac(b, 0)}`, 0, 14, [
            leaf("eth.dst", "Destination", mac(b, 0), mac(b, 0), 0, 6),
            leaf("eth.src", "Source", mac(b, 6), mac(b, 6), 6, 6),
            typeNode("eth.type", et, 12),
          ]),
        );
        p = 14;
        break;
      }
      case LinkType.Sll:
      case LinkType.Sll2: {
        const v2 = frame.linktype === LinkType.Sll2;
        const hl = v2 ? 20 : 16;
        if (end < hl) throw short(out, v2 ? "sll" : "sll", p, end);
        et = b.readUInt16BE(v2 ? 0 : 14);
        out.push(
          tree("sll", `Linux cooked capture ${v2 ? "v2" : "v1"}`, 0, hl, [
            leaf(
              "sll.pkttype",
              "Packet type",
              String(b.readUInt16BE(v2 ? 10 : 0) & (v2 ? 0xff : 0xffff)),
              0,
              v2 ? 10 : 0,
              v2 ? 1 : 2,
            ),
            node(
              "sll.etype",
              `Protocol: ${ETYPES[et] ?? "Unknown"} (${hexN(et, 4)})`,
              hexN(et, 4),
              et,
              v2 ? 0 : 14,
              2,
            ),
          ]),
        );
        p = hl;
        break;
      }
      case LinkType.Null:
      case LinkType.Loop: {
        if (end < 4) throw short(out, "null", p, end);
        let fam = frame.linktype === LinkType.Loop ? b.readUInt32BE(0) : b.readUInt32LE(0);
        if (fam > 0xffff) fam = frame.linktype === LinkType.Loop ? b.readUInt32LE(0) : b.readUInt32BE(0);
        const fname = fam === 2 ? "IP" : [10, 24, 28, 30].includes(fam) ? "IPv6" : "Unknown";
        out.push(
          tree("null", "Null/Loopback", 0, 4, [
            node("null.family", `Family: ${fname} (${fam})`, String(fam), fam, 0, 4),
          ]),
        );
        proto = fam === 2 ? 4 : fname === "IPv6" ? 6 : 0;
        p = 4;
        break;
      }
      default: {
        const v = end > 0 ? b[0]! >> 4 : 0;
        proto = v === 4 || v === 6 ? v : 0;
      }
    }
    while (et === 0x8100 || et === 0x88a8 || et === 0x9100) {
      if (end - p < 4) throw short(out, "vlan", p, end);
      const tci = b.readUInt16BE(p);
      const inner = b.readUInt16BE(p + 2);
      out.push(
        tree(
          "vlan",
          `802.1Q Virtual LAN, PRI: ${tci >> 13}, DEI: ${(tci >> 12) & 1}, ID: ${tci & 0xfff}`,
          p,
          4,
          [
            leaf("vlan.id", "ID", String(tci & 0xfff), tci & 0xfff, p, 2),
            typeNode("vlan.etype", inner, p + 2),
          ],
        ),
      );
      et = inner;
      p += 4;
    }
    if (et === 0x0800) proto = 4;
    else if (et === 0x86dd) proto = 6;
    let l4 = -1;
    let l4end = end;
    let next = -1;
    let src = "";
    let dst = "";
    if (proto === 4) {
      if (end - p < 20) throw short(out, "ip", p, end);
      const ihl = (b[p]! & 15) * 4;
      const tot = b.readUInt16BE(p + 2);
      const frag = b.readUInt16BE(p + 6);
      next = b[p + 9]!;
      src = formatAddr(b.readUInt32BE(p + 12));
      dst = formatAddr(b.readUInt32BE(p + 16));
      const id = b.readUInt16BE(p + 4);
      out.push(
        tree("ip", `Internet Protocol Version 4, Src: ${src}, Dst: ${dst}`, p, ihl, [
          node("ip.version", `0100 .... = Version: 4`, "4", 4, p, 1),
          node(
            "ip.hdr_len",
            `.... ${(ihl / 4).toString(2).padStart(4, "0")} = Header Length: ${ihl} bytes (${ihl / 4})`,
            String(ihl),
            ihl,
            p,
            1,
          ),
          leaf("ip.len", "Total Length", String(tot), tot, p + 2, 2),
          node("ip.id", `Identification: ${hexN(id, 4)} (${id})`, hexN(id, 4), id, p + 4, 2),
          node("ip.flags", `Flags: ${hexN(frag >> 13, 2)}`, hexN(frag >> 13, 2), frag >> 13, p + 6, 1),
          leaf(
            "ip.frag_offset",
            "Fragment Offset",
            String((frag & 0x1fff) * 8),
            (frag & 0x1fff) * 8,
            p + 6,
            2,
          ),
          leaf("ip.ttl", "Time to Live", String(b[p + 8]), b[p + 8]!, p + 8, 1),
          node("ip.proto", `Protocol: ${IPPROTO[next] ?? "Unknown"} (${next})`, String(next), next, p + 9, 1),
          leaf("ip.src", "Source Address", src, src, p + 12, 4),
          leaf("ip.dst", "Destination Address", dst, dst, p + 16, 4),
        ]),
      );
      if (tot >= ihl && p + tot < end) l4end = p + tot;
      if ((frag & 0x1fff) === 0) l4 = p + ihl;
    } else if (proto === 6) {
      if (end - p < 40) throw short(out, "ipv6", p, end);
      const plen = b.readUInt16BE(p + 4);
      next = b[p + 6]!;
      src = formatAddr(b.toString("latin1", p + 8, p + 24));
      dst = formatAddr(b.toString("latin1", p + 24, p + 40));
      out.push(
        tree("ipv6", `Internet Protocol Version 6, Src: ${src}, Dst: ${dst}`, p, 40, [
          node("ipv6.version", "0110 .... = Version: 6", "6", 6, p, 1),
          leaf("ipv6.plen", "Payload Length", String(plen), plen, p + 4, 2),
          node(
            "ipv6.nxt",
            `Next Header: ${IPPROTO[next] ?? "Unknown"} (${next})`,
            String(next),
            next,
            p + 6,
            1,
          ),
          leaf("ipv6.hlim", "Hop Limit", String(b[p + 7]), b[p + 7]!, p + 7, 1),
          leaf("ipv6.src", "Source Address", src, src, p + 8, 16),
          leaf("ipv6.dst", "Destination Address", dst, dst, p + 24, 16),
        ]),
      );
      if (plen > 0 && p + 40 + plen < end) l4end = p + 40 + plen;
      let q = p + 40;
      for (let i = 0; i < 8 && (next === 0 || next === 43 || next === 60) && q + 8 <= end; i++) {
        next = b[q]!;
        q += (b[q + 1]! + 1) * 8;
      }
      if (next !== 44) l4 = q;
    }
    if (l4 >= 0 && next === 6) {
      if (l4end - l4 < 20) throw short(out, "tcp", l4, l4end);
      const sp = b.readUInt16BE(l4);
      const dp = b.readUInt16BE(l4 + 2);
      const seq = b.readUInt32BE(l4 + 4);
      const ack = b.readUInt32BE(l4 + 8);
      const hl = (b[l4 + 12]! >> 4) * 4;
      const flags = ((b[l4 + 12]! & 1) << 8) | b[l4 + 13]!;
      const len = Math.max(0, l4end - l4 - hl);
      const names = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE"];
      const set = names.filter((_, i) => flags & (1 << i));
      const flagKids = ["fin", "syn", "reset", "push", "ack", "urg", "ece", "cwr", "ae"].map((f, i) =>
        node(
          `tcp.flags.${f}`,
          `${names[i]}: ${flags & (1 << i) ? "Set" : "Not set"}`,
          flags & (1 << i) ? "1" : "0",
          (flags >> i) & 1,
          l4 + 12,
          2,
        ),
      );
      const fl = node(
        "tcp.flags",
        `Flags: ${hexN(flags, 3)} (${set.join(", ")})`,
        hexN(flags, 3),
        flags,
        l4 + 12,
        2,
      );
      fl.children = flagKids;
      out.push(
        tree("tcp", `Transmission Control Protocol, Src Port: ${sp}, Dst Port: ${dp}, Len: ${len}`, l4, hl, [
          leaf("tcp.srcport", "Source Port", String(sp), sp, l4, 2),
          leaf("tcp.dstport", "Destination Port", String(dp), dp, l4 + 2, 2),
          node("tcp.len", `[TCP Segment Len: ${len}]`, String(len), len, l4, 0, FieldFlag.Generated),
          leaf("tcp.seq_raw", "Sequence Number (raw)", String(seq), seq, l4 + 4, 4),
          leaf("tcp.ack_raw", "Acknowledgment number (raw)", String(ack), ack, l4 + 8, 4),
          node("tcp.hdr_len", `Header Length: ${hl} bytes (${hl / 4})`, String(hl), hl, l4 + 12, 1),
          fl,
          leaf(
            "tcp.window_size_value",
            "Window",
            String(b.readUInt16BE(l4 + 14)),
            b.readUInt16BE(l4 + 14),
            l4 + 14,
            2,
          ),
        ]),
      );
    }
  } catch (e) {
    if (!(e instanceof ShortLayer)) throw e;
  }
  if (nbss) out.push(nbssHeaderNode(nbss.type, nbss.length));
  return out;
}

function typeNode(name: string, et: number, at: number): FieldNode {
  return node(name, `Type: ${ETYPES[et] ?? "Unknown"} (${hexN(et, 4)})`, hexN(et, 4), et, at, 2);
}

class ShortLayer extends Error {}

/** Appends a truncated-layer marker; returns the error that stops the walk. */
function short(out: FieldNode[], name: string, at: number, end: number): ShortLayer {
  out.push(node(name, `${name} [truncated]`, "", "", at, Math.max(0, end - at), FieldFlag.Short));
  return new ShortLayer();
}
