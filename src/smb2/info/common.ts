/** Helpers shared by GetInfo/SetInfo/Ioctl: FileId with the Info-column file name. */
import type { Fields } from "../../dissect/fields.js";
import { MsgFlag } from "../../trace/types.js";
import { fileId } from "../common.js";
import { type Smb2Msg, sum } from "../dissect.js";

/**
 * The FileId node; appends ` File: name` to the summary when the handle's open was seen (as
 * Wireshark does, even for an empty name), and records it on the request.
 */
export function fileIdWithName(f: Fields, m: Smb2Msg, sep = " File: "): string {
  const hex = fileId(f, m);
  const name = m.ctx.state.file(hex);
  if (!m.h.isResponse) m.rec.fileId = hex;
  // Wireshark loses the name on the final response of an async (STATUS_PENDING) operation.
  if (name !== undefined && !(m.h.isResponse && m.h.isAsync)) {
    sum(m, `${sep}${name}`);
    if (!m.h.isResponse) m.rec.path = name;
  }
  return hex;
}

/** Marks a message malformed the way Wireshark's Info column shows it (no space before). */
export function markMalformed(m: Smb2Msg): void {
  m.info.flags |= MsgFlag.Malformed;
  if (!m.info.summary.includes("[Malformed")) m.info.summary += "[Malformed Packet]";
}
