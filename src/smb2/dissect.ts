/**
 * SMB2 PDU driver: walks the compound chain, dissects each message's header and hands the body to
 * its command module. The same code runs in light mode for the index (summaries + state) and in full
 * mode for detail trees.
 */

import { rpcSuffix, takeDcerpcTrees } from "../dcerpc/pipe.js";
import { Cursor, ShortRead } from "../dissect/cursor.js";
import { Fields } from "../dissect/fields.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import { type ByteSource, blankMessage, type MessageInfo, MsgFlag, type PduPlace } from "../trace/types.js";
import { errorResponse } from "./commands/error.js";
import { COMMANDS } from "./commands/index.js";
import { dissectHeader, parseHeader, SMB2_HEADER_LEN, SMB2_MAGIC, type Smb2Header } from "./header.js";
import { cmdName, SMB2_FLAGS, STATUS } from "./names.js";
import { newRequest, type RequestRecord, type Smb2State } from "./state.js";
import { statusText } from "./status.js";

export interface Smb2Ctx {
  state: Smb2State;
  frame: number;
  conn: number;
  time: number;
  /** No nodes are built (index pass). */
  light: boolean;
  /** The first (indexing) pass over the capture: records are created and state is updated. */
  first: boolean;
  /** A plain PDU (not from a transform): first pass, where it is in the file (see pipe-stream.ts). */
  place?: PduPlace;
  /** Full trees of a plain PDU: a PDU read back from its place, and the byte sources joined data adds to. */
  readPlace?: (p: PduPlace) => Buffer;
  plains?: ByteSource[];
  srcBase?: number;
}

export interface Smb2Msg {
  h: Smb2Header;
  ctx: Smb2Ctx;
  /** End offset (exclusive) of this message in the buffer. */
  end: number;
  info: MessageInfo;
  /** The request record: created for requests, looked up for responses (blank if unknown). */
  rec: RequestRecord;
  /** The previous message of the same compound chain, for related operations. */
  prev?: Smb2Msg;
}

export interface Smb2Command {
  /** Body subtree label when not "<Command> Request/Response (0xNN)" (e.g. "Lease Break Notification (0x12)"). */
  label?(f: Fields, m: Smb2Msg): string | undefined;
  request?(f: Fields, m: Smb2Msg): void;
  response?(f: Fields, m: Smb2Msg): void;
  /**
   * Runs before an ERROR response body: generated fields and Info text Wireshark still shows from
   * the request (GetInfo's class/level, Find's level and ` LEVEL Pattern: x`).
   */
  errorPrefix?(f: Fields, m: Smb2Msg): void;
}

/** Appends text to the message's Info summary. */
export function sum(m: Smb2Msg, text: string): void {
  m.info.summary += text;
}

const PROTO_LABEL = "SMB2 (Server Message Block Protocol version 2)";
const SHORT_PACKET = "[Packet size limited during capture]";

/**
 * Messages dissected per compound chain at most. Real clients send a handful; a hostile PDU can chain
 * thousands of 72-byte messages, each a tree and a list entry. The rest of the chain is flagged.
 */
export const MAX_COMPOUND = 512;

/** Dissects the SMB2 messages of `buf` starting at `start`; appends one `smb2` node per message. */
export function dissectSmb2(
  buf: Buffer,
  start: number,
  ctx: Smb2Ctx,
  out: FieldNode[],
  infos: MessageInfo[],
): void {
  let at = start;
  let prev: Smb2Msg | undefined;
  for (let count = 0; at < buf.length; count++) {
    if (prev && count === MAX_COMPOUND) {
      compoundLimit(prev, buf.length - at, at, ctx, out);
      break;
    }
    // A chain offset into bytes that are not an SMB2 header (padding, bytes lost to the snaplen)
    // ends the chain: the previous message is marked malformed instead of inventing a message.
    if (prev && (at + 4 > buf.length || buf.readUInt32LE(at) !== SMB2_MAGIC)) {
      prev.info.flags |= MsgFlag.Malformed;
      // Bytes cut by the snaplen read as zeros; Wireshark's Info then says so (no space before).
      if (buf.subarray(at).every((b) => b === 0)) {
        prev.info.summary += SHORT_PACKET;
        if (!ctx.light)
          out.push(
            node(
              "_ws.short",
              `${SHORT_PACKET.slice(0, -1)}: SMB2 truncated]`,
              "",
              "",
              at,
              0,
              FieldFlag.Malformed,
            ),
          );
      }
      break;
    }
    const c = new Cursor(buf, at);
    let h: Smb2Header;
    try {
      h = parseHeader(c);
    } catch {
      const n = node("smb2", PROTO_LABEL, "", "", at, buf.length - at, FieldFlag.Malformed);
      n.children = [
        node(
          "_ws.malformed",
          "[Malformed Packet: SMB2 header truncated]",
          "",
          "",
          at,
          0,
          FieldFlag.Malformed,
        ),
      ];
      if (!ctx.light) out.push(n);
      infos.push(blankMessage(2, "[Malformed Packet]", MsgFlag.Malformed));
      return;
    }
    const next = h.nextCommand;
    const end = next && next >= SMB2_HEADER_LEN && at + next <= buf.length ? at + next : buf.length;
    const m = dissectMessage(buf, h, end, ctx, out, prev);
    infos.push(m.info);
    prev = m;
    if (!next || end === buf.length) break;
    if (next < SMB2_HEADER_LEN || at + next > buf.length) break;
    at = end;
  }
}

/** The chain limit was hit: the last dissected message is flagged, and the tree says what was left. */
function compoundLimit(last: Smb2Msg, left: number, at: number, ctx: Smb2Ctx, out: FieldNode[]): void {
  last.info.flags |= MsgFlag.Malformed;
  if (!last.info.summary.includes("[Malformed")) last.info.summary += " [Malformed Packet]";
  if (ctx.light) return;
  const why = `compound chain longer than ${MAX_COMPOUND} messages, ${left} bytes not dissected`;
  out.push(node("_ws.malformed", `[Malformed Packet: ${why}]`, why, why, at, left, FieldFlag.Malformed));
}

// "Create Request", "Create Response"... made once: every message's summary starts with one.
const BASE_SUMMARIES = Array.from({ length: 0x13 }, (_, cmd) => [
  `${cmdName(cmd)} Request`,
  `${cmdName(cmd)} Response`,
]);

function baseSummary(cmd: number, isResponse: boolean): string {
  const b = BASE_SUMMARIES[cmd];
  return b ? b[isResponse ? 1 : 0]! : `${cmdName(cmd)} ${isResponse ? "Response" : "Request"}`;
}

function dissectMessage(
  buf: Buffer,
  h: Smb2Header,
  end: number,
  ctx: Smb2Ctx,
  out: FieldNode[],
  prev?: Smb2Msg,
): Smb2Msg {
  const { state } = ctx;
  let flags = 0;
  if (h.isAsync) flags |= MsgFlag.Async;
  if (h.flags & SMB2_FLAGS.SIGNED) flags |= MsgFlag.Signed;
  if (h.flags & SMB2_FLAGS.RELATED) flags |= MsgFlag.Related;
  const sesId = h.sesHex;
  const info: MessageInfo = {
    proto: 2,
    cmd: h.cmd,
    isResponse: h.isResponse,
    status: h.isResponse ? h.status : 0,
    msgId: h.msgIdText,
    sesId,
    tid: h.tid,
    summary: baseSummary(h.cmd, h.isResponse),
    flags,
    // Declared up front so that setting them later keeps the object's fields in-object.
    asyncId: undefined,
    fileId: undefined,
    path: undefined,
    detail: undefined,
  };
  if (h.isAsync) info.asyncId = h.asyncId.toString(16);
  if (h.isResponse && h.status !== STATUS.SUCCESS) info.summary += `, Error: ${statusText(h.status)}`;

  const key = h.msgKey;
  const { conn } = ctx;
  let rec: RequestRecord | undefined;
  if (!h.isResponse) {
    rec = ctx.first ? undefined : state.requests.get(conn, key);
    if (!rec || rec.frame !== ctx.frame) {
      const cancelled = h.cmd === 12 ? state.requests.get(conn, key) : undefined;
      // The first pass keeps the record (an index's table holds it in columns); a tree's pass only reads it.
      rec = ctx.first
        ? state.requests.create(ctx.frame, ctx.time, h.cmd)
        : newRequest(ctx.frame, ctx.time, h.cmd);
      // CANCEL reuses the MessageId of the request it cancels: keep that record (its response still
      // needs it) and note the cancel, which Wireshark then shows as "Response to".
      if (ctx.first && cancelled && cancelled.cmd !== 12)
        cancelled.extra = { ...cancelled.extra, cancelFrame: ctx.frame, cancelTime: ctx.time };
      else if (ctx.first) state.requests.set(conn, key, rec);
    }
  } else {
    rec = state.requests.get(conn, key);
    if (rec && rec.cmd !== h.cmd) rec = undefined;
    if (rec && ctx.first && !(h.isAsync && h.status === STATUS.PENDING)) {
      rec.responseFrame = ctx.frame;
      if (state.oneShot) state.requests.delete(conn, key);
    }
    rec ??= { frame: 0, time: 0, cmd: h.cmd };
  }
  const m: Smb2Msg = { h, ctx, end, info, rec, prev };
  const tree = ctx.light ? LIGHT_NODE : node("smb2", PROTO_LABEL, "", "", h.at, end - h.at);
  if (!ctx.light) tree.children = [];
  if (ctx.light && LIGHT_NODES.length) LIGHT_NODES.length = 0;
  const f = new Fields(new Cursor(buf, h.at, end), ctx.light ? LIGHT_NODES : tree.children!, ctx.light);
  try {
    // The header subtree is display only: the index pass already has the parsed header.
    if (ctx.light) f.c.pos = h.at + SMB2_HEADER_LEN;
    else dissectHeader(f, m);
    dissectBody(f, m);
  } catch (e) {
    if (!(e instanceof ShortRead)) throw e;
    info.flags |= MsgFlag.Malformed;
    f.malformed("SMB2 message truncated", e.at);
  }
  info.summary += rpcSuffix(info);
  if (info.flags & MsgFlag.Malformed && !info.summary.includes("[Malformed"))
    info.summary += " [Malformed Packet]";
  if (!ctx.light) {
    out.push(tree);
    // DCE/RPC carried in this message is a sibling protocol, as in Wireshark.
    out.push(...takeDcerpcTrees(m));
  }
  return m;
}

/** Stands in for the message node in light mode, where no tree is built. */
const LIGHT_NODE: FieldNode = node("smb2", PROTO_LABEL, "", "", 0, 0);
/** Light mode's node list: nothing should land in it, and it is emptied per message in case. */
const LIGHT_NODES: FieldNode[] = [];

function dissectBody(f: Fields, m: Smb2Msg): void {
  const { h } = m;
  const cmd = COMMANDS[h.cmd];
  const body = () => {
    if (h.isResponse && isErrorResponse(f, m)) errorResponse(f, m);
    else if (h.isResponse) cmd?.response?.(f, m);
    else cmd?.request?.(f, m);
  };
  if (f.light) {
    body();
    return;
  }
  const label =
    cmd?.label?.(f, m) ??
    `${cmdName(h.cmd)} ${h.isResponse ? "Response" : "Request"} (0x${h.cmd.toString(16).padStart(2, "0")})`;
  f.tree("smbcmp.smb2.body", label, body, m.end - f.c.pos);
}

/** Non-zero statuses whose responses still carry the command's own body (Wireshark's per-command rule). */
const BODY_STATUSES: Readonly<Record<number, readonly number[]>> = {
  8: [STATUS.BUFFER_OVERFLOW],
  11: [STATUS.BUFFER_OVERFLOW],
  16: [STATUS.BUFFER_OVERFLOW],
};

/**
 * Error responses (MS-SMB2 2.2.2) replace the body for warning and error statuses (e.g.
 * STATUS_NO_MORE_FILES) and interim STATUS_PENDING, unless the command's body carries that status;
 * success-class statuses such as STATUS_NOTIFY_ENUM_DIR keep the command body.
 */
function isErrorResponse(f: Fields, m: Smb2Msg): boolean {
  const { status, cmd } = m.h;
  // Session setup responses always carry their own body (even STATUS_ACCESS_DENIED).
  if (status === STATUS.SUCCESS || cmd === 1) return false;
  if (status >>> 30 < 2 && status !== STATUS.PENDING) return false;
  if (BODY_STATUSES[cmd]?.includes(status)) return false;
  return f.c.has(2) && f.c.peekU16() === 9;
}
