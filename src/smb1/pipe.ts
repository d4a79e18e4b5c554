/**
 * What SMB1 carries on named pipes: the SMB Pipe Protocol of TRANSACTION requests on `\PIPE\`
 * (its function and FID, in the setup words) and the DCE/RPC PDUs in the data of pipe
 * transactions, Write AndX requests and Read AndX responses. Wireshark shows both as protocols of
 * their own after `smb`: the trees built here go to the message's `after`.
 */
import { type DcerpcSummary, dcerpcFromPipe, takeDcerpcTrees } from "../dcerpc/pipe.js";
import { joinedFields, joinedSource, PIPE_SMB1, pipeFragments, pipeRead } from "../dcerpc/pipe-stream.js";
import { Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import { fidHex, fidNode } from "./common.js";
import type { Smb1Msg } from "./dissect.js";
import { PIPE_FUNCTIONS } from "./names.js";

function after(m: Smb1Msg, trees: FieldNode[]): void {
  if (!trees.length) return;
  if (m.after) m.after.push(...trees);
  else m.after = trees;
}

/**
 * DCE/RPC in the `len` bytes at `at` (offset in f's buffer) written to or read from pipe `fid`.
 * Runs in the index pass too: binds and requests seen there name the opnums of later trees.
 */
export function pipeRpc(
  f: Fields,
  m: Smb1Msg,
  fid: number | undefined,
  at: number,
  len: number,
  own = true,
): void {
  if (at < 0) return;
  // The FID keys the pipe's bindings, whether or not its open was seen.
  const pm = { ctx: m.ctx, info: { fileId: fid === undefined ? undefined : fidHex(fid) } };
  // A fragment longer than this message's data continues in the pipe's next ones (`own`: the
  // data is this PDU's, at its place in the file).
  // The pieces' notes are in the message's own tree (f's nodes), as tshark's are in its smb tree.
  const piece = own
    ? pipeRead(f, pm, !m.isResponse, at, len, m.ctx.place, m.ctx.readPlace)
    : ({ kind: "whole" } as const);
  let rpc: DcerpcSummary | undefined;
  if (piece.kind === "piece") {
    if (!f.light && piece.frame > 0)
      f.generated("smb_pipe.reassembled_in", "This PDU is reassembled in", String(piece.frame), piece.frame);
    return;
  }
  if (piece.kind === "joined") {
    const src = joinedSource(f.light, m.ctx, piece.buf, PIPE_SMB1);
    if (src !== undefined) f.add(pipeFragments(piece, src, PIPE_SMB1));
    rpc = dcerpcFromPipe(joinedFields(piece.buf, f.light), piece.buf.length, pm, undefined, src, m.info);
  } else {
    const avail = Math.max(0, Math.min(len, f.c.end - at));
    if (avail < 16 || f.c.peekU8(at) !== 5) return;
    rpc = dcerpcFromPipe(
      new Fields(f.c.sub(at, avail), [], f.light),
      avail,
      pm,
      undefined,
      undefined,
      m.info,
    );
  }
  after(m, takeDcerpcTrees(pm));
  // A call aligns by what it calls.
  if (rpc?.op && !m.isResponse) m.info.detail = m.info.detail ? `${m.info.detail} ${rpc.op}` : rpc.op;
}

/**
 * The SMB Pipe Protocol tree: the function and FID from a request's setup words (at `setupAt`),
 * or, for a response, the request's, generated.
 */
export function pipeProtocol(
  f: Fields,
  m: Smb1Msg,
  fn: number,
  fid: number | undefined,
  setupAt?: number,
): void {
  if (f.light) return;
  const onWire = setupAt !== undefined;
  const top = node(
    "smb_pipe",
    "SMB Pipe Protocol",
    "",
    "",
    onWire ? setupAt : -1,
    onWire ? (fid === undefined ? 2 : 4) : 0,
  );
  top.children = [];
  const g = new Fields(f.c.sub(0, f.c.end), top.children, false);
  const fnShow = hexN(fn, 4);
  const fnNode = node(
    "smb_pipe.function",
    `Function: ${PIPE_FUNCTIONS[fn] ?? "Unknown"} (${fnShow})`,
    fnShow,
    fn,
    onWire ? setupAt : -1,
    onWire ? 2 : 0,
  );
  if (!onWire) fnNode.flags = FieldFlag.Generated;
  top.children.push(fnNode);
  if (fid !== undefined) {
    if (onWire) {
      g.c.pos = setupAt + 2;
      fidNode(g, m);
    } else fidNode(g, m, { generated: fid, full: true });
  }
  after(m, [top]);
}
