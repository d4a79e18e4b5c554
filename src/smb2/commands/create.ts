/** SMB2 CREATE (command 0x05), MS-SMB2 2.2.13 / 2.2.14. */
import type { Fields } from "../../dissect/fields.js";
import { node } from "../../dissect/tree.js";
import { MsgFlag } from "../../trace/types.js";
import {
  accessMask,
  contextFileId,
  createOptions,
  fileAttributes,
  fileId,
  fileTimes,
  olb,
  shareAccess,
  structureSize,
} from "../common.js";
import { createContexts, timewarpName } from "../contexts/index.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { handleScope } from "../state.js";

export const OPLOCK_LEVELS: Readonly<Record<number, string>> = {
  0: "No oplock",
  1: "Level2 oplock",
  8: "Exclusive oplock",
  9: "Batch oplock",
  255: "Lease",
};

const IMPERSONATION: Readonly<Record<number, string>> = {
  0: "Anonymous",
  1: "Identification",
  2: "Impersonation",
  3: "Delegation",
};

export const CREATE_DISPOSITIONS: Readonly<Record<number, string>> = {
  0: "Supersede (supersede existing file (if it exists))",
  1: "Open (if file exists open it, else fail)",
  2: "Create (if file exists fail, else create it)",
  3: "Open If (if file exists open it, else create it)",
  4: "Overwrite (if file exists overwrite, else fail)",
  5: "Overwrite If (if file exists overwrite, else create it)",
};

const CREATE_ACTIONS: Readonly<Record<number, string>> = {
  0: "The file existed and was superseded",
  1: "The file existed and was opened",
  2: "The file did not exist but was created",
  3: "The file existed and was truncated",
};

/** The name of a CREATE request: the `smb2.filename` node with its offset/length children. */
function fileName(f: Fields, m: Smb2Msg, nameOff: number, nameLen: number, offAt: number): string {
  const at = m.h.at + nameOff;
  const c = f.c;
  const ok = nameLen > 0 && c.has(nameLen, at);
  const name = ok ? c.buf.subarray(at, at + (nameLen & ~1)).toString("utf16le") : "";
  if (!f.light) {
    const offShow = `0x${nameOff.toString(16).padStart(8, "0")}`;
    const n = node("smb2.filename", `Filename: ${name}`, name, name, at, ok ? nameLen : 0);
    n.children = [
      node("smb2.olb.offset", `Blob Offset: ${offShow}`, offShow, nameOff, offAt, 2),
      node("smb2.olb.length", `Blob Length: ${nameLen}`, String(nameLen), nameLen, offAt + 2, 2),
    ];
    f.add(n);
  }
  return name;
}

function request(f: Fields, m: Smb2Msg): void {
  const c = f.c;
  structureSize(f);
  c.skip(1); // SecurityFlags: reserved, not shown by Wireshark
  f.uint("smb2.create.oplock", "Oplock", 1, { base: "hex", vals: OPLOCK_LEVELS });
  f.uint("smb2.impersonation.level", "Impersonation level", 4, { vals: IMPERSONATION });
  f.u64("smb2.create_flags", "Create Flags", { base: "hex" });
  f.opaque("smb2.reserved", "Reserved", 8);
  accessMask(f);
  fileAttributes(f);
  shareAccess(f);
  const disp = f.uint("smb2.create.disposition", "Disposition", 4, { vals: CREATE_DISPOSITIONS });
  const opts = createOptions(f);
  const offAt = c.pos;
  const nameOff = c.u16();
  const nameLen = c.u16();
  let name = fileName(f, m, nameOff, nameLen, offAt);
  const [ctxOff, ctxLen] = olb(f, 4, 4);
  const res = createContexts(f, ctxLen ? m.h.at + ctxOff : c.pos, ctxLen, false, (g) => contextFileId(g, m));
  if (res.timewarp !== undefined) name = timewarpName(name, res.timewarp);
  if (m.ctx.first) m.rec.path = name;
  m.info.path = name;
  m.info.detail = `disp=${disp} opts=0x${opts.toString(16).padStart(8, "0")}`;
  sum(m, ` File: ${name}`);
  // A durable reconnect names the file of the handle it reopens too, as Wireshark's Info does.
  if (res.reconnectName !== undefined) sum(m, ` File: ${res.reconnectName}`);
  if (res.malformed) m.info.flags |= MsgFlag.Malformed;
}

function response(f: Fields, m: Smb2Msg): void {
  const c = f.c;
  structureSize(f);
  f.uint("smb2.create.oplock", "Oplock", 1, { base: "hex", vals: OPLOCK_LEVELS });
  f.bitmask("smb2.create.rep_flags", "Response Flags", 1, [
    { name: "smb2.create.rep_flags.reparse_point", label: "ReparsePoint", mask: 0x1 },
  ]);
  f.uint("smb2.create.action", "Create Action", 4, { vals: CREATE_ACTIONS });
  fileTimes(f);
  f.u64("smb2.allocation_size", "Allocation Size");
  f.u64("smb2.eof", "End Of File");
  fileAttributes(f);
  f.opaque("smb2.reserved", "Reserved", 4);
  // No request seen (not captured, or before the capture started): Wireshark's "[unknown]", which
  // the handle then carries too.
  const name = m.rec.frame ? (m.rec.path ?? "") : "[unknown]";
  c.need(16);
  const hex = c.buf.subarray(c.pos, c.pos + 16).toString("hex");
  // A repeated (retransmitted) response to the same request keeps the first open frame, as in tshark.
  if (m.ctx.first && m.rec.frame && m.rec.fileId !== hex) {
    m.ctx.state.nameFile(hex, name, handleScope(m.ctx.conn, m.h.tid));
    m.rec.fileId = hex;
  } else if (m.ctx.first && !m.rec.frame && m.ctx.state.file(hex) === undefined)
    m.ctx.state.nameFile(hex, name, handleScope(m.ctx.conn, m.h.tid));
  if (m.ctx.first) m.ctx.state.openHandle(hex, m.ctx.frame);
  fileId(f, m);
  const [ctxOff, ctxLen] = olb(f, 4, 4);
  const res = createContexts(f, ctxLen ? m.h.at + ctxOff : c.pos, ctxLen, true);
  m.info.path = name;
  sum(m, ` File: ${name}`);
  if (res.malformed) m.info.flags |= MsgFlag.Malformed;
}

export const create: Smb2Command = { request, response };
