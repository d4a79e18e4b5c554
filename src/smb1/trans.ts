/**
 * SMB1 transactions: TRANSACTION (named pipes, mailslots), TRANSACTION2 (file system operations with
 * info levels, MS-CIFS 2.2.6) and NT_TRANSACT (MS-CIFS 2.2.7), primary and secondary requests.
 */
import { Cursor, ShortRead } from "../dissect/cursor.js";
import { type BitSpec, bitPattern, Fields } from "../dissect/fields.js";
import { formatAbsTime, hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, fromSource, node } from "../dissect/tree.js";
import { securityDescriptor } from "../dtyp/secdesc.js";
import { ctlCode } from "../smb2/fsctl/ctl-code.js";
import { ctlSummary, FSCTL_NAMES } from "../smb2/fsctl/names.js";
import { DEVICE_CHARS, DEVICE_TYPES, FS_ATTRS, smbFileTimes } from "../smb2/info/fscc.js";
import { MsgFlag } from "../trace/types.js";
import {
  ACCESS_MODE,
  createdFid,
  isError,
  ntCreateCore,
  OPEN_FUNCTION,
  OPEN2_FLAGS,
  openOutcome,
  openResult,
  registerOpen,
  SECURITY_FLAGS,
  searchAttributes,
  timeout,
} from "./commands.js";
import {
  bcc,
  bounded,
  dosDateTime,
  dosParts,
  escInfo,
  escShow,
  fidNode,
  fileAttributes,
  fileOf,
  gen,
  namedBits,
  plainBits,
  relabel,
  reserved,
  securityBlobNode,
  smbString,
  uintNode,
  wct,
} from "./common.js";
import { type Smb1Command, type Smb1Msg, sum } from "./dissect.js";
import {
  CREATE_ACTION,
  CREATE_DISPOSITION,
  FF2_LEVELS,
  IMPERSONATION,
  NT_TRANS_NAMES,
  OPLOCK_LEVEL,
  PIPE_FUNCTIONS,
  QFSI_LEVELS,
  QPI_LEVELS,
  SFSI_LEVELS,
  SPI_LEVELS,
  TRANS2_NAMES,
} from "./names.js";
import { pipeProtocol, pipeRpc } from "./pipe.js";
import { unixFindData, unixFsData, unixInfoData } from "./unix.js";

const TRANS_FLAGS: readonly BitSpec[] = [
  {
    name: "smb.transaction.flags.owt",
    label: "One Way Transaction",
    mask: 0x2,
    t: "One way transaction",
    f: "Two way transaction",
  },
  {
    name: "smb.transaction.flags.dtid",
    label: "Disconnect TID",
    mask: 0x1,
    t: "Disconnect TID",
    f: "Do NOT disconnect TID",
  },
];

interface Blocks {
  pc: number;
  po: number;
  dc: number;
  doff: number;
  bccEnd: number;
}

/** Padding up to `to` (offset from the SMB header), if ahead of the cursor. */
function padTo(f: Fields, m: Smb1Msg, to: number): void {
  const at = m.h.at + to;
  if (at > f.c.pos && at <= f.c.end) f.bytes("smb.padding", "Padding", at - f.c.pos);
}

/** Runs `fn` over the parameter or data block, inside a text subtree, never past the block. */
function block(
  f: Fields,
  m: Smb1Msg,
  name: string,
  label: string,
  off: number,
  len: number,
  fn: () => void,
): void {
  if (len <= 0) return;
  padTo(f, m, off);
  const at = m.h.at + off;
  if (at < f.c.pos || at >= f.c.end) return;
  const n = Math.min(len, f.c.end - at);
  f.c.pos = at;
  f.tree(name, label, () => f.within(at, n, fn), n);
  f.c.pos = at + n;
}

/** Words and bytes of a message not broken down further. */
function rest(f: Fields): void {
  if (f.c.remaining > 0) f.bytes("smb.unknown_data", "Unknown Data", f.c.remaining);
}

// ------------------------------------------------------------------ block words

/** Word size of the count fields: 2 in TRANSACTION/TRANSACTION2, 4 in NT_TRANSACT. */
type CountSize = 2 | 4;

/** Total Parameter/Data Count, then (requests) Max Parameter/Data Count; returns the totals. */
function totals(f: Fields, size: CountSize, max: boolean): [number, number] {
  const tpc = f.uint("smb.tpc", "Total Parameter Count", size);
  const tdc = f.uint("smb.tdc", "Total Data Count", size);
  if (max) {
    f.uint("smb.mpc", "Max Parameter Count", size);
    f.uint("smb.mdc", "Max Data Count", size);
  }
  return [tpc, tdc];
}

/**
 * Parameter and data count/offset words shared by every transaction message; secondary requests
 * and responses add the displacements (the pieces' positions in the whole transaction).
 */
function blockWords(f: Fields, size: CountSize, disp: boolean): Blocks & { pd: number; dd: number } {
  const pc = f.uint("smb.pc", "Parameter Count", size);
  const po = f.uint("smb.po", "Parameter Offset", size);
  const pd = disp ? f.uint("smb.pd", "Parameter Displacement", size) : 0;
  const dc = f.uint("smb.dc", "Data Count", size);
  const doff = f.uint("smb.data_offset", "Data Offset", size);
  const dd = disp ? f.uint("smb.data_disp", "Data Displacement", size) : 0;
  return { pc, po, dc, doff, bccEnd: 0, pd, dd };
}

/** Fewer words than the message defines: shown raw (and the byte count, if present). */
function shortWords(f: Fields, w: number): void {
  if (w) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
  if (f.c.has(2)) bcc(f);
}

// ------------------------------------------------------------------ TRANSACTION / TRANSACTION2

function primaryRequestWords(f: Fields): Blocks & { sc: number } {
  totals(f, 2, true);
  f.uint("smb.msc", "Max Setup Count", 1);
  reserved(f, 1);
  f.bitmask("smb.transaction.flags", "Flags", 2, TRANS_FLAGS);
  relabel(f, `Flags: ${hexN(f.c.buf.readUInt16LE(f.c.pos - 2), 4)}`);
  timeout(f);
  reserved(f, 2);
  const b = blockWords(f, 2, false);
  const sc = f.uint("smb.sc", "Setup Count", 1);
  reserved(f, 1);
  return { ...b, sc };
}

/** A transaction response's words: its piece of the parameters and data, and the totals. */
interface RespBlocks extends Blocks {
  tpc: number;
  tdc: number;
  pd: number;
  dd: number;
  sc: number;
}

function responseWords(f: Fields): RespBlocks {
  const [tpc, tdc] = totals(f, 2, false);
  reserved(f, 2);
  const b = blockWords(f, 2, true);
  const sc = f.uint("smb.sc", "Setup Count", 1);
  reserved(f, 1);
  return { ...b, tpc, tdc, sc };
}

// ------------------------------------------------------------------ multi-part responses

/** Pieces of one multi-part response kept at most (a server sends as many as the client's buffer needs). */
const MAX_PIECES = 512;
/** Bytes of a piece's PDU read back at most (a server's buffer is 64 KB or so, TRANS2 counts 16-bit). */
const MAX_PIECE_PDU = 256 << 10;
/** Reassembled bytes at most (NT Transact totals are 32-bit: a bad one must not allocate gigabytes). */
const MAX_WHOLE = 16 << 20;

/**
 * First pass: notes a piece of a TRANSACTION, TRANS2 or NT Transact response given in several
 * messages (a named pipe's reply, a large directory listing, security descriptor or change
 * notification): where its PDU is in the file
 * and what of the whole it carries. A primary response that holds everything starts nothing.
 */
function notePiece(m: Smb1Msg, b: RespBlocks, primary: boolean): void {
  const { ctx } = m;
  if (!ctx.first || !ctx.place || !m.pdu.frame) return;
  if (primary) {
    if (b.pc >= b.tpc && b.dc >= b.tdc) return;
    m.pdu.trans = { tpc: b.tpc, tdc: b.tdc, pieces: [] };
  }
  const t = m.pdu.trans;
  if (!t || t.pieces.length >= MAX_PIECES) return;
  t.pieces.push({
    frame: ctx.frame,
    place: { spans: ctx.place.spans, skip: ctx.place.skip },
    pAt: m.h.at + b.po,
    pc: b.pc,
    pd: b.pd,
    dAt: m.h.at + b.doff,
    dc: b.dc,
    dd: b.dd,
  });
}

interface Segment {
  frame: number;
  /** Offset in the reassembled parameters + data, and length. */
  at: number;
  n: number;
}

/**
 * The whole parameters and data (parameters first, as Wireshark's reassembled buffer) of the
 * multi-part response whose first piece is this message, read back from each piece's PDU; for
 * full trees only, and undefined unless every byte is covered by a piece that fits.
 */
function reassembled(m: Smb1Msg): { buf: Buffer; segs: Segment[] } | undefined {
  const t = m.pdu.trans;
  const { ctx } = m;
  if (!t || ctx.light || !ctx.readPlace || !ctx.plains || t.pieces[0]?.frame !== ctx.frame) return undefined;
  const total = t.tpc + t.tdc;
  if (total > MAX_WHOLE) return undefined;
  const buf = Buffer.alloc(total);
  const have = new Uint8Array(total);
  const segs: Segment[] = [];
  for (const p of t.pieces) {
    // A piece's message has 16-bit counts: a PDU much larger than that is not one to read back.
    let size = 0;
    for (let i = 1; i < p.place.spans.length; i += 2) size += p.place.spans[i]!;
    if (size > MAX_PIECE_PDU) return undefined;
    let pdu: Buffer;
    try {
      pdu = ctx.readPlace(p.place);
    } catch {
      return undefined;
    }
    for (const [at, n, disp, base, size] of [
      [p.pAt, p.pc, p.pd, 0, t.tpc],
      [p.dAt, p.dc, p.dd, t.tpc, t.tdc],
    ] as const) {
      if (n === 0) continue;
      if (disp + n > size || at + n > pdu.length) return undefined;
      pdu.copy(buf, base + disp, at, at + n);
      have.fill(1, base + disp, base + disp + n);
      segs.push({ frame: p.frame, at: base + disp, n });
    }
  }
  if (have.includes(0)) return undefined;
  segs.sort((x, y) => x.at - y.at);
  return { buf, segs };
}

/** What Wireshark's first pass adds to the Info of a multi-part response's piece cut mid-field. */
const UNREASSEMBLED = "[BoundErrorUnreassembled Packet]";

/**
 * Runs `fn`, a block of a response; in one piece of a multi-part response (not joined: the index
 * pass, or a piece missing), a field cut by the piece's end is no malformation: the block stops
 * there and the Info says so, as Wireshark's.
 */
function pieceOnly(m: Smb1Msg, fn: () => void): void {
  if (!m.pdu.trans) {
    fn();
    return;
  }
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ShortRead)) throw e;
    if (!m.info.summary.endsWith(UNREASSEMBLED)) sum(m, UNREASSEMBLED);
  }
}

/** How a transaction's parameters or data block is shown: its node, label and dissector. */
interface BlockSpec {
  name: string;
  label: string;
  fn: (g: Fields, m: Smb1Msg) => void;
}

/**
 * A multi-part response's first piece, with what every piece carries (as Wireshark's second pass
 * shows it): the segments, then the parameters and data dissected from the reassembled bytes (a
 * byte source of the packet, "Reassembled SMB"). The padding before each block is this message's.
 */
function reassembledBlocks(
  f: Fields,
  m: Smb1Msg,
  b: RespBlocks,
  r: { buf: Buffer; segs: Segment[] },
  params: BlockSpec,
  data: BlockSpec,
): void {
  const src = segmentsNode(f, m, r);
  const total = r.buf.length;
  const tpc = m.pdu.trans!.tpc;
  // Unicode strings are aligned as in the message: `at` keeps each block's parity from the header.
  const part = (spec: BlockSpec, from: number, len: number, at: number) => {
    if (len <= 0) return;
    const g = new Fields(new Cursor(r.buf, from, from + len), f.nodes, false);
    const mm: Smb1Msg = { ...m, h: { ...m.h, at } };
    const before = f.nodes.length;
    g.tree(spec.name, spec.label, () => g.within(from, len, () => spec.fn(g, mm)), len);
    fromSource(f.nodes.slice(before), src);
  };
  padTo(f, m, b.po);
  part(params, 0, tpc, -b.po);
  // This message's own piece of the parameters was shown in the whole: the padding after it.
  f.c.pos = Math.min(f.c.end, Math.max(f.c.pos, m.h.at + b.po + b.pc));
  padTo(f, m, b.doff);
  part(data, tpc, total - tpc, tpc - b.doff);
}

/**
 * The segments of a multi-part response (its first piece's tree), after adding the joined bytes as
 * a byte source of the packet, "Reassembled SMB": returns that source's index.
 */
function segmentsNode(f: Fields, m: Smb1Msg, r: { buf: Buffer; segs: Segment[] }): number {
  const { ctx } = m;
  const src = (ctx.srcBase ?? 0) + ctx.plains!.length;
  ctx.plains!.push({ label: "Reassembled SMB", bytes: r.buf, plain: true });
  const total = r.buf.length;
  const segs = node(
    "smb.segment.segments",
    `${r.segs.length} SMB Segments (${total} bytes): ${r.segs.map((s) => `#${s.frame}(${s.n})`).join(", ")}`,
    "",
    "",
    0,
    total,
    FieldFlag.Generated,
  );
  segs.children = r.segs.map((s) =>
    node(
      "smb.segment",
      `Frame: ${s.frame}, payload: ${s.at}-${s.at + s.n - 1} (${s.n} bytes)`,
      String(s.frame),
      s.frame,
      s.at,
      s.n,
      FieldFlag.Generated,
    ),
  );
  segs.children.push(gen("smb.fragment.count", "Fragment count", r.segs.length));
  segs.children.push(gen("smb.reassembled.length", "Reassembled SMB length", total));
  fromSource([segs], src);
  f.add(segs);
  return src;
}

/** A TRANSACTION on a named pipe (`\PIPE\name`), not the LANMAN (RAP) one. */
function onPipe(name: string | undefined): boolean {
  const upper = (name ?? "").toUpperCase();
  return upper.startsWith("\\PIPE\\") && upper !== "\\PIPE\\LANMAN";
}

function transRequest(f: Fields, m: Smb1Msg): void {
  // OPEN2: the FID its response returned leads, as for Open AndX (known after the first pass).
  if (m.cmd === 0x32 && m.rec.sub === 0) createdFid(f, m);
  const w = wct(f);
  const is2 = m.cmd === 0x32 || m.cmd === 0x33;
  if (m.cmd === 0x26 || m.cmd === 0x33) {
    secondaryRequest(f, m, w, is2);
    return;
  }
  if (w < 14) {
    if (w) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
    return;
  }
  const b = primaryRequestWords(f);
  if (is2) {
    trans2Request(f, m, b);
    return;
  }
  // TRANSACTION: the setup words belong to the pipe/mailslot protocol (not shown in the SMB tree).
  const setupAt = f.c.pos;
  const setup: number[] = [];
  for (let i = 0; i < b.sc && f.c.has(2, setupAt + 2 * i); i++)
    setup.push(f.c.buf.readUInt16LE(setupAt + 2 * i));
  f.c.pos = Math.min(f.c.end, setupAt + 2 * b.sc);
  const { end } = bcc(f);
  let name = "";
  bounded(f, end, () => {
    name = smbString(f, m, "smb.trans_name", "Transaction Name");
  });
  m.rec.transName = name;
  m.info.path = name;
  if (onPipe(name) && setup.length >= 1) {
    const fn = setup[0]!;
    m.rec.sub = fn;
    const fnName = PIPE_FUNCTIONS[fn] ?? "Unknown";
    const hasFid = setup.length >= 2 && fn !== 0x53 && fn !== 0x54;
    m.info.summary = `${fnName} Request`;
    m.info.detail = fnName;
    if (hasFid) {
      m.rec.fid = setup[1]!;
      const rec = fileOf(m, setup[1]!);
      m.info.fileId = setup[1]!.toString(16).padStart(4, "0");
      if (rec) m.info.path = rec.name;
      m.info.summary += `, FID: ${hexN(setup[1]!, 4)}`;
    }
    pipeProtocol(f, m, fn, hasFid ? setup[1] : undefined, setupAt);
    padTo(f, m, b.pc ? b.po : b.doff);
    if (b.dc > 0) pipeRpc(f, m, m.rec.fid, m.h.at + b.doff, b.dc);
    f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
    return;
  }
  if (b.pc > 0) {
    padTo(f, m, b.po);
    const at = m.h.at + b.po;
    if (at >= f.c.pos && at < f.c.end) {
      f.c.pos = at;
      f.opaque("smb.trans_data.parameters", "Parameters", Math.min(b.pc, f.c.end - at));
    }
  }
  if (b.dc > 0) {
    padTo(f, m, b.doff);
    const at = m.h.at + b.doff;
    if (at >= f.c.pos && at < f.c.end) {
      f.c.pos = at;
      f.opaque("smb.trans_data", "Data", Math.min(b.dc, f.c.end - at));
    }
  }
}

function secondaryRequest(f: Fields, m: Smb1Msg, w: number, is2: boolean): void {
  if (w < 8) {
    if (w) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
    return;
  }
  totals(f, 2, false);
  const b = blockWords(f, 2, true);
  if (is2 && w >= 9) {
    const fid = fidNode(f, m);
    sum(m, `, FID: ${hexN(fid, 4)}`);
  }
  const { end } = bcc(f);
  // Wireshark does not reassemble the pieces here: parameter bytes show as padding up to the
  // data, and the data as extra bytes.
  bounded(f, end, () => {
    if (b.pc || b.dc) padTo(f, m, b.po);
    if (b.dc) padTo(f, m, b.doff);
    if (f.c.remaining > 0) f.bytes("smb.extra_byte_parameters", "Extra byte parameters", f.c.remaining);
  });
  f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
}

/** A later response to an already answered transaction (multi-part response). */
function continuation(m: Smb1Msg): boolean {
  return m.pdu.frame !== 0 && m.pdu.responseFrame !== undefined && m.pdu.responseFrame !== m.ctx.frame;
}

function transResponse(f: Fields, m: Smb1Msg): void {
  const is2 = m.cmd === 0x32;
  const known = m.pdu.frame !== 0;
  if (continuation(m)) {
    m.info.flags |= MsgFlag.Continuation;
    // As Wireshark's first pass, which still knows the request: its subcommand, or its FID.
    if (is2 && m.rec.sub !== undefined) m.info.summary += `, ${TRANS2_NAMES[m.rec.sub] ?? "Unknown"}`;
    else if (!is2 && m.rec.fid !== undefined) m.info.summary += `, FID: ${hexN(m.rec.fid, 4)}`;
    m.info.summary += "[transact continuation]";
    pieceWords(f, m, is2);
    return;
  }
  const sub = m.rec.sub;
  const pipe = !is2 && onPipe(m.rec.transName);
  if (!is2) {
    if (m.rec.fid !== undefined) fidNode(f, m, { generated: m.rec.fid });
    const empty = isError(m) && f.c.has(1) && f.c.peekU8() === 0;
    if (known && !empty && pipe && sub !== undefined) {
      m.info.summary = `${PIPE_FUNCTIONS[sub] ?? "Unknown"} Response`;
      m.info.detail = PIPE_FUNCTIONS[sub];
      if (m.rec.fid !== undefined) m.info.summary += `, FID: ${hexN(m.rec.fid, 4)}`;
    }
  } else {
    // The request's FID, repeated (OPEN2's FID is its result, in its parameters).
    const fid = sub === 0 ? undefined : m.rec.fid;
    if (fid !== undefined) fidNode(f, m, { generated: fid });
    const s = known && sub !== undefined ? sub : 0xffff;
    uintNode(f, "smb.trans2.cmd", "Subcommand", s, 2, { base: "hex" });
    if (s === 0xffff && !f.light)
      f.nodes[f.nodes.length - 1]!.label = "Subcommand: <UNKNOWN> since request packet wasn't seen";
    else if (!f.light)
      f.nodes[f.nodes.length - 1]!.label = `Subcommand: ${TRANS2_NAMES[s] ?? "Unknown"} (${hexN(s, 4)})`;
    if (known && sub !== undefined) {
      generatedLevel(f, m, sub);
      // Like the FID node, the summary names only a FID tshark saw opened.
      if (fid !== undefined && fileOf(m, fid)) sum(m, `, FID: ${hexN(fid, 4)}`);
      sum(m, `, ${TRANS2_NAMES[sub] ?? "Unknown"}`);
      m.info.detail = detailOf(m);
    } else sum(m, "<unknown>");
  }
  const w = wct(f);
  if (w < 10) {
    if (w) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
    if (f.c.has(2)) {
      const { n } = bcc(f);
      if (n) f.bytes("smb.unknown_data", "Unknown Data", Math.min(n, f.c.remaining));
    }
    return;
  }
  const b = responseWords(f);
  if (b.sc) f.c.skip(Math.min(2 * b.sc, f.c.remaining));
  const { end } = bcc(f);
  if (!is2) {
    notePiece(m, b, true);
    const whole = reassembled(m);
    const src = whole ? segmentsNode(f, m, whole) : -1;
    if (f.c.pos < end) {
      const first = m.h.at + (b.pc ? b.po : b.doff);
      padTo(f, m, first - m.h.at);
    }
    if (pipe) {
      if (known && m.rec.sub !== undefined) pipeProtocol(f, m, m.rec.sub, m.rec.fid);
      if (whole) {
        // The DCE/RPC PDU of every piece, from the joined data.
        const before = m.after?.length ?? 0;
        const tpc = m.pdu.trans!.tpc;
        pipeRpc(
          new Fields(new Cursor(whole.buf, 0, whole.buf.length), [], false),
          m,
          m.rec.fid,
          tpc,
          whole.buf.length - tpc,
          false,
        );
        fromSource(m.after?.slice(before) ?? [], src);
      } else if (b.dc > 0)
        // A piece of a reply in several messages is not the pipe's whole message: never joined
        // with the pipe's next data (a later read).
        pipeRpc(f, m, m.rec.fid, m.h.at + b.doff, b.dc, b.dc >= b.tdc);
    } else {
      if (b.pc > 0 && m.h.at + b.po >= f.c.pos) {
        f.c.pos = m.h.at + b.po;
        f.opaque("smb.trans_data.parameters", "Parameters", Math.min(b.pc, f.c.end - f.c.pos));
      }
      if (b.dc > 0) {
        padTo(f, m, b.doff);
        if (m.h.at + b.doff >= f.c.pos && m.h.at + b.doff < f.c.end) {
          f.c.pos = m.h.at + b.doff;
          f.opaque("smb.trans_data", "Data", Math.min(b.dc, f.c.end - f.c.pos));
        }
      }
    }
    f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
    return;
  }
  if (!known || sub === undefined) {
    f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
    return;
  }
  notePiece(m, b, true);
  const name = TRANS2_NAMES[sub] ?? `Unknown Transaction2`;
  let count = 0;
  const whole = reassembled(m);
  if (whole) {
    bounded(f, end, () =>
      reassembledBlocks(
        f,
        m,
        b,
        whole,
        {
          name: "smbcmp.smb.trans2.params",
          label: `${name} Parameters`,
          fn: (g, mm) => {
            count = trans2RespParams(g, mm, sub);
          },
        },
        {
          name: "smbcmp.smb.trans2.data",
          label: `${name} Data`,
          fn: (g, mm) => trans2RespData(g, mm, sub, count),
        },
      ),
    );
    f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
    return;
  }
  pieceOnly(m, () =>
    block(f, m, "smbcmp.smb.trans2.params", `${name} Parameters`, b.po, b.pc, () => {
      count = trans2RespParams(f, m, sub);
    }),
  );
  pieceOnly(m, () =>
    block(f, m, "smbcmp.smb.trans2.data", `${name} Data`, b.doff, b.dc, () =>
      trans2RespData(f, m, sub, count),
    ),
  );
  f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
}

/**
 * A later piece of a multi-part TRANS2 or TRANSACTION response. tshark's tree no longer ties it to
 * the request: (TRANS2) an unknown subcommand, the words, and padding up to the blocks, which are
 * not shown.
 */
function pieceWords(f: Fields, m: Smb1Msg, is2: boolean): void {
  if (is2) {
    uintNode(f, "smb.trans2.cmd", "Subcommand", 0xffff, 2, { base: "hex" });
    relabel(f, "Subcommand: <UNKNOWN> since request packet wasn't seen");
  }
  const w = wct(f);
  if (w < 10) {
    shortWords(f, w);
    return;
  }
  const b = responseWords(f);
  notePiece(m, b, false);
  if (b.sc) f.c.skip(Math.min(2 * b.sc, f.c.remaining));
  const { end } = bcc(f);
  bounded(f, end, () => {
    padTo(f, m, b.po);
    padTo(f, m, b.doff);
  });
  f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
}

function detailOf(m: Smb1Msg): string {
  const sub = m.rec.sub ?? 0;
  const lvl = m.rec.level;
  return lvl !== undefined
    ? `${TRANS2_NAMES[sub] ?? sub}/${hexN(lvl, 4)}`
    : (TRANS2_NAMES[sub] ?? String(sub));
}

function levelField(f: Fields, sub: number, v?: number): number {
  const spec = levelSpec(sub);
  if (!spec) return 0;
  if (v === undefined) return f.uint(spec.name, "Level of Interest", 2, { base: spec.base, vals: spec.vals });
  uintNode(f, spec.name, "Level of Interest", v, 2, { base: spec.base, vals: spec.vals });
  return v;
}

function levelSpec(sub: number) {
  switch (sub) {
    case 1:
    case 2:
      return { name: "smb.ff2_loi", vals: FF2_LEVELS, base: "dec" as const };
    case 3:
      return { name: "smb.qfsi_loi", vals: QFSI_LEVELS, base: "hex" as const };
    case 4:
      return { name: "smb.sfsi_loi", vals: SFSI_LEVELS, base: "hex" as const };
    case 5:
    case 7:
      return { name: "smb.qpi_loi", vals: QPI_LEVELS, base: "dec" as const };
    case 6:
    case 8:
      return { name: "smb.spi_loi", vals: SPI_LEVELS, base: "dec" as const };
    default:
      return undefined;
  }
}

/** What Wireshark repeats at the top of a TRANS2 response: the level and the path or pattern. */
function generatedLevel(f: Fields, m: Smb1Msg, sub: number): void {
  // tshark repeats nothing of a FIND_NEXT2, SET_PATH_INFO or SET_FILE_INFO.
  if (sub === 2 || sub === 6 || sub === 8) return;
  if (m.rec.level !== undefined) levelField(f, sub, m.rec.level);
  if (f.light) return;
  if ((sub === 5 || sub === 6) && m.rec.path !== undefined)
    f.add(node("smb.file", `File Name: ${m.rec.path}`, m.rec.path, m.rec.path, -1, 0, FieldFlag.Generated));
  if ((sub === 1 || sub === 2) && m.rec.pattern !== undefined)
    f.add(
      node(
        "smb.search_pattern",
        `Search Pattern: ${m.rec.pattern}`,
        m.rec.pattern,
        m.rec.pattern,
        -1,
        0,
        FieldFlag.Generated,
      ),
    );
}

const FF2_FLAGS: readonly BitSpec[] = [
  {
    name: "smb.find_first2.flags.backup",
    label: "Backup Intent",
    mask: 0x10,
    t: "Find with backup intent",
    f: "No backup intent",
  },
  {
    name: "smb.find_first2.flags.continue",
    label: "Continue",
    mask: 0x8,
    t: "CONTINUE search from previous position",
    f: "New search, do NOT continue from previous position",
  },
  {
    name: "smb.find_first2.flags.resume",
    label: "Resume",
    mask: 0x4,
    t: "Return RESUME keys",
    f: "Do NOT return resume keys",
  },
  {
    name: "smb.find_first2.flags.eos",
    label: "Close on EOS",
    mask: 0x2,
    t: "CLOSE search if END OF SEARCH is reached",
    f: "Do NOT close search if end of search is reached",
  },
  {
    name: "smb.find_first2.flags.close",
    label: "Close",
    mask: 0x1,
    t: "CLOSE search after this request",
    f: "Do NOT close search after this request",
  },
];

function trans2Request(f: Fields, m: Smb1Msg, b: Blocks & { sc: number }): void {
  let sub = 0xffff;
  if (b.sc >= 1) {
    sub = f.uint("smb.trans2.cmd", "Subcommand", 2, { base: "hex", vals: TRANS2_NAMES });
    if (b.sc > 1) f.c.skip(Math.min(2 * (b.sc - 1), f.c.remaining));
  }
  m.rec.sub = sub;
  const name = TRANS2_NAMES[sub];
  sum(m, `, ${name ?? "Unknown"}`);
  const { end } = bcc(f);
  const pname = name ?? "Unknown Transaction2";
  block(f, m, "smbcmp.smb.trans2.params", `${pname} Parameters`, b.po, b.pc, () =>
    trans2ReqParams(f, m, sub),
  );
  if (b.dc === 0 && b.doff) bounded(f, end, () => padTo(f, m, b.doff));
  block(f, m, "smbcmp.smb.trans2.data", `${pname} Data`, b.doff, b.dc, () => trans2ReqData(f, m, sub));
  f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
  m.info.detail = detailOf(m);
}

function trans2ReqParams(f: Fields, m: Smb1Msg, sub: number): void {
  switch (sub) {
    case 0: {
      // OPEN2 (MS-CIFS 2.2.6.1.1); tshark reads the reserved word after the access mode as
      // search attributes, and the EA list (data) stays raw.
      f.bitmask("smb.open.flags", "Flags", 2, OPEN2_FLAGS);
      namedBits(f, "smb.access.desired", "Desired Access", 2, ACCESS_MODE);
      searchAttributes(f);
      fileAttributes(f, 2);
      dosTime(f, "smb.create", "Created", true);
      namedBits(f, "smb.open.function", "Open Function", 2, OPEN_FUNCTION);
      f.uint("smb.alloc_size", "Allocation Size", 4);
      reserved(f, 10);
      const p = smbString(f, m, "smb.file", "File Name");
      m.rec.path = p;
      m.info.path = p;
      sum(m, `, Path: ${p}`);
      return;
    }
    case 1: {
      searchAttributes(f);
      f.uint("smb.search_count", "Search Count", 2);
      const fl = f.bitmask("smb.find_first2.flags", "Flags", 2, FF2_FLAGS);
      m.rec.extra = { ...m.rec.extra, resumeKeys: (fl & 0x4) !== 0 };
      m.rec.level = levelField(f, sub);
      f.uint("smb.storage_type", "Storage Type", 4);
      const p = smbString(f, m, "smb.search_pattern", "Search Pattern");
      m.rec.pattern = p;
      m.info.path = p;
      sum(m, `, Pattern: ${p}`);
      return;
    }
    case 2: {
      f.uint("smb.search_id", "Search ID", 2, { base: "hex" });
      f.uint("smb.search_count", "Search Count", 2);
      m.rec.level = levelField(f, sub);
      f.uint("smb.resume", "Resume Key", 4);
      const fl = f.bitmask("smb.find_first2.flags", "Flags", 2, FF2_FLAGS);
      m.rec.extra = { ...m.rec.extra, resumeKeys: (fl & 0x4) !== 0 };
      // The name a search continues from; tshark repeats neither it nor the level in the response.
      const p = smbString(f, m, "smb.file", "File Name");
      sum(m, `, Continue: ${p}`);
      return;
    }
    case 3: {
      const l = levelField(f, sub);
      m.rec.level = l;
      sum(m, `, ${QFSI_LEVELS[l] ?? "Unknown"}`);
      return;
    }
    case 4: {
      // The FID word of SET_FS_INFO is not shown by tshark.
      f.c.skip(Math.min(2, f.c.remaining));
      const l = levelField(f, sub);
      m.rec.level = l;
      sum(m, `, ${SFSI_LEVELS[l] ?? `Unknown (0x${l.toString(16).padStart(2, "0")})`}`);
      return;
    }
    case 5:
    case 6: {
      const l = levelField(f, sub);
      m.rec.level = l;
      reserved(f, 4);
      const p = smbString(f, m, "smb.file", "File Name");
      m.rec.path = p;
      m.info.path = p;
      // tshark names the level of a query only.
      if (sub === 5) sum(m, `, ${QPI_LEVELS[l] ?? `Unknown (${l})`}`);
      sum(m, `, Path: ${p}`);
      return;
    }
    case 7:
    case 8: {
      const fid = fidNode(f, m);
      const l = levelField(f, sub);
      m.rec.level = l;
      sum(m, `, FID: ${hexN(fid, 4)}`);
      if (sub === 7) sum(m, `, ${QPI_LEVELS[l] ?? `Unknown (${l})`}`);
      if (sub === 8 && f.c.remaining >= 2) reserved(f, 2);
      return;
    }
    case 0x0d: {
      // CREATE_DIRECTORY (MS-CIFS 2.2.6.14): its EA list (data) stays raw, as in tshark.
      reserved(f, 4);
      const p = smbString(f, m, "smb.dir_name", "Directory");
      m.rec.path = p;
      m.info.path = p;
      sum(m, `, Dir: ${p}`);
      return;
    }
    case 0x10: {
      f.uint("smb.max_referral_level", "Max Referral Level", 2);
      const p = smbString(f, m, "smb.file", "File Name");
      m.rec.path = p;
      m.info.path = p;
      sum(m, `, File: ${p}`);
      return;
    }
    default:
      rest(f);
  }
}

function trans2ReqData(f: Fields, m: Smb1Msg, sub: number): void {
  if ((sub === 6 || sub === 8) && m.rec.level !== undefined) {
    infoData(f, m, m.rec.level, true);
    return;
  }
  if (sub === 4 && m.rec.level !== undefined) {
    if (m.rec.level === 0x203) {
      sum(m, securityBlobNode(f, f.c.remaining));
      return;
    }
    unixFsData(f, m.rec.level);
  }
  rest(f);
}

/** The parameters of a response; for FIND_FIRST2/FIND_NEXT2, returns the Search Count. */
function trans2RespParams(f: Fields, m: Smb1Msg, sub: number): number {
  switch (sub) {
    case 0: {
      // OPEN2 (MS-CIFS 2.2.6.1.2): the FID is registered, named (tshark shows no name) for the
      // Info of what uses it; the creation time is read as DOS time and date.
      const fid = f.c.has(2) ? f.c.peekU16() : undefined;
      if (fid !== undefined) registerOpen(m, fid, true);
      fidNode(f, m, { full: true });
      fileAttributes(f, 2);
      dosDateTime(f, "smb.create.time", "Created", true, {
        time: "smb.create.smb.time",
        date: "smb.create.smb.date",
      });
      f.uint("smb.data_size", "Data Size", 4);
      openOutcome(f);
      f.uint("smb.create.file_id", "Server unique file ID", 4, { base: "hex" });
      f.uint("smb.ea.error_offset", "EA Error offset", 2);
      f.uint("smb.ea.list_length", "EA List Length", 4);
      if (fid !== undefined) sum(m, `, FID: ${hexN(fid, 4)}`);
      rest(f);
      return 0;
    }
    case 1:
    case 2: {
      if (sub === 1) {
        if (m.rec.level !== undefined) levelField(f, sub, m.rec.level);
        f.uint("smb.search_id", "Search ID", 2, { base: "hex" });
      }
      const n = f.uint("smb.search_count", "Search Count", 2);
      f.uint("smb.end_of_search", "End Of Search", 2);
      f.uint("smb.ea.error_offset", "EA Error offset", 2);
      f.uint("smb.last_name_offset", "Last Name Offset", 2);
      return n;
    }
    case 5:
    case 6:
    case 7:
    case 8:
      f.uint("smb.ea.error_offset", "EA Error offset", 2);
      rest(f);
      return 0;
    default:
      rest(f);
      return 0;
  }
}

function trans2RespData(f: Fields, m: Smb1Msg, sub: number, count: number): void {
  const lvl = m.rec.level;
  if ((sub === 1 || sub === 2) && lvl !== undefined) {
    if (unixFindData(f, m, lvl)) {
      // tshark collects no names for the UNIX levels but still opens the list.
      sum(m, ", Files:");
      rest(f);
    } else if (lvl >= 1 && lvl <= 3) oldFindData(f, m, lvl, count);
    else findData(f, m, lvl);
    return;
  }
  if (sub === 3 && lvl !== undefined) {
    if (!unixFsData(f, lvl)) fsData(f, m, lvl);
    rest(f);
    return;
  }
  if (sub === 4 && lvl === 0x203) {
    sum(m, securityBlobNode(f, f.c.remaining));
    return;
  }
  if ((sub === 5 || sub === 7) && lvl !== undefined) {
    infoData(f, m, lvl, false);
    return;
  }
  // A POSIX open answers its SET_PATH_INFO with the new FID (and optionally its attributes).
  if ((sub === 6 || sub === 8) && lvl === 0x209) {
    infoData(f, m, lvl, false);
    return;
  }
  rest(f);
}

const DELETE_PENDING: Readonly<Record<number, string>> = {
  0: "Normal, no pending delete",
  1: "This object has DELETE PENDING",
};

const IS_DIR: Readonly<Record<number, string>> = { 0: "This is NOT a directory", 1: "This is a DIRECTORY" };

function basicInfo(f: Fields): void {
  smbFileTimes(f);
  fileAttributes(f);
}

/** QUERY/SET path and file information data (MS-CIFS 2.2.8, MS-FSCC 2.4 pass-through levels). */
function infoData(f: Fields, m: Smb1Msg, lvl: number, set: boolean): void {
  if (unixInfoData(f, m, lvl, set)) {
    rest(f);
    return;
  }
  // Info Set EAs / Info Query EAs From List / Info Query All EAs: an FEA list.
  if ((set && lvl === 2) || (!set && (lvl === 3 || lvl === 4))) {
    feaList(f);
    rest(f);
    return;
  }
  if (set && setOnlyData(f, lvl)) return;
  switch (lvl) {
    case 1:
    case 2:
      infoStandard(f, set);
      if (lvl === 2) f.uint("smb.ea.list_length", "EA List Length", 4);
      break;
    case 0x101:
    case 1004:
      basicInfo(f);
      if (f.c.remaining >= 4) f.bytes("smb.unknown_data", "Unknown Data", 4);
      break;
    case 0x102:
    case 1005:
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.end_of_file", "End Of File");
      f.uint("smb.link_count", "Link Count", 4);
      f.uint("smb.delete_pending", "Delete Pending", 1, { vals: DELETE_PENDING });
      f.uint("smb.is_directory", "Is Directory", 1, { vals: IS_DIR });
      if (f.c.remaining >= 2) f.bytes("smb.unknown_data", "Unknown Data", 2);
      break;
    case 1006:
      f.u64("smb.index_number", "Index Number", { base: "hex" });
      break;
    case 0x103:
    case 1007:
      f.uint("smb.ea.list_length", "EA List Length", 4);
      break;
    case 1013:
      deleteOnClose(f);
      break;
    case 0x104:
    case 1009: {
      const l = f.uint("smb.file_name_len", "File Name Len", 4);
      smbString(f, m, "smb.file", "File Name", { len: l, unicode: true });
      break;
    }
    case 0x107:
    case 1018: {
      basicInfo(f);
      f.c.skip(Math.min(4, f.c.remaining));
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.end_of_file", "End Of File");
      f.uint("smb.link_count", "Link Count", 4);
      f.uint("smb.delete_pending", "Delete Pending", 1, { vals: DELETE_PENDING });
      f.uint("smb.is_directory", "Is Directory", 1, { vals: IS_DIR });
      f.c.skip(Math.min(2, f.c.remaining));
      f.uint("smb.ea.list_length", "EA List Length", 4);
      const l = f.uint("smb.file_name_len", "File Name Len", 4);
      smbString(f, m, "smb.file", "File Name", { len: l, align: false });
      break;
    }
    case 0x109:
    case 1022:
      streamInfo(f, m);
      break;
    case 0x108:
    case 1021: {
      const l = f.uint("smb.file_name_len", "File Name Len", 4);
      smbString(f, m, "smb.file", "File Name", { len: l, unicode: true, align: false });
      break;
    }
    case 0x10b:
    case 1028:
      f.u64("smb.compressed.file_size", "Compressed Size");
      f.uint("smb.compressed.format", "Compression Format", 2);
      f.uint("smb.compressed.unit_shift", "Unit Shift", 1);
      f.uint("smb.compressed.chunk_shift", "Chunk Shift", 1);
      f.uint("smb.compressed.cluster_shift", "Cluster Shift", 1);
      reserved(f, 3);
      break;
    case 1014:
      f.u64("smb.position", "Position");
      break;
    case 1016:
      f.uint("smb.mode", "Mode", 4, { base: "hex" });
      break;
    case 1017:
      f.uint("smb.alignment", "Alignment", 4, { vals: ALIGNMENT });
      break;
    case 1034:
      smbFileTimes(f);
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.end_of_file", "End Of File");
      fileAttributes(f);
      reserved(f, 4);
      break;
    case 1035:
      f.uint("smb.attribute", "Attribute", 4, { base: "hex" });
      f.uint("smb.reparse_tag", "Reparse Tag", 4, { base: "hex" });
      break;
    default:
      rest(f);
  }
}

/** FILE_DISPOSITION_INFORMATION's flag; Wireshark shows the flag itself, not a parent. */
function deleteOnClose(f: Fields): void {
  f.bitmask("smb.disposition.delete_on_close", "Delete on close", 1, [
    {
      name: "smb.disposition.delete_on_close",
      label: "Delete on close",
      mask: 1,
      t: "DELETE this file when closed",
      f: "Normal access, do not delete on close",
    },
  ]);
  if (!f.light) {
    const n = f.nodes.pop()!;
    f.nodes.push(n.children![0]!);
  }
}

/** FILE_ALIGNMENT_INFORMATION values (MS-FSCC 2.4.3) as tshark names the one Samba returns. */
const ALIGNMENT: Readonly<Record<number, string>> = { 0: "Byte alignment" };

const MARKED: Readonly<Record<number, string>> = {
  0: "File is NOT marked for deletion",
  1: "File is MARKED FOR DELETION",
};

const REPLACE: Readonly<Record<number, string>> = {
  0: "Do NOT remove target file if it exists",
  1: "Remove target file if it exists",
};

/** SET levels whose number means something else in a query; false if `lvl` is not one. */
function setOnlyData(f: Fields, lvl: number): boolean {
  switch (lvl) {
    case 0x103:
    case 1019:
      f.u64("smb.alloc_size64", "Allocation Size");
      break;
    case 0x104:
    case 1020:
      f.u64("smb.end_of_file", "End Of File");
      break;
    case 1010: {
      // FILE_RENAME_INFORMATION (MS-FSCC 2.4.37.1) with a 4-byte ReplaceIfExists.
      f.uint("smb.replace", "Replace", 4, { vals: REPLACE });
      f.uint("smb.root_dir_handle", "Root Directory Handle", 4, { base: "hex" });
      const l = f.uint("smb.target_name_len", "Target name length", 4);
      f.utf16("smb.target_name", "Target name", Math.min(l, f.c.remaining));
      break;
    }
    case 0x102:
      f.uint("smb.marked_for_deletion", "Marked for Deletion", 1, { vals: MARKED });
      break;
    case 1013:
      deleteOnClose(f);
      break;
    default:
      return false;
  }
  rest(f);
  return true;
}

function streamInfo(f: Fields, m: Smb1Msg): void {
  for (let guard = 0; guard < 4096 && f.c.remaining >= 24; guard++) {
    const at = f.c.pos;
    const next = f.c.peekU32();
    const nlen = f.c.peekU32(at + 4);
    const name = f.c.has(nlen, at + 24)
      ? f.c.buf.subarray(at + 24, at + 24 + (nlen & ~1)).toString("utf16le")
      : "";
    f.tree("smbcmp.smb.stream_info", `Stream Info: ${name}`, () => {
      f.uint("smb.next_entry_offset", "Next Entry Offset", 4);
      f.uint("smb.stream_name_len", "Stream Name Length", 4);
      f.u64("smb.stream_size", "Stream Size");
      f.u64("smb.alloc_size64", "Allocation Size");
      smbString(f, m, "smb.stream_name", "Stream Name", { len: nlen, unicode: true, align: false });
    });
    if (!next) break;
    f.c.pos = at + next;
  }
}

function fsData(f: Fields, m: Smb1Msg, lvl: number): void {
  switch (lvl) {
    case 1:
      // SMB_INFO_ALLOCATION (MS-CIFS 2.2.8.2.1).
      f.uint("smb.fs_id", "FS Id", 4);
      f.uint("smb.fs_sector_per_unit", "Sectors/Unit", 4);
      f.uint("smb.fs_units", "Total Units", 4);
      f.uint("smb.avail.units", "Available Units", 4);
      f.uint("smb.fs_bytes_per_sector", "Bytes per Sector", 2);
      break;
    case 2: {
      // SMB_INFO_VOLUME (MS-CIFS 2.2.8.2.2): a one-byte count, then the unaligned label.
      f.uint("smb.volume.serial", "Volume Serial Number", 4, { base: "hex" });
      const l = f.uint("smb.volume.label.len", "Label Length", 1);
      smbString(f, m, "smb.volume.label", "Label", { len: l, align: false });
      break;
    }
    case 0x104:
    case 1004:
      f.uint("smb.device.type", "Device Type", 4, { base: "hex", vals: DEVICE_TYPES });
      plainBits(f, "smb.device", "Device Characteristics", 4, DEVICE_CHARS);
      break;
    case 0x102:
    case 1001: {
      f.filetime("smb.create.time", "Created");
      f.uint("smb.volume.serial", "Volume Serial Number", 4, { base: "hex" });
      const l = f.uint("smb.volume.label.len", "Label Length", 4);
      reserved(f, 2);
      if (l) smbString(f, m, "smb.volume.label", "Label", { len: l, unicode: true, align: false });
      break;
    }
    case 0x103:
    case 1003:
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.free_alloc_units", "Free Units");
      f.uint("smb.fs_sector_per_unit", "Sectors/Unit", 4);
      f.uint("smb.fs_bytes_per_sector", "Bytes per Sector", 4);
      break;
    case 1007:
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.caller_free_alloc_units", "Caller Free Units");
      f.u64("smb.actual_free_alloc_units", "Actual Free Units");
      f.uint("smb.fs_sector_per_unit", "Sectors/Unit", 4);
      f.uint("smb.fs_bytes_per_sector", "Bytes per Sector", 4);
      break;
    case 0x105:
    case 1005: {
      f.bitmask("smb.fs_attr", "FS Attributes", 4, FS_ATTRS);
      f.uint("smb.fs_max_name_len", "Max name length", 4);
      const l = f.uint("smb.fs_name.len", "Label Length", 4);
      smbString(f, m, "smb.fs_name", "FS Name", { len: l, unicode: true, align: false });
      break;
    }
    default:
      rest(f);
  }
}

/**
 * SMB_DATE then SMB_TIME (MS-CIFS 2.2.1.4; the other way round with `timeFirst`, as OPEN2's
 * creation time) as tshark shows the LANMAN info levels' times:
 * `<base>.time` with the two words as `<base>.smb.date` and `<base>.smb.time`.
 */
function dosTime(f: Fields, base: string, label: string, timeFirst = false): void {
  const name = `${base}.time`;
  // Too short: a truncated node, then the short read ends the structure.
  if (!f.c.has(4)) f.bytes(name, label, 4);
  const at = f.c.pos;
  const first = f.c.u16();
  const second = f.c.u16();
  const [date, time] = timeFirst ? [second, first] : [first, second];
  if (f.light) return;
  const p = dosParts(date, time);
  const show = formatAbsTime(p.valid ? p.secs : 0n, 0);
  const raw = hexN(date * 0x10000 + time, 8);
  const none = date === 0 && time === 0;
  const text = none ? `No time specified (${raw})` : p.valid ? show : `Invalid time (${raw})`;
  const n = node(name, `${label}: ${text}`, show, show, at, 4);
  if (!none) {
    const d = node(`${base}.smb.date`, p.dateLabel, hexN(date, 4), date, timeFirst ? at + 2 : at, 2);
    const t = node(`${base}.smb.time`, p.timeLabel, hexN(time, 4), time, timeFirst ? at : at + 2, 2);
    n.children = timeFirst ? [t, d] : [d, t];
  }
  f.add(n);
}

/** The times, sizes and attributes that open SMB_INFO_STANDARD and its EA variants (MS-CIFS 2.2.8). */
function infoStandard(f: Fields, set = false): void {
  dosTime(f, "smb.create", "Created");
  dosTime(f, "smb.access", "Last Access");
  dosTime(f, "smb.last_write", "Last Write");
  // A set may send the times only (smbtorture does).
  if (set && f.c.remaining === 0) return;
  f.uint("smb.data_size", "Data Size", 4);
  f.uint("smb.alloc_size", "Allocation Size", 4);
  fileAttributes(f, 2);
}

/**
 * FIND_FIRST2/FIND_NEXT2 entries at the LANMAN levels (MS-CIFS 2.2.8.1.1-3): packed without a
 * next offset, as many as the Search Count says, each after a resume key if the request asked.
 */
function oldFindData(f: Fields, m: Smb1Msg, lvl: number, count: number): void {
  const resume = m.rec.extra?.resumeKeys === true;
  const label = FF2_LEVELS[lvl] ?? "Unknown";
  const names: string[] = [];
  try {
    for (let i = 0; i < 65536 && f.c.remaining > 0 && (count === 0 || i < count); i++)
      f.tree("smbcmp.smb.find_entry", label, (n) => {
        if (resume) f.uint("smb.resume", "Resume Key", 4);
        infoStandard(f);
        if (lvl === 2) f.uint("smb.ea.list_length", "EA List Length", 4);
        if (lvl === 3) feaList(f);
        const len = f.uint("smb.file_name_len", "File Name Len", 1);
        if (m.pdu.trans) nameFits(f, m, len, lvl === 1);
        let name: string;
        // Samba aligns and NUL-terminates an Info Standard name (tshark reads it up to the NUL);
        // the EA levels' name is unaligned, followed by a one-byte NUL that tshark skips.
        if (lvl === 1) name = smbString(f, m, "smb.file", "File Name");
        else {
          name = smbString(f, m, "smb.file", "File Name", { len, align: false });
          if (f.c.remaining > 0) f.c.skip(1);
        }
        names.push(name);
        n.label = `${label} File: ${escInfo(name)}`;
      });
  } finally {
    if (names.length) sum(m, `, Files: ${names.join(" ")}`);
  }
  rest(f);
}

/**
 * In one piece of a multi-part response, a name of `len` bytes (after its alignment when
 * `aligned`) that runs past the piece's end ends the listing there, as Wireshark's first pass does.
 */
function nameFits(f: Fields, m: Smb1Msg, len: number, aligned: boolean): void {
  const c = f.c;
  const at = c.pos + (aligned && m.unicode && (c.pos - m.h.at) % 2 === 1 ? 1 : 0);
  if (!c.has(len, at)) throw new ShortRead(at, len, c.end);
}

/** FIND_FIRST2/FIND_NEXT2 result entries at the NT levels (MS-FSCC 2.4). */
function findData(f: Fields, m: Smb1Msg, lvl: number): void {
  const names: string[] = [];
  const label = FF2_LEVELS[lvl] ?? "Unknown";
  if (lvl < 0x101 || lvl > 0x106) {
    rest(f);
    return;
  }
  // FILE_NAMES_INFORMATION has only the index and the name.
  const bare = lvl === 0x103;
  try {
    findEntries(f, m, lvl, bare, label, names);
  } finally {
    if (names.length) sum(m, `, Files: ${names.join(" ")}`);
  }
  if (f.c.remaining > 0) rest(f);
}

function findEntries(
  f: Fields,
  m: Smb1Msg,
  lvl: number,
  bare: boolean,
  label: string,
  names: string[],
): void {
  for (let guard = 0; guard < 65536 && f.c.remaining >= 4; guard++) {
    const at = f.c.pos;
    const next = f.c.peekU32();
    const nlenAt = at + (bare ? 8 : 60);
    const nlen = f.c.has(4, nlenAt) ? f.c.peekU32(nlenAt) : 0;
    const nameAt =
      at +
      (bare ? 12 : lvl === 0x101 ? 64 : lvl === 0x102 ? 68 : lvl === 0x104 ? 94 : lvl === 0x105 ? 80 : 104);
    const whole = f.c.has(nlen, nameAt);
    // An entry cut by the end of one piece of a multi-part response: the listing stops there.
    if (!whole && m.pdu.trans) throw new ShortRead(nameAt, nlen, f.c.end);
    const name = whole
      ? f.c.buf.subarray(nameAt, nameAt + (nlen & ~1)).toString(m.unicode ? "utf16le" : "latin1")
      : "";
    names.push(name);
    const len = next ? next : Math.min(f.c.remaining, nameAt + nlen - at);
    f.tree(
      "smbcmp.smb.find_entry",
      `${label} File: ${name}`,
      () => {
        f.uint("smb.next_entry_offset", "Next Entry Offset", 4);
        f.uint("smb.file_index", "File Index", 4);
        if (!bare) {
          smbFileTimes(f);
          f.u64("smb.end_of_file", "End Of File");
          f.u64("smb.alloc_size64", "Allocation Size");
          fileAttributes(f);
        }
        f.uint("smb.file_name_len", "File Name Len", 4);
        if (lvl !== 0x101 && !bare) f.uint("smb.ea.list_length", "EA List Length", 4);
        if (lvl === 0x104 || lvl === 0x106) {
          const sl = f.uint("smb.short_file_name_len", "Short File Name Len", 1);
          reserved(f, 1);
          smbString(f, m, "smb.short_file", "Short File Name", { len: 24, unicode: true, align: false });
          if (!f.light) {
            const sn = f.nodes[f.nodes.length - 1]!;
            const s = f.c.buf.subarray(f.c.pos - 24, f.c.pos - 24 + (sl & ~1)).toString("utf16le");
            sn.label = `Short File Name: ${s}`;
            sn.show = s;
            sn.value = s;
          }
        }
        if (lvl === 0x105 || lvl === 0x106) {
          // tshark shows the 2 reserved bytes after the short name, not the 4 before a bare id.
          if (lvl === 0x105) f.c.skip(Math.min(4, f.c.remaining));
          else reserved(f, 2);
          f.u64("smb.index_number", "Index Number", { base: "hex" });
        }
        f.c.pos = nameAt;
        smbString(f, m, "smb.file", "File Name", { len: nlen, align: false });
        if (next && at + next > f.c.pos && at + next <= f.c.end) f.c.pos = at + next;
      },
      len,
    );
    if (!next) break;
    f.c.pos = at + next;
  }
}

// ------------------------------------------------------------------ NT TRANSACT

const NOTIFY_BITS: readonly BitSpec[] = [
  nfy("file_name", "File Name Change", 0x1, "FILE NAME", "file name"),
  nfy("dir_name", "Directory Name Change", 0x2, "DIR NAME", "dir name"),
  nfy("attributes", "Attribute Change", 0x4, "ATTRIBUTES", "attributes"),
  nfy("size", "Size Change", 0x8, "SIZE", "size"),
  nfy("last_write", "Last Write Change", 0x10, "LAST WRITE TIME", "last write time"),
  nfy("last_access", "Last Access Change", 0x20, "LAST ACCESS TIME", "last access time"),
  nfy("creation", "Created Change", 0x40, "CREATION TIME", "creation time"),
  nfy("ea", "EA Change", 0x80, "EA", "EA"),
  nfy("security", "Security Change", 0x100, "SECURITY", "security"),
  nfy("stream_name", "Stream Name Change", 0x200, "STREAM NAME", "stream name"),
  nfy("stream_size", "Stream Size Change", 0x400, "STREAM SIZE", "stream size"),
  nfy("stream_write", "Stream Write", 0x800, "STREAM WRITE", "stream write"),
];

function nfy(n: string, label: string, mask: number, t: string, fl: string): BitSpec {
  return {
    name: `smb.nt.notify.${n}`,
    label,
    mask,
    t: `Notify on changes to ${t}`,
    f: `Do NOT notify on changes to ${fl}`,
  };
}

const NOTIFY_ACTION: Readonly<Record<number, string>> = {
  1: "ADDED (object was added)",
  2: "REMOVED (object was removed)",
  3: "MODIFIED (object was modified)",
  4: "RENAMED_OLD_NAME (this is the old name of object)",
  5: "RENAMED_NEW_NAME (this is the new name of object)",
  6: "ADDED_STREAM (a stream was added)",
  7: "REMOVED_STREAM (a stream was removed)",
  8: "MODIFIED_STREAM (a stream was modified)",
};

function ntName(fn: number | undefined): string {
  if (fn === undefined) return "<unknown>";
  return NT_TRANS_NAMES[fn] ?? `<unknown (${fn})>`;
}

function ntRequest(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  if (m.cmd === 0xa1) {
    m.info.summary += " (secondary request)";
    if (w >= 18) {
      reserved(f, 3);
      totals(f, 4, false);
      blockWords(f, 4, true);
      if (w > 18) f.c.skip(Math.min(2 * (w - 18), f.c.remaining));
    } else if (w) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
    bcc(f);
    return;
  }
  if (w < 19) {
    shortWords(f, w);
    return;
  }
  // The FID an NT CREATE got is shown first (known once the response was seen).
  const rf = m.rec.extra?.respFid as number | undefined;
  if (rf !== undefined && !m.ctx.first && !f.light) {
    const saved = f.nodes;
    const wctNode = saved.pop()!;
    fidNode(f, m, { generated: rf, full: true });
    saved.push(wctNode);
  }
  f.uint("smb.msc", "Max Setup Count", 1);
  reserved(f, 2);
  totals(f, 4, true);
  const { pc, po, dc, doff } = blockWords(f, 4, false);
  const sc = f.uint("smb.sc", "Setup Count", 1);
  const fn = f.uint("smb.nt.function", "Function", 2, { vals: (v) => NT_TRANS_NAMES[v] });
  m.rec.sub = fn;
  const name = NT_TRANS_NAMES[fn];
  const title = name ?? `Unknown NT transaction (${fn})`;
  sum(m, `, ${name ?? "<unknown>"}`);
  m.info.detail = name ?? String(fn);
  const setupEnd = f.c.pos + 2 * sc;
  if (sc > 0)
    f.tree(
      "smbcmp.smb.nt.setup",
      `${title} Setup`,
      () => {
        f.within(f.c.pos, 2 * sc, () => {
          if (fn === 4 && sc >= 4) {
            plainNotify(f);
            const fid = fidNode(f, m);
            f.uint("smb.nt.notify.watch_tree", "Watch Tree", 1, {
              vals: { 0: "Current directory only", 1: "Subdirectories also" },
            });
            reserved(f, 1);
            sum(m, `, FID: ${hexN(fid, 4)}`);
          } else if (fn === 2 && sc >= 4) {
            const code = ctlCode(f, fsctlName);
            const ctl = SMB1_FSCTL_NAMES[code] ?? ctlSummary(code);
            m.info.summary += ` ${ctl}`;
            m.info.detail = `NT IOCTL/${ctl}`;
            m.rec.extra = { ...m.rec.extra, ctl: code };
            const fid = fidNode(f, m);
            f.uint("smb.nt.ioctl.isfsctl", "IsFSctl", 1, {
              vals: { 0: "Device IOCTL", 1: "FS control : FSCTL" },
            });
            f.bitmask("smb.nt.ioctl.completion_filter", "Completion Filter", 1, [
              {
                name: "smb.nt.ioctl.flags.root_handle",
                label: "Root Handle",
                mask: 1,
                t: "Apply to share root handle",
                f: "Apply to this share",
              },
            ]);
            relabel(f, `Completion Filter: ${hexN(f.c.buf[f.c.pos - 1]!, 2)}`);
            sum(m, `, FID: ${hexN(fid, 4)}`);
          } else rest(f);
        });
        f.c.pos = setupEnd;
      },
      2 * sc,
    );
  f.c.pos = Math.min(f.c.end, setupEnd);
  const { end } = bcc(f);
  // Empty blocks still have offsets; tshark shows the bytes up to them as padding.
  if (pc === 0 && po) bounded(f, end, () => padTo(f, m, po));
  block(f, m, "smbcmp.smb.nt.params", `${title} Parameters`, po, pc, () => ntReqParams(f, m, fn));
  if (dc === 0 && doff) bounded(f, end, () => padTo(f, m, doff));
  block(f, m, "smbcmp.smb.nt.data", `${title} Data`, doff, dc, () => ntReqData(f, m, fn));
  f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
}

/** FSCTLs tshark names in SMB1 NT IOCTLs that the shared SMB2 table lacks. */
const SMB1_FSCTL_NAMES: Readonly<Record<number, string>> = {
  589832: "FSCTL_REQUEST_BATCH_OPLOCK",
  589967: "FSCTL_FIND_FILES_BY_SID",
};

const fsctlName = (v: number): string | undefined => FSCTL_NAMES[v] ?? SMB1_FSCTL_NAMES[v];

const QSD_BITS: readonly BitSpec[] = (
  [
    ["owner", "Owner", 1, "OWNER"],
    ["group", "Group", 2, "GROUP"],
    ["dacl", "DACL", 4, "DACL"],
    ["sacl", "SACL", 8, "SACL"],
  ] as const
).map(([n, label, mask, what]) => ({
  name: `smb.nt_qsd.${n}`,
  label,
  mask,
  t: `Requesting ${what} security information`,
  f: `NOT requesting ${what} security information`,
}));

/** SMB1 file-specific access rights, as tshark shows them inside security descriptors. */
const FILE_SPECIFIC_BITS: readonly BitSpec[] = specificBits("file", [
  ["write_attribute", "Write Attribute", 0x100],
  ["read_attribute", "Read Attribute", 0x80],
  ["execute", "Execute", 0x20],
  ["write_ea", "Write EA", 0x10],
  ["read_ea", "Read EA", 0x8],
  ["append_data", "Append Data", 0x4],
  ["write_data", "Write Data", 0x2],
  ["read_data", "Read Data", 0x1],
]);

/** The same for a directory's descriptor (a FID whose create response said it is one). */
const DIR_SPECIFIC_BITS: readonly BitSpec[] = specificBits("dir", [
  ["write_attribute", "Write Attribute", 0x100],
  ["read_attribute", "Read Attribute", 0x80],
  ["delete_child", "Delete Child", 0x40],
  ["traverse", "Traverse", 0x20],
  ["write_ea", "Write EA", 0x10],
  ["read_ea", "Read EA", 0x8],
  ["add_subdir", "Add Subdir", 0x4],
  ["add_file", "Add File", 0x2],
  ["list", "List", 0x1],
]);

function specificBits(kind: "file" | "dir", bits: readonly (readonly [string, string, number])[]): BitSpec[] {
  return bits.map(([n, label, mask]) => ({
    name: `smb.${kind}.accessmask.${n}`,
    label,
    mask,
    t: "Set",
    f: "Not set",
  }));
}

/**
 * A security descriptor (src/dtyp) of a known FID, whose ACEs show SMB1's "FILE specific rights"
 * (or, for a directory, "DIR specific rights") instead of the generic specific bits, as tshark's
 * SMB dissector does.
 */
function smbSecDesc(f: Fields, m: Smb1Msg, len: number): void {
  const from = f.nodes.length;
  securityDescriptor(f, len);
  if (f.light) return;
  // A FID whose open was not seen keeps the generic bits, as in tshark.
  const fid = m.rec.fid;
  const rec = fid === undefined ? undefined : fileOf(m, fid);
  if (!rec) return;
  const dir = !!rec.dir;
  const kind = dir ? "dir" : "file";
  const bits = dir ? DIR_SPECIFIC_BITS : FILE_SPECIFIC_BITS;
  const fix = (nodes: FieldNode[]) => {
    for (const n of nodes) {
      if (n.name === "smbcmp.nt.access_mask.specific") {
        const mask = Number(n.label.slice(n.label.indexOf("0x")));
        const kids = Fields.bitmaskNode("", "", mask, 4, n.offset, bits).children ?? [];
        if ((mask & 0x1ff) === 0x1ff)
          kids.unshift(
            node(
              `smb.${kind}.accessmask.full_control`,
              `${bitPattern(mask, 0x1ff, 32)} = FULL CONTROL: 0x1ff`,
              "0x000001ff",
              0x1ff,
              n.offset,
              4,
            ),
          );
        n.label = `${dir ? "DIR" : "FILE"} specific rights: ${hexN(mask, 8)}`;
        n.children = kids;
      } else if (n.children) fix(n.children);
    }
  };
  fix(f.nodes.slice(from));
}

/** NT CREATE data: the security descriptor, then the extended attributes (FILE_FULL_EA_INFORMATION). */
function ntReqData(f: Fields, m: Smb1Msg, fn: number): void {
  if (fn === 3) {
    smbSecDesc(f, m, f.c.remaining);
    return;
  }
  if (fn === 1) {
    const sd = (m.rec.extra?.sdLen as number | undefined) ?? 0;
    const ea = (m.rec.extra?.eaLen as number | undefined) ?? 0;
    const at = f.c.pos;
    // The descriptor a create sets keeps the generic specific bits in tshark (no FID yet).
    if (sd > 0 && f.c.remaining > 0) securityDescriptor(f, Math.min(sd, f.c.remaining));
    if (ea > 0) {
      // The EA list starts 4-byte aligned after the descriptor.
      const eaAt = at + ((sd + 3) & ~3);
      if (eaAt > f.c.pos && eaAt <= f.c.end) f.bytes("smb.padding", "Padding", eaAt - f.c.pos);
      if (f.c.pos < f.c.end) f.within(f.c.pos, Math.min(ea, f.c.remaining), () => fullEaList(f));
      f.c.pos = Math.min(f.c.end, f.c.pos + ea);
    }
  }
  rest(f);
}

/** FILE_FULL_EA_INFORMATION entries (MS-FSCC 2.4.15) until NextEntryOffset is 0. */
function fullEaList(f: Fields): void {
  for (let guard = 0; guard < 4096 && f.c.remaining >= 8; guard++) {
    const at = f.c.pos;
    const next = f.c.peekU32();
    f.tree("smbcmp.smb.ea", `Extended Attribute: ${eaNameAt(f, at + 4)}`, () => {
      f.uint("smb.next_entry_offset", "Next Entry Offset", 4);
      eaBody(f);
    });
    if (!next) break;
    f.c.pos = at + next;
  }
}

function eaNameAt(f: Fields, at: number): string {
  if (!f.c.has(4, at)) return "";
  const nl = f.c.buf[at + 1]!;
  return eaLabel(eaAscii(f.c.buf.subarray(at + 4, Math.min(f.c.end, at + 4 + nl))));
}

/** An EA name as tshark decodes it: ASCII up to the NUL, other bytes as U+FFFD. */
function eaAscii(b: Buffer): string {
  let s = "";
  for (const c of b) {
    if (c === 0) break;
    s += c < 0x80 ? String.fromCharCode(c) : "\ufffd";
  }
  return s;
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\t": "\\t",
  "\n": "\\n",
  "\v": "\\v",
  "\f": "\\f",
  "\r": "\\r",
};

/** Control characters in a label: C escapes where C has one, else octal (`\001`). */
function eaLabel(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => C_ESCAPES[c] ?? escInfo(c));
}

/** Control characters in a show: tab, newline and carriage return stay, the rest `\x1`. */
function eaShow(s: string): string {
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, escShow);
}

/** Flags, lengths, name and value of one EA (FEA, MS-CIFS 2.2.1.2.2). */
function eaBody(f: Fields): void {
  f.uint("smb.ea.flags", "EA Flags", 1, { base: "hex" });
  const nl = f.uint("smb.ea.name_length", "EA Name Length", 1);
  const dl = f.uint("smb.ea.data_length", "EA Data Length", 2);
  const raw = f.bytes("smb.ea.name", "EA Name", Math.min(nl + 1, f.c.remaining));
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1]!;
    const name = eaAscii(raw);
    n.label = `EA Name: ${eaLabel(name)}`;
    n.show = eaShow(name);
    n.value = name;
  }
  const v = f.bytes("smb.ea.data", "EA Data", Math.min(dl, f.c.remaining));
  // tshark's label shows the value as a quoted string.
  if (v.length)
    relabel(
      f,
      `EA Data: "${[...v].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("")}"`,
    );
}

/** An FEA list (MS-CIFS 2.2.1.2.2): SizeOfListInBytes, then packed entries. */
function feaList(f: Fields): void {
  const total = f.uint("smb.ea.list_length", "EA List Length", 4);
  const end = Math.min(f.c.end, f.c.pos - 4 + Math.max(4, total));
  for (let guard = 0; guard < 4096 && f.c.pos + 4 <= end; guard++) {
    const at = f.c.pos;
    const len = 4 + f.c.buf[at + 1]! + 1 + f.c.buf.readUInt16LE(at + 2);
    f.tree(
      "smbcmp.smb.ea",
      `Extended Attribute: ${eaNameAt(f, at)}`,
      () => eaBody(f),
      Math.min(len, end - at),
    );
    f.c.pos = Math.min(end, at + len);
  }
}

function plainNotify(f: Fields): void {
  plainBits(f, "smb.nt.notify.completion_filter", "Completion Filter", 4, NOTIFY_BITS);
  if (!f.light) {
    // Wireshark lists the set flags in this parent.
    const n = f.nodes[f.nodes.length - 1]!;
    const v = n.value as number;
    const set = NOTIFY_BITS.filter((b) => v & b.mask).map((b) => b.label);
    n.label = `Completion Filter: ${hexN(v, 8)}${set.length ? `, ${set.join(", ")}` : ""}`;
  }
}

function ntReqParams(f: Fields, m: Smb1Msg, fn: number): void {
  switch (fn) {
    case 1:
      ntCreateParams(f, m);
      return;
    case 3:
    case 6: {
      const fid = fidNode(f, m);
      reserved(f, 2);
      f.bitmask("smb.nt_qsd", "Security Information", 4, QSD_BITS);
      sum(m, `, FID: ${hexN(fid, 4)}`);
      return;
    }
    case 5:
      // NT RENAME parameters are not broken down by Wireshark.
      f.c.pos = f.c.end;
      return;
    default:
      rest(f);
  }
}

/** NT CREATE parameters (MS-CIFS 2.2.7.1.1): like NT Create AndX plus SD and EA lengths. */
function ntCreateParams(f: Fields, m: Smb1Msg): void {
  const create = ntCreateCore(f);
  const sdLen = f.uint("smb.sd.length", "SD Length", 4);
  const eaLen = f.uint("smb.ea.list_length", "EA List Length", 4);
  const nlen = f.uint("smb.file_name_len", "File Name Len", 4);
  f.uint("smb.impersonation.level", "Impersonation", 4, { vals: IMPERSONATION });
  f.bitmask("smb.security.flags", "Security Flags", 1, SECURITY_FLAGS);
  if (m.unicode && (f.c.pos - m.h.at) % 2 === 1 && f.c.remaining > 0) f.bytes("smb.padding", "Padding", 1);
  const name = smbString(f, m, "smb.file", "File Name", { len: nlen });
  m.rec.path = name;
  m.rec.extra = { ...m.rec.extra, ...create, sdLen, eaLen };
  m.info.path = name;
  m.info.detail = `NT CREATE/${CREATE_DISPOSITION[create.disposition]?.split(" ")[0] ?? create.disposition}`;
}

function ntResponse(f: Fields, m: Smb1Msg): void {
  const known = m.pdu.frame !== 0;
  const fn = known ? m.rec.sub : undefined;
  // An NT CREATE response carries its new FID in the parameters instead.
  // The request's FID is repeated only when it names an open file tshark tracks.
  if (m.rec.fid !== undefined && fn !== 1 && fileOf(m, m.rec.fid)) {
    fidNode(f, m, { generated: m.rec.fid });
    sum(m, `, FID: ${hexN(m.rec.fid, 4)}`);
  }
  if (fn !== undefined) uintNode(f, "smb.nt.function", "Function", fn, 2, { vals: (v) => NT_TRANS_NAMES[v] });
  else if (!f.light)
    f.add(
      node(
        "smb.nt.function",
        "Function: <unknown function - could not find matching request>",
        "4294967295",
        4294967295,
        -1,
        0,
        FieldFlag.Generated,
      ),
    );
  sum(m, `, ${ntName(fn)}`);
  if (fn !== undefined) m.info.detail = NT_TRANS_NAMES[fn] ?? String(fn);
  const w = wct(f);
  if (w < 18) {
    shortWords(f, w);
    return;
  }
  reserved(f, 3);
  const [tpc, tdc] = totals(f, 4, false);
  const words = blockWords(f, 4, true);
  const { pc, po, dc, doff } = words;
  const sc = f.uint("smb.sc", "Setup Count", 1);
  if (sc) f.c.skip(Math.min(2 * sc, f.c.remaining));
  const b: RespBlocks = { ...words, tpc, tdc, sc };
  const later = continuation(m);
  if (later) m.info.flags |= MsgFlag.Continuation;
  notePiece(m, b, !later);
  const { end } = bcc(f);
  const title =
    fn === undefined ? "Unknown NT Transaction" : (NT_TRANS_NAMES[fn] ?? `Unknown NT transaction (${fn})`);
  const suffix = fn === undefined ? " (matching request not seen)" : "";
  const params = `${title} Parameters${suffix}`;
  const data = `${title} Data${suffix}`;
  const whole = reassembled(m);
  if (whole)
    bounded(f, end, () =>
      reassembledBlocks(
        f,
        m,
        b,
        whole,
        { name: "smbcmp.smb.nt.params", label: params, fn: (g, mm) => ntRespParams(g, mm, fn) },
        { name: "smbcmp.smb.nt.data", label: data, fn: (g, mm) => ntRespData(g, mm, fn) },
      ),
    );
  else {
    pieceOnly(m, () => block(f, m, "smbcmp.smb.nt.params", params, po, pc, () => ntRespParams(f, m, fn)));
    pieceOnly(m, () => block(f, m, "smbcmp.smb.nt.data", data, doff, dc, () => ntRespData(f, m, fn)));
  }
  f.c.pos = Math.max(f.c.pos, Math.min(end, f.c.end));
}

function ntRespParams(f: Fields, m: Smb1Msg, fn: number | undefined): void {
  if (fn === 4) {
    for (let guard = 0; guard < 4096 && f.c.remaining >= 12; guard++) {
      const at = f.c.pos;
      const next = f.uint("smb.next_entry_offset", "Next Entry Offset", 4);
      f.uint("smb.nt.notify.action", "Action", 4, { vals: NOTIFY_ACTION });
      const l = f.uint("smb.file_name_len", "File Name Len", 4);
      smbString(f, m, "smb.file", "File Name", { len: l, unicode: true, align: false });
      if (!next) break;
      f.c.pos = at + next;
    }
    return;
  }
  if (fn === 6) {
    f.uint("smb.sec_desc_len", "NT Security Descriptor Length", 4);
    return;
  }
  if (fn === 1) {
    f.uint("smb.oplock.level", "Oplock level", 1, { vals: OPLOCK_LEVEL });
    f.uint("smb.response_type", "Response type", 1, {
      base: "hex",
      vals: { 0: "Non-extended response", 1: "Extended response" },
    });
    const fid = f.c.peekU16();
    // tshark keeps neither the name nor the create parameters of this FID.
    registerOpen(m, fid, true);
    fidNode(f, m, { full: true });
    f.uint("smb.create.action", "Create action", 4, { vals: CREATE_ACTION });
    f.uint("smb.ea.error_offset", "EA Error offset", 4);
    openResult(f, m, fid);
    sum(m, `, FID: ${hexN(fid, 4)}`);
    return;
  }
  rest(f);
}

function ntRespData(f: Fields, m: Smb1Msg, fn: number | undefined): void {
  if (fn === 6) smbSecDesc(f, m, f.c.remaining);
  rest(f);
}

export const trans: Smb1Command = { request: transRequest, response: transResponse };
export const trans2: Smb1Command = { request: transRequest, response: transResponse };
export const ntTransact: Smb1Command = { request: ntRequest, response: ntResponse };

export { fileAttributes };
