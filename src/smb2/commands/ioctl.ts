/** SMB2 IOCTL (command 0x0b, MS-SMB2 2.2.31 / 2.2.32) with FSCTL data and DCE/RPC over pipes. */

import { dcerpcFromPipe } from "../../dcerpc/pipe.js";
import { bitPattern, Fields } from "../../dissect/fields.js";
import { node } from "../../dissect/tree.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { ctlCode } from "../fsctl/ctl-code.js";
import { fsctlData } from "../fsctl/data.js";
import { ctlName, ctlSummary } from "../fsctl/names.js";
import { fileIdWithName } from "../info/common.js";
import { reserved, structureSize } from "../info/fscc.js";

const PIPE_TRANSCEIVE = 0x0011c017;
const PIPE_WAIT = 0x00110018;
const DFS_GET_REFERRALS = 0x00060194;

interface Blob {
  which: "in" | "out";
  offAt: number;
  lenAt: number;
}

/**
 * The two blobs in Wireshark's order (out first only when its offset is lower), each as
 * olb.offset, olb.length and the smb2.ioctl.in/out node holding the decoded data.
 */
function blobs(f: Fields, m: Smb2Msg, code: number, inB: Blob, outB: Blob): void {
  const inOff = f.c.peekU32(inB.offAt);
  const outOff = f.c.peekU32(outB.offAt);
  const order = outOff < inOff ? [outB, inB] : [inB, outB];
  for (const b of order) {
    f.c.seek(b.offAt);
    const off = f.uint("smb2.olb.offset", "Blob Offset", 4, { base: "hex" });
    f.c.seek(b.lenAt);
    const len = f.uint("smb2.olb.length", "Blob Length", 4);
    const label = b.which === "in" ? "In Data" : "Out Data";
    const at = m.h.at + off;
    if (!len || !f.c.has(1, at)) {
      if (!f.light) f.add(node(`smb2.ioctl.${b.which}`, `${label}: NO DATA`, "", "", at, 0));
      continue;
    }
    const avail = Math.min(len, m.end - at);
    f.c.seek(at);
    f.within(at, avail, () => {
      f.c.seek(at);
      f.tree(`smb2.ioctl.${b.which}`, label, () => fsctlData(f, code, b.which, avail), avail);
    });
    // The request's input and the response's output carry the RPC PDUs (MS-SMB2 2.2.31.1).
    if (code === PIPE_TRANSCEIVE && (b.which === "in") !== m.h.isResponse) {
      // A response's bindings are those of the handle its request named.
      const rpc = dcerpcFromPipe(
        new Fields(f.c.sub(at, avail), [], f.light),
        avail,
        m,
        m.h.isResponse ? m.rec.fileId : undefined,
      );
      // A call aligns by what it calls.
      if (rpc?.op && !m.h.isResponse) m.info.detail = `${m.info.detail ?? ""} ${rpc.op}`;
    }
  }
}

function pipeWaitName(f: Fields, m: Smb2Msg, inOffAt: number, inLenAt: number): void {
  const off = f.c.peekU32(inOffAt);
  const len = f.c.peekU32(inLenAt);
  const at = m.h.at + off;
  if (len < 14 || !f.c.has(14, at)) return;
  const n = f.c.buf.readUInt32LE(at + 8);
  const end = Math.min(at + 14 + n, m.end);
  sum(m, ` Pipe: ${f.c.buf.subarray(at + 14, at + 14 + ((end - at - 14) & ~1)).toString("utf16le")}`);
}

function dfsName(f: Fields, m: Smb2Msg, inOffAt: number, inLenAt: number): void {
  const off = f.c.peekU32(inOffAt);
  const len = f.c.peekU32(inLenAt);
  const at = m.h.at + off;
  if (len < 2 || !f.c.has(len, at)) return;
  let s = f.c.buf.subarray(at + 2, at + 2 + ((len - 2) & ~1)).toString("utf16le");
  const nul = s.indexOf("\0");
  if (nul >= 0) s = s.slice(0, nul);
  sum(m, `, File: ${s}`);
}

export const ioctl: Smb2Command = {
  request(f: Fields, m: Smb2Msg) {
    const base = f.c.pos;
    structureSize(f);
    reserved(f, 2);
    const code = ctlCode(f);
    m.rec.ioctl = code;
    m.info.detail = ctlName(code);
    sum(m, ` ${ctlSummary(code)}`);
    if (code === DFS_GET_REFERRALS) dfsName(f, m, base + 24, base + 28);
    if (code === PIPE_WAIT) pipeWaitName(f, m, base + 24, base + 28);
    if (code === DFS_GET_REFERRALS || code === PIPE_WAIT) {
      // These summaries carry their own name; Wireshark adds no File: for them.
      const save = m.info.summary;
      fileIdWithName(f, m);
      m.info.summary = save;
    } else fileIdWithName(f, m);
    if (m.ctx.first && code === PIPE_TRANSCEIVE) m.rec.fileId = m.info.fileId;
    f.c.seek(base + 32);
    f.uint("smb2.max_ioctl_in_size", "Max Ioctl In Size", 4);
    f.c.seek(base + 44);
    f.uint("smb2.max_ioctl_out_size", "Max Ioctl Out Size", 4);
    const flAt = f.c.pos;
    const fl = f.uint("smb2.ioctl.flags", "Flags", 4, { base: "hex" });
    if (!f.light)
      f.nodes[f.nodes.length - 1]!.children = [
        node(
          "smb2.ioctl.is_fsctl",
          `${bitPattern(fl, 1, 32)} = Is FSCTL: ${fl & 1 ? "True" : "False"}`,
          String(fl & 1),
          fl & 1,
          flAt,
          4,
        ),
      ];
    reserved(f, 4);
    const end = f.c.pos;
    blobs(
      f,
      m,
      code,
      { which: "in", offAt: base + 24, lenAt: base + 28 },
      { which: "out", offAt: base + 36, lenAt: base + 40 },
    );
    f.c.seek(Math.max(end, f.c.pos));
  },
  response(f: Fields, m: Smb2Msg) {
    const base = f.c.pos;
    structureSize(f);
    reserved(f, 2);
    const code = ctlCode(f);
    m.info.detail = ctlName(code);
    sum(m, ` ${ctlSummary(code)}`);
    fileIdWithName(f, m);
    f.c.seek(base + 40);
    f.uint("smb2.flags", "Flags", 4, { base: "hex" });
    reserved(f, 4);
    blobs(
      f,
      m,
      code,
      { which: "in", offAt: base + 24, lenAt: base + 28 },
      { which: "out", offAt: base + 32, lenAt: base + 36 },
    );
  },
};
