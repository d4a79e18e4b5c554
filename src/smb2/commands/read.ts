/** SMB2 READ (command 0x08), MS-SMB2 2.2.19 / 2.2.20. */
import { type DcerpcSummary, dcerpcFromPipe } from "../../dcerpc/pipe.js";
import { joinedFields, joinedSource, PIPE_SMB2, pipeFragments, pipeRead } from "../../dcerpc/pipe-stream.js";
import { type BitSpec, Fields } from "../../dissect/fields.js";
import { node } from "../../dissect/tree.js";
import { fileId, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { treeOf } from "../header.js";

export const CHANNELS: Readonly<Record<number, string>> = {
  0: "None",
  1: "RDMA V1",
  2: "RDMA V1_INVALIDATE",
  3: "RDMA TRANSFORM",
};

const READ_FLAGS: readonly BitSpec[] = [
  {
    name: "smb2.read_flags.unbuffered",
    label: "Unbuffered",
    mask: 0x1,
    t: "Client is asking for UNBUFFERED read",
    f: "Client is NOT asking for UNBUFFERED read",
  },
  {
    name: "smb2.read_flags.compressed",
    label: "Compressed",
    mask: 0x2,
    t: "Client is asking for COMPRESSED data",
    f: "Client is NOT asking for COMPRESSED data",
  },
];

/**
 * The channel info (offset, length) pair and its blob (SMB_DIRECT buffer descriptors), shared by
 * READ and WRITE requests.
 */
export function channelInfo(f: Fields, m: Smb2Msg): void {
  const off = f.uint("smb2.olb.offset", "Blob Offset", 2);
  if (!f.light) {
    const n = f.nodes.at(-1)!;
    n.show = `0x${off.toString(16).padStart(8, "0")}`;
    n.label = `Blob Offset: ${n.show}`;
  }
  const len = f.uint("smb2.olb.length", "Blob Length", 2);
  if (f.light) return;
  const at = m.h.at + off;
  if (!len || !f.c.has(len, at)) {
    f.add(node("smb2.channel_info_blob", "Channel Info Blob: NO DATA", "", "", at, 0));
    return;
  }
  f.within(at, len, () => {
    f.tree(
      "smb2.channel_info_blob",
      "Channel Info Blob",
      () => {
        while (f.c.remaining >= 16) {
          f.u64("smb2.buffer_descriptor.offset", "Offset");
          f.uint("smb2.buffer_descriptor.token", "Token", 4, { base: "hex" });
          f.uint("smb2.buffer_descriptor.length", "Length", 4);
        }
      },
      len,
    );
  });
}

function request(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.uint("smb2.read_padding", "Padding", 1, { base: "hex" });
  f.bitmask("smb2.read_flags", "Flags", 1, READ_FLAGS);
  const len = f.uint("smb2.read_length", "Read Length", 4);
  const off = f.u64("smb2.file_offset", "File Offset");
  fileId(f, m);
  f.uint("smb2.min_count", "Min Count", 4);
  f.uint("smb2.channel", "Channel", 4, { base: "hex", vals: CHANNELS });
  f.uint("smb2.remaining_bytes", "Remaining Bytes", 4);
  channelInfo(f, m);
  if (m.ctx.first) {
    m.rec.fileId = m.info.fileId;
    if (m.info.path !== undefined) m.rec.path = m.info.path;
    // An asynchronous response has no TreeId: it finds the pipe through its request.
    if (treeOf(m)?.shareType === 2) m.rec.extra = { ...m.rec.extra, pipe: true };
  }
  sum(m, ` Len:${len} Off:${off}${m.info.path !== undefined ? ` File: ${m.info.path}` : ""}`);
}

function response(f: Fields, m: Smb2Msg): void {
  const c = f.c;
  const start = c.pos;
  structureSize(f);
  // Wireshark lists DataRemaining and Reserved2 before DataOffset/Reserved/DataLength.
  c.pos = start + 8;
  f.uint("smb2.read_remaining", "Read Remaining", 4);
  f.opaque("smb2.reserved", "Reserved", 4);
  c.pos = start + 2;
  const off = f.uint("smb2.olb.offset", "Blob Offset", 1);
  if (!f.light) {
    const n = f.nodes.at(-1)!;
    n.show = `0x${off.toString(16).padStart(8, "0")}`;
    n.label = `Blob Offset: ${n.show}`;
  }
  f.opaque("smb2.reserved", "Reserved", 1);
  const len = f.uint("smb2.olb.length", "Blob Length", 4);
  c.pos = start + 16;
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
  const at = m.h.at + off;
  if (!len) {
    // Wireshark still shows the (empty) data field.
    if (!f.light) f.add(node("smb2.read.blob", "Info: <MISSING>: NO DATA", "", "", Math.min(at, c.end), 0));
    return;
  }
  // The request's handle keys the pipe's DCE/RPC bindings.
  if (m.rec.fileId !== undefined) m.info.fileId ??= m.rec.fileId;
  // File data is never decoded; in light mode it is not even looked at.
  pipeData(f, m, false, at, len, () => blob(f, at, len));
}

/**
 * The data of a READ response or a WRITE request (`toServer`), `len` bytes at `at`: on a pipe, the
 * DCE/RPC it carries, a fragment in several messages joined in the last (its fragments' tree after
 * `shown`, what shows the bytes) and "reassembled in" shown in the others; the first PDU's summary.
 */
export function pipeData(
  f: Fields,
  m: Smb2Msg,
  toServer: boolean,
  at: number,
  len: number,
  shown?: () => void,
): DcerpcSummary | undefined {
  const piece = isPipe(m) ? pipeRead(f, m, toServer, at, len, m.ctx.place, m.ctx.readPlace) : undefined;
  let rpc: DcerpcSummary | undefined;
  if (piece?.kind === "joined") {
    const src = joinedSource(f.light, m.ctx, piece.buf, PIPE_SMB2);
    rpc = dcerpcFromPipe(joinedFields(piece.buf, f.light), piece.buf.length, m, undefined, src);
    if (f.light) return rpc;
    shown?.();
    if (src !== undefined) f.add(pipeFragments(piece, src, PIPE_SMB2));
    return rpc;
  }
  if (piece?.kind !== "piece") rpc = pipeRpc(f, m, at, len);
  if (f.light) return rpc;
  shown?.();
  if (piece?.kind === "piece" && piece.frame > 0)
    f.generated(
      "smb2.pipe.reassembled_in",
      "This SMB2 Named Pipe payload is reassembled in frame",
      String(piece.frame),
      piece.frame,
    );
  return rpc;
}

function blob(f: Fields, at: number, len: number): void {
  const avail = Math.max(0, Math.min(len, f.c.end - at));
  f.within(at, avail, () => f.bytes("smb2.read.blob", "Info", avail));
}

/** A READ on a named pipe (a tree of share type pipe, or the request found one). */
function isPipe(m: Smb2Msg): boolean {
  return treeOf(m)?.shareType === 2 || m.rec.extra?.pipe === true;
}

/**
 * DCE/RPC in the data of a read or write on a named pipe (a tree of share type pipe); the first
 * PDU's summary, if any.
 */
export function pipeRpc(f: Fields, m: Smb2Msg, at: number, len: number): DcerpcSummary | undefined {
  if (!len || !isPipe(m)) return undefined;
  const avail = Math.max(0, Math.min(len, f.c.end - at));
  if (avail >= 16 && f.c.peekU8(at) === 5)
    return dcerpcFromPipe(new Fields(f.c.sub(at, avail), [], f.light), avail, m);
  return undefined;
}

export const read: Smb2Command = { request, response };
