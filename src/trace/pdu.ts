import { FieldFlag, type FieldNode, fromSource, node } from "../dissect/tree.js";
import { dissectSmb1, type Smb1State } from "../smb1/dissect.js";
import { dissectSmb2, type Smb2Ctx } from "../smb2/dissect.js";
import {
  SMB1_MAGIC,
  SMB2_COMPRESSION_MAGIC,
  SMB2_MAGIC,
  SMB2_TRANSFORM_MAGIC,
  sessionAuthFrame,
} from "../smb2/header.js";
import type { Smb2State } from "../smb2/state.js";
import type { Security } from "./security.js";
import { type ByteSource, blankMessage, type MessageInfo, MsgFlag, type PduPlace } from "./types.js";

export interface PduCtx {
  smb2: Smb2State;
  smb1: Smb1State;
  frame: number;
  conn: number;
  time: number;
  light: boolean;
  first: boolean;
  /** Decrypts/decompresses transforms and follows the preauth hash chain. */
  security: Security;
  /**
   * Full trees: collects the plaintexts that transforms produce, in order (the packet's byte
   * sources after its PDUs, see Trace.byteSources); nodes dissected from the k-th get
   * `src = srcBase + k`, their offsets being into it.
   */
  plains?: ByteSource[];
  srcBase?: number;
  /** First pass: where this PDU is in the file (a multi-part SMB1 transaction notes its pieces'). */
  place?: PduPlace;
  /** Full trees: a PDU read back from its place (the other pieces of such a transaction). */
  readPlace?: (p: PduPlace) => Buffer;
}

export interface TransformResult {
  /** The plain SMB2 message(s), or undefined when it could not be decrypted. */
  plain?: Buffer;
  /** Tree of the transform header (always shown). */
  nodes: FieldNode[];
  /** Why the payload stays opaque (`no key for session 0x...`, `authentication tag mismatch: wrong key?`). */
  error?: string;
  flag: number;
}

export function magicOf(data: Buffer): number {
  return data.length >= 4 ? data.readUInt32LE(0) : 0;
}

export function isSmbMagic(m: number): boolean {
  return m === SMB2_MAGIC || m === SMB2_TRANSFORM_MAGIC || m === SMB2_COMPRESSION_MAGIC || m === SMB1_MAGIC;
}

/** Dissects one PDU; returns the field nodes (empty in light mode) and one MessageInfo per message. */
export function dissectPdu(
  data: Buffer,
  ctx: PduCtx,
  out: FieldNode[],
  infos: MessageInfo[],
  depth = 0,
): void {
  const start = infos.length;
  dissectPduInner(data, ctx, out, infos, depth);
  if (depth === 0 && infos.length > start) infos[start]!.flags |= MsgFlag.PduStart;
}

function dissectPduInner(
  data: Buffer,
  ctx: PduCtx,
  out: FieldNode[],
  infos: MessageInfo[],
  depth: number,
): void {
  const magic = magicOf(data);
  if (magic === SMB2_MAGIC) {
    ctx.security.observe(data, ctx);
    const first = out.length;
    const cut = snapCut(data);
    const start = infos.length;
    // One object shape for every PDU (a spread copy made a second shape and slowed every ctx read
    // 2.5x); a plain PDU is at its place in the file, a transform's plaintext is not.
    const top = depth === 0;
    const s2: Smb2Ctx = {
      state: ctx.smb2,
      frame: ctx.frame,
      conn: ctx.conn,
      time: ctx.time,
      light: ctx.light,
      first: ctx.first,
      place: top ? ctx.place : undefined,
      readPlace: top ? ctx.readPlace : undefined,
      plains: top ? ctx.plains : undefined,
      srcBase: top ? ctx.srcBase : undefined,
    };
    dissectSmb2(cut, 0, s2, out, infos);
    const last = infos.length > start ? infos[infos.length - 1] : undefined;
    if (cut !== data && last) {
      last.flags |= MsgFlag.Malformed;
      if (!last.summary.includes(SHORT)) last.summary += SHORT;
      if (!ctx.light)
        out.push(
          node(
            "_ws.short",
            `${SHORT.slice(0, -1)}: SMB2 truncated]`,
            "",
            "",
            cut.length,
            0,
            FieldFlag.Malformed,
          ),
        );
    }
    if (!ctx.light && ctx.security.hasKeys) markSignatures(data, ctx, out.slice(first));
  } else if (magic === SMB1_MAGIC) {
    dissectSmb1(
      data,
      0,
      {
        state: ctx.smb1,
        frame: ctx.frame,
        conn: ctx.conn,
        time: ctx.time,
        light: ctx.light,
        first: ctx.first,
        place: ctx.place,
        readPlace: ctx.readPlace,
        plains: ctx.plains,
        srcBase: ctx.srcBase,
      },
      out,
      infos,
    );
  } else if ((magic === SMB2_TRANSFORM_MAGIC || magic === SMB2_COMPRESSION_MAGIC) && depth < 4) {
    const r = ctx.security.transform(data, ctx);
    const inner: MessageInfo[] = [];
    const innerNodes: FieldNode[] = [];
    // A compressed message that does not decompress (bad stream, output over the limit) is bad
    // data, unlike an encrypted one without its key.
    const bad = magic === SMB2_COMPRESSION_MAGIC && r.error !== undefined;
    let src = -1;
    if (r.plain && !ctx.light && ctx.plains) {
      src = (ctx.srcBase ?? 0) + ctx.plains.length;
      ctx.plains.push({
        label: magic === SMB2_TRANSFORM_MAGIC ? "Decrypted SMB3" : "Decompressed SMB3",
        bytes: r.plain,
        plain: true,
      });
    }
    if (r.plain) dissectPdu(r.plain, ctx, innerNodes, inner, depth + 1);
    // Nodes of a nested transform's plaintext already point at theirs (pushed after this one).
    if (src >= 0) fromSource(innerNodes, src);
    if (!ctx.light) {
      // As in Wireshark: the transform's smb2 node holds the header and then the inner messages.
      const top = node("smb2", "SMB2 (Server Message Block Protocol version 2)", "", "", 0, data.length);
      top.children = [...r.nodes];
      authFrameOfTransform(top.children, ctx.smb2, ctx.frame);
      if (r.error)
        top.children.push(
          node(
            "smbcmp.transform.error",
            `[${r.error}]`,
            r.error,
            r.error,
            -1,
            0,
            FieldFlag.Generated | (bad ? FieldFlag.Malformed : 0),
          ),
        );
      const holder = top.children.find((n) => n.name === "smbcmp.smb2.encrypted_data") ?? top;
      holder.children ??= [];
      for (const n of innerNodes) {
        n.flags = (n.flags ?? 0) | FieldFlag.Decrypted;
        holder.children.push(n);
      }
      out.push(top);
    }
    if (inner.length) {
      for (const m of inner) m.flags |= r.flag;
      // Wireshark's Info column marks the PDU's first message.
      if (r.flag === MsgFlag.Decrypted) inner[0]!.summary = `Decrypted SMB3;${inner[0]!.summary}`;
      infos.push(...inner);
    } else {
      const encrypted = magic === SMB2_TRANSFORM_MAGIC;
      infos.push(
        blankMessage(
          2,
          encrypted ? "Encrypted SMB3" : bad ? "Compressed SMB3 [Malformed Packet]" : "Compressed SMB3",
          encrypted ? MsgFlag.Encrypted : MsgFlag.Compressed | (bad ? MsgFlag.Malformed : 0),
          encrypted && data.length >= 52
            ? data.readBigUInt64LE(44).toString(16).padStart(16, "0")
            : undefined,
        ),
      );
    }
  } else {
    // Bytes that are no SMB message (e.g. what a compression transform decompressed to), or
    // transforms nested past the limit: shown in the tree too, not only in the list.
    if (!ctx.light) {
      const why =
        magic === SMB2_TRANSFORM_MAGIC || magic === SMB2_COMPRESSION_MAGIC
          ? "SMB2 transforms nested more than 4 deep"
          : `no SMB header (${data.length} bytes starting 0x${data.subarray(0, 4).toString("hex")})`;
      out.push(
        node("_ws.malformed", `[Malformed Packet: ${why}]`, why, why, 0, data.length, FieldFlag.Malformed),
      );
    }
    infos.push(blankMessage(2, "[Malformed Packet]", MsgFlag.Malformed));
  }
}

/**
 * A compound whose next header lies in an all-zero tail was cut by the snap length (the capture
 * layer reads lost bytes as zeros; a real header starts with 0xFE 'SMB'). Wireshark stops at the
 * first byte it lacks, so the zeros are dropped: the dissector then sees where the data ends
 * (at the latest; trailing zeros that were captured are dropped too).
 */
const SHORT = "[Packet size limited during capture]";

function snapCut(data: Buffer): Buffer {
  let at = 0;
  for (let guard = 0; guard < 1024 && at + 24 <= data.length; guard++) {
    const next = data.readUInt32LE(at + 20);
    if (!next || at + next >= data.length) return data;
    at += next;
    if (at + 4 <= data.length && data.readUInt32LE(at) === SMB2_MAGIC) continue;
    let end = data.length;
    while (end > 0 && data[end - 1] === 0) end--;
    return end <= at ? data.subarray(0, end) : data;
  }
  return data;
}

/** The transform header's Session Id shows the session's "Authenticated in Frame", as in Wireshark. */
function authFrameOfTransform(nodes: FieldNode[], state: Smb2State, frame: number): void {
  const hdr = nodes.find((n) => n.name === "smbcmp.smb2.transform");
  const ses = hdr?.children?.find((n) => n.name === "smb2.sesid");
  if (!ses) return;
  const auth = sessionAuthFrame(state, ses.show.replace(/^0x/, ""), frame);
  if (auth === undefined) return;
  ses.children ??= [];
  if (ses.children.some((n) => n.name === "smb2.auth_frame")) return;
  ses.children.push(
    node(
      "smb2.auth_frame",
      `Authenticated in Frame: ${auth}`,
      String(auth),
      auth,
      ses.offset,
      0,
      FieldFlag.Generated,
    ),
  );
}

/** Adds `smbcmp.signature_status` (good/bad/unknown) to the header of each signed message. */
function markSignatures(data: Buffer, ctx: PduCtx, nodes: FieldNode[]): void {
  const msgs = nodes.filter((n) => n.name === "smb2");
  let at = 0;
  for (const n of msgs) {
    if (at + 64 > data.length || data.readUInt32LE(at) !== SMB2_MAGIC) break;
    const next = data.readUInt32LE(at + 20);
    const end = next && at + next <= data.length ? at + next : data.length;
    const flags = data.readUInt32LE(at + 16);
    const sesId = data.readBigUInt64LE(at + 40);
    if (flags & 8 && sesId !== 0n) {
      const status = ctx.security.signatureStatus(data.subarray(at, end), sesId, ctx.conn);
      const header = n.children?.find((c) => c.name === "smbcmp.smb2.header");
      header?.children?.push(
        node("smbcmp.signature_status", `[Signature: ${status}]`, status, status, -1, 0, FieldFlag.Generated),
      );
    }
    if (!next) break;
    at = end;
  }
}

/** How a frame's PDUs sit in its TCP payload, which changes Wireshark's Info column. */
export interface PacketLayout {
  /** The frame's first PDU began in an earlier frame (it completes a TCP reassembly here). */
  firstReassembled?: boolean;
  /** The frame also carries the start of a PDU that a later frame completes. */
  trailingStart?: boolean;
}

/** What Wireshark's NBSS dissector writes in Info before handing a session message on. */
export const NBSS_SESSION_MESSAGE = "Session message";

/**
 * The Info column (SMB part) of a packet from its messages' summaries, in order.
 *
 * Wireshark dissects the bytes of one frame in at most two NBSS passes: the PDU completing a TCP
 * reassembly, then the PDUs that start in this frame. Each pass writes "Session message", then
 * every PDU clears it and writes its own messages (SMB2 compound members joined with `;`, an SMB1
 * AndX chain's commands with `; `), so a pass
 * shows its last PDU; the second pass is appended to the first without a separator.
 */
export function packetSummary(ms: readonly MessageInfo[], layout: PacketLayout = {}): string {
  if (ms.length === 1 && !layout.trailingStart) return ms[0]!.summary;
  const pdus: MessageInfo[][] = [];
  for (const m of ms) {
    if (!pdus.length || m.flags & MsgFlag.PduStart) pdus.push([]);
    pdus.at(-1)!.push(m);
  }
  // SMB2 compound members are joined by ";", the commands of an SMB1 AndX chain by "; ".
  const text = (p: readonly MessageInfo[] | undefined) =>
    p ? p.map((m, i) => (i ? (m.proto === 1 ? "; " : ";") : "") + m.summary).join("") : "";
  if (!layout.firstReassembled) return text(pdus.at(-1));
  const rest = pdus.length > 1 ? text(pdus.at(-1)) : layout.trailingStart ? NBSS_SESSION_MESSAGE : "";
  return text(pdus[0]) + rest;
}
