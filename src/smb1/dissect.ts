/**
 * SMB1 (CIFS) PDU driver: dissects the 32-byte header, walks the AndX chain and hands each
 * command's parameter/data blocks to its command module. Runs in light mode for the index
 * (summaries + state) and in full mode for detail trees.
 *
 * One MessageInfo is produced per command of the AndX chain: the first carries
 * `<Command> Request`/`Response`, the chained ones only the command name, as in Wireshark's Info
 * column (the trace joins them with "; "). An error status is appended to the last one.
 */
import { rpcSuffix } from "../dcerpc/pipe.js";
import { Cursor, ShortRead } from "../dissect/cursor.js";
import type { BitSpec } from "../dissect/fields.js";
import { Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import { statusName, statusText } from "../smb2/status.js";
import { type ByteSource, blankMessage, type MessageInfo, MsgFlag, type PduPlace } from "../trace/types.js";
import { COMMANDS } from "./commands.js";
import { escInfo, gen, relabel } from "./common.js";
import { cmdName, dosErrorText, dosStatus, ERROR_CLASS, SMB1_CMD_NAMES } from "./names.js";
import type { Smb1CmdRecord, Smb1Request, Smb1State } from "./state.js";

export { Smb1State } from "./state.js";

export interface Smb1Ctx {
  state: Smb1State;
  frame: number;
  conn: number;
  time: number;
  /** No nodes are built (index pass). */
  light: boolean;
  /** The first (indexing) pass: records are created and state is updated. */
  first: boolean;
  /** First pass: where this PDU is in the file (see Smb1Request.trans). */
  place?: PduPlace;
  /** Full trees: reads a PDU back from its place, and the byte sources reassembled data joins. */
  readPlace?: (p: PduPlace) => Buffer;
  plains?: ByteSource[];
  srcBase?: number;
}

export interface Smb1Header {
  at: number;
  cmd: number;
  /** NTSTATUS, or the DOS class/code pair when flags2 has no NT-error bit. */
  status: number;
  ntError: boolean;
  errClass: number;
  errCode: number;
  flags: number;
  flags2: number;
  pidHigh: number;
  tid: number;
  pid: number;
  uid: number;
  mid: number;
  isResponse: boolean;
}

export interface Smb1Msg {
  h: Smb1Header;
  ctx: Smb1Ctx;
  /** This command's code (differs from h.cmd inside an AndX chain). */
  cmd: number;
  isResponse: boolean;
  unicode: boolean;
  /** Position in the AndX chain (0 = first). */
  index: number;
  /** End of the PDU. */
  end: number;
  info: MessageInfo;
  /** The request PDU record (blank when unknown). */
  pdu: Smb1Request;
  /** This command's record: fresh for requests, the request's for responses. */
  rec: Smb1CmdRecord;
  /** Set by a handler: the next command of the chain and its offset from the header. */
  next?: { cmd: number; offset: number };
  /** Trees of the protocols it carries (SMB Pipe Protocol, DCE/RPC), shown after `smb`. */
  after?: FieldNode[];
}

export interface Smb1Command {
  request?(f: Fields, m: Smb1Msg): void;
  response?(f: Fields, m: Smb1Msg): void;
}

export const SMB1_HEADER_LEN = 32;

/** TRANSACTION, TRANSACTION2, NT_TRANSACT: their responses can come in several messages. */
const TRANSACTIONS = new Set([0x25, 0x32, 0xa0]);
const PROTO_LABEL = "SMB (Server Message Block Protocol)";

/** Appends text to the message's Info summary. */
export function sum(m: Smb1Msg, text: string): void {
  m.info.summary += escInfo(text);
}

export function parseHeader(buf: Buffer, at: number): Smb1Header | undefined {
  if (at + SMB1_HEADER_LEN > buf.length) return undefined;
  const flags2 = buf.readUInt16LE(at + 10);
  const ntError = (flags2 & 0x4000) !== 0;
  const flags = buf[at + 9]!;
  return {
    at,
    cmd: buf[at + 4]!,
    status: buf.readUInt32LE(at + 5),
    ntError,
    errClass: buf[at + 5]!,
    errCode: buf.readUInt16LE(at + 7),
    flags,
    flags2,
    pidHigh: buf.readUInt16LE(at + 12),
    tid: buf.readUInt16LE(at + 24),
    pid: buf.readUInt16LE(at + 26),
    uid: buf.readUInt16LE(at + 28),
    mid: buf.readUInt16LE(at + 30),
    isResponse: (flags & 0x80) !== 0,
  };
}

/** Commands dissected per AndX chain at most (a chain needs only 7 bytes per hop). */
export const MAX_ANDX = 256;

/** Dissects one SMB1 PDU of `buf` starting at `start` (normally the whole NBSS payload). */
export function dissectSmb1(
  buf: Buffer,
  start: number,
  ctx: Smb1Ctx,
  out: FieldNode[],
  infos: MessageInfo[],
): void {
  const h = parseHeader(buf, start);
  if (!h) {
    const n = node("smb", PROTO_LABEL, "", "", start, buf.length - start, FieldFlag.Malformed);
    n.children = [
      node(
        "_ws.malformed",
        "[Malformed Packet: SMB header truncated]",
        "",
        "",
        start,
        0,
        FieldFlag.Malformed,
      ),
    ];
    if (!ctx.light) out.push(n);
    infos.push(blankMessage(1, "[Malformed Packet]", MsgFlag.Malformed));
    return;
  }
  const { state } = ctx;
  const tree = node("smb", PROTO_LABEL, "", "", start, buf.length - start);
  tree.children = [];
  const f = new Fields(new Cursor(buf, start, buf.length), tree.children, ctx.light);

  // Request records: one per PDU, keyed by connection + PID + MID; NT Cancel and secondary
  // transaction requests reuse the MID of the request they refer to and must not replace it.
  const key = state.requestKey(ctx.conn, h.pid, h.mid);
  // Later passes find the record the first pass linked to this very PDU (MIDs get reused).
  // A streamed listing (oneShot) has no later pass to find it: no key made, no record kept.
  const fkey = state.oneShot
    ? ""
    : `${ctx.conn}:${ctx.frame}:${h.pid}:${h.mid}:${h.isResponse ? 1 : 0}:${h.cmd}`;
  let pdu: Smb1Request | undefined = ctx.first ? undefined : state.byFrame.get(fkey);
  const secondary = h.cmd === 0xa4 || h.cmd === 0x26 || h.cmd === 0x33 || h.cmd === 0xa1;
  if (ctx.first) {
    if (!h.isResponse) {
      if (secondary) pdu = state.requests.get(key);
      else {
        pdu = { frame: ctx.frame, time: ctx.time, cmd: h.cmd, cmds: new Map() };
        state.requests.set(key, pdu);
      }
    } else {
      pdu = state.requests.get(key);
      if (pdu && pdu.cmd !== h.cmd) pdu = undefined;
      if (pdu && pdu.responseFrame === undefined) {
        pdu.responseFrame = ctx.frame;
        pdu.responseTime = ctx.time;
      }
    }
    if (pdu && !state.oneShot) state.byFrame.set(fkey, pdu);
  }
  if (!pdu && !h.isResponse && !secondary)
    pdu = { frame: ctx.frame, time: ctx.time, cmd: h.cmd, cmds: new Map() };
  pdu ??= { frame: 0, time: 0, cmd: h.cmd, cmds: new Map() };

  const mine: MessageInfo[] = [];
  const carried: FieldNode[] = [];
  let lastInfo: MessageInfo | undefined;
  try {
    let prefix: HeaderPrefix | undefined;
    // An NT Cancel has no response of its own: it points at the one of the request it cancels.
    if (!h.isResponse && pdu.responseFrame !== undefined && (pdu.frame === ctx.frame || h.cmd === 0xa4))
      prefix = { name: "smb.response_in", label: "Response in", v: pdu.responseFrame };
    // A later piece of a multi-part transaction response is not tied to the request (Wireshark).
    else if (h.isResponse && pdu.frame && !(TRANSACTIONS.has(h.cmd) && pdu.responseFrame !== ctx.frame))
      prefix = { name: "smb.response_to", label: "Response to", v: pdu.frame };
    else if (!h.isResponse && secondary && h.cmd !== 0xa4 && pdu.frame)
      prefix = { name: "smb.continuation_to", label: "Continuation to", v: pdu.frame };
    dissectHeader(f, h, ctx, pdu, prefix);
    // AndX chain walk.
    let cmd = h.cmd;
    let at = start + SMB1_HEADER_LEN;
    for (let index = 0; ; index++) {
      const info = newInfo(h, cmd, index);
      mine.push(info);
      lastInfo = info;
      let rec = pdu.cmds.get(cmd);
      if (!rec || (!h.isResponse && pdu.frame === ctx.frame && index === 0 && !ctx.first && false)) {
        rec = { cmd };
        if (!h.isResponse) pdu.cmds.set(cmd, rec);
      }
      const m: Smb1Msg = {
        h,
        ctx,
        cmd,
        isResponse: h.isResponse,
        unicode: (h.flags2 & 0x8000) !== 0,
        index,
        end: buf.length,
        info,
        pdu,
        rec,
      };
      f.c.pos = at;
      try {
        dissectCommand(f, m);
      } finally {
        if (m.after) carried.push(...m.after);
      }
      const next = m.next;
      if (!next || next.cmd === 0xff) break;
      const nat = start + next.offset;
      // Wireshark stops when the offset does not advance (loops) or leaves the PDU.
      if (next.offset < SMB1_HEADER_LEN || nat >= buf.length) break;
      if (nat <= at) {
        if (index > 0) break;
      }
      if (index + 1 === MAX_ANDX) {
        // Flagged rather than silently cut: the rest of the chain is not dissected.
        info.flags |= MsgFlag.Malformed;
        f.malformed(`AndX chain longer than ${MAX_ANDX} commands`, nat);
        break;
      }
      cmd = next.cmd;
      at = nat;
    }
  } catch (e) {
    // Bad input must not crash the trace: truncation (ShortRead) or an out-of-range read.
    if (!(e instanceof ShortRead) && !(e instanceof RangeError)) throw e;
    const last = lastInfo ?? newInfo(h, h.cmd, 0);
    if (!lastInfo) mine.push(last);
    last.flags |= MsgFlag.Malformed;
    f.malformed(
      e instanceof ShortRead ? "SMB PDU truncated" : "SMB PDU malformed",
      e instanceof ShortRead ? e.at : f.c.pos,
    );
  }
  if (h.isResponse) {
    const last = mine[mine.length - 1]!;
    if (h.ntError) {
      // Wireshark reports error severities only (not warnings such as STATUS_BUFFER_OVERFLOW).
      if (h.status >>> 30 === 3) last.summary += `, Error: ${statusText(h.status)}`;
    } else if (h.errClass !== 0 || h.errCode !== 0) {
      last.summary += `, Error: ${dosErrorText(h.errClass, h.errCode)}`;
    }
  }
  for (const i of mine) {
    i.summary += rpcSuffix(i);
    if (i.flags & MsgFlag.Malformed && !i.summary.includes("[Malformed")) i.summary += "[Malformed Packet]";
    infos.push(i);
  }
  if (!ctx.light) out.push(tree, ...carried);
}

interface HeaderPrefix {
  name: string;
  label: string;
  v: number;
}

function newInfo(h: Smb1Header, cmd: number, index: number): MessageInfo {
  let summary = cmdName(cmd);
  if (index === 0) summary += h.isResponse ? " Response" : " Request";
  const info: MessageInfo = {
    proto: 1,
    cmd,
    isResponse: h.isResponse,
    status: h.isResponse ? (h.ntError ? h.status >>> 0 : dosStatus(h.errClass, h.errCode)) : 0,
    msgId: String(h.mid),
    sesId: h.uid.toString(16).padStart(16, "0"),
    tid: h.tid,
    summary,
    flags: h.flags2 & 0x0004 ? MsgFlag.Signed : 0,
  };
  return info;
}

const FLAGS_BITS: readonly BitSpec[] = [
  {
    name: "smb.flags.response",
    label: "Request/Response",
    mask: 0x80,
    t: "Message is a response to the client/redirector",
    f: "Message is a request to the server",
  },
  {
    name: "smb.flags.notify",
    label: "Notify",
    mask: 0x40,
    t: "Notify client on all modifications",
    f: "Notify client only on open",
  },
  {
    name: "smb.flags.oplock",
    label: "Oplocks",
    mask: 0x20,
    t: "OpLock requested/granted",
    f: "OpLock not requested/granted",
  },
  {
    name: "smb.flags.canon",
    label: "Canonicalized Pathnames",
    mask: 0x10,
    t: "Pathnames are canonicalized",
    f: "Pathnames are not canonicalized",
  },
  {
    name: "smb.flags.caseless",
    label: "Case Sensitivity",
    mask: 0x08,
    t: "Path names are caseless",
    f: "Path names are case sensitive",
  },
  {
    name: "smb.flags.receive_buffer",
    label: "Receive Buffer Posted",
    mask: 0x02,
    t: "Receive buffer has been posted",
    f: "Receive buffer has not been posted",
  },
  {
    name: "smb.flags.lock",
    label: "Lock and Read",
    mask: 0x01,
    t: "Lock&Read, Write&Unlock are supported",
    f: "Lock&Read, Write&Unlock are not supported",
  },
];

const FLAGS2_BITS: readonly BitSpec[] = [
  {
    name: "smb.flags2.string",
    label: "Unicode Strings",
    mask: 0x8000,
    t: "Strings are Unicode",
    f: "Strings are ASCII",
  },
  {
    name: "smb.flags2.nt_error",
    label: "Error Code Type",
    mask: 0x4000,
    t: "Error codes are NT error codes",
    f: "Error codes are DOS error codes",
  },
  {
    name: "smb.flags2.roe",
    label: "Execute-only Reads",
    mask: 0x2000,
    t: "Permit reads if execute-only",
    f: "Don't permit reads if execute-only",
  },
  {
    name: "smb.flags2.dfs",
    label: "Dfs",
    mask: 0x1000,
    t: "Resolve pathnames with Dfs",
    f: "Don't resolve pathnames with Dfs",
  },
  {
    name: "smb.flags2.esn",
    label: "Extended Security Negotiation",
    mask: 0x0800,
    t: "Extended security negotiation is supported",
    f: "Extended security negotiation is not supported",
  },
  {
    name: "smb.flags2.reparse_path",
    label: "Reparse Path",
    mask: 0x0400,
    t: "The request uses a @GMT reparse path",
    f: "The request does not use a @GMT reparse path",
  },
  {
    name: "smb.flags2.long_names_used",
    label: "Long Names Used",
    mask: 0x0040,
    t: "Path names in request are long file names",
    f: "Path names in request are not long file names",
  },
  {
    name: "smb.flags2.sec_sig_required",
    label: "Security Signatures Required",
    mask: 0x0010,
    t: "Security signatures are required",
    f: "Security signatures are not required",
  },
  {
    name: "smb.flags2.compressed",
    label: "Compressed",
    mask: 0x0008,
    t: "Compression is requested",
    f: "Compression is not requested",
  },
  {
    name: "smb.flags2.sec_sig",
    label: "Security Signatures",
    mask: 0x0004,
    t: "Security signatures are supported",
    f: "Security signatures are not supported",
  },
  {
    name: "smb.flags2.ea",
    label: "Extended Attributes",
    mask: 0x0002,
    t: "Extended attributes are supported",
    f: "Extended attributes are not supported",
  },
  {
    name: "smb.flags2.long_names_allowed",
    label: "Long Names Allowed",
    mask: 0x0001,
    t: "Long file names are allowed in the response",
    f: "Long file names are not allowed in the response",
  },
];

function dissectHeader(f: Fields, h: Smb1Header, ctx: Smb1Ctx, pdu: Smb1Request, pre?: HeaderPrefix): void {
  f.tree(
    "smbcmp.smb.header",
    "SMB Header",
    () => {
      f.uint("smb.server_component", "Server Component", 4, { base: "hex" });
      relabel(f, "Server Component: SMB");
      if (pre) {
        f.add(gen(pre.name, pre.label, pre.v));
        if (pre.name === "smb.response_to" && pdu.frame) {
          // Capture times are µs-precise doubles: round away float noise.
          const dt = (Math.round((ctx.time - pdu.time) * 1e6) / 1e6).toFixed(9);
          f.generated("smb.time", "Time from request", dt, Number(dt)).label += " seconds";
        }
      }
      f.uint("smb.cmd", "SMB Command", 1, { base: "hex", vals: (v) => SMB1_CMD_NAMES[v] ?? "Unknown" });
      if (h.ntError) {
        f.uint("smb.nt_status", "NT Status", 4, { base: "hex", vals: statusName });
      } else {
        f.uint("smb.error_class", "Error Class", 1, { base: "hex", vals: ERROR_CLASS });
        f.opaque("smb.reserved", "Reserved", 1);
        f.uint("smb.error_code", "Error Code", 2, { base: "hex" });
        relabel(f, `Error Code: ${dosErrorText(h.errClass, h.errCode)}`);
      }
      f.bitmask("smb.flags", "Flags", 1, FLAGS_BITS);
      f.bitmask("smb.flags2", "Flags2", 2, FLAGS2_BITS);
      f.uint("smb.pid.high", "Process ID High", 2);
      f.opaque("smb.signature", "Signature", 8);
      f.opaque("smb.reserved", "Reserved", 2);
      const t = ctx.state.tree(ctx.conn, h.tid, ctx.frame);
      const tidAt = f.c.pos;
      f.uint("smb.tid", "Tree ID", 2);
      if (t && !f.light) {
        const n = f.nodes[f.nodes.length - 1]!;
        n.label = `Tree ID: ${h.tid}  (${t.path})`;
        n.children = [
          node("smb.path", `Path: ${t.path}`, t.path, t.path, tidAt, 0, FieldFlag.Generated),
          gen("smb.fid.mapped_in", "Mapped in", t.mappedIn),
        ];
        if (t.unmappedIn !== undefined)
          n.children.push(gen("smb.fid.unmapped_in", "Unmapped in", t.unmappedIn));
      }
      f.uint("smb.pid", "Process ID", 2);
      f.uint("smb.uid", "User ID", 2);
      f.uint("smb.mid", "Multiplex ID", 2);
    },
    SMB1_HEADER_LEN,
  );
}

function dissectCommand(f: Fields, m: Smb1Msg): void {
  const label = `${cmdName(m.cmd)} ${m.isResponse ? "Response" : "Request"} (${hexN(m.cmd, 2)})`;
  const handler = COMMANDS[m.cmd];
  const start = f.c.pos;
  // The command's extent: words and bytes, known once WCT and BCC are read.
  let len = 0;
  if (f.c.has(1)) {
    const w = f.c.peekU8();
    const bccAt = start + 1 + 2 * w;
    len = f.c.has(2, bccAt) ? 1 + 2 * w + 2 + f.c.peekU16(bccAt) : f.c.end - start;
  }
  f.tree(
    "smbcmp.smb.cmd",
    label,
    () => {
      const fn = m.isResponse ? handler?.response : handler?.request;
      if (fn) fn(f, m);
      else rawCommand(f, m);
    },
    Math.min(len, f.c.end - start),
  );
}

/** Unknown or not-yet-dissected command: word and byte blocks shown raw, never dropped. */
export function rawCommand(f: Fields, m: Smb1Msg): void {
  const w = f.uint("smb.wct", "Word Count (WCT)", 1);
  if (w > 0) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
  if (!f.c.has(2)) return;
  const n = f.uint("smb.bcc", "Byte Count (BCC)", 2);
  if (n > 0) f.bytes("smb.unknown_data", "Unknown Data", Math.min(n, f.c.remaining));
  void m;
}

export type { Smb1CmdRecord };
