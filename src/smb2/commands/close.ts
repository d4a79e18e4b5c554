/** SMB2 CLOSE (command 0x06), MS-SMB2 2.2.15 / 2.2.16. */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { fileAttributes, fileId, fileTimes, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";

const CLOSE_FLAGS: readonly BitSpec[] = [
  { name: "smb2.close.pq_attrib", label: "PostQuery Attrib", mask: 0x1 },
];

function request(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.bitmask("smb2.close.flags", "Close Flags", 2, CLOSE_FLAGS);
  f.c.skip(4); // Reserved
  const c = f.c;
  c.need(16);
  const hex = c.buf.subarray(c.pos, c.pos + 16).toString("hex");
  // Wireshark's "Frame handle closed" is the close request's frame, also for unknown handles
  // (e.g. the all-ones FileId of a related compound).
  if (m.ctx.first) m.ctx.state.closeHandle(hex, m.ctx.frame);
  fileId(f, m);
  if (m.ctx.first) {
    if (m.info.path !== undefined) m.rec.path = m.info.path;
    m.ctx.state.retireFile(hex);
  }
  sum(m, m.info.path !== undefined ? ` File: ${m.info.path}` : "");
}

function response(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.bitmask("smb2.close.flags", "Close Flags", 2, CLOSE_FLAGS);
  f.opaque("smb2.reserved", "Reserved", 4);
  fileTimes(f);
  f.u64("smb2.allocation_size", "Allocation Size");
  f.u64("smb2.eof", "End Of File");
  fileAttributes(f);
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
}

export const close: Smb2Command = { request, response };
