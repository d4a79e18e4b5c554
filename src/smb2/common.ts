/** Building blocks shared by several SMB2 command dissectors. */
import type { Fields } from "../dissect/fields.js";
import type { Smb2Msg } from "./dissect.js";

/**
 * A FileId (MS-SMB2 2.2.14.1) as Wireshark shows it: a "GUID handle File: name" text node holding
 * smb2.fid and the frames the handle was opened and closed in. Records the id on the message.
 */
export function fileId(f: Fields, m: Smb2Msg): string {
  const at = f.c.pos;
  f.c.need(16);
  const hex = f.c.buf.subarray(at, at + 16).toString("hex");
  const rec = m.ctx.state.files.get(hex);
  m.info.fileId = hex;
  if (rec && m.info.path === undefined) m.info.path = rec.name;
  f.tree(
    "smbcmp.smb2.handle",
    `GUID handle File: ${rec?.name ?? ""}`,
    () => {
      f.guid("smb2.fid", "File Id");
      if (rec) {
        f.generated("dcerpc.nt.open_frame", "Frame handle opened", String(rec.openFrame), rec.openFrame);
        if (rec.closeFrame !== undefined)
          f.generated("dcerpc.nt.close_frame", "Frame handle closed", String(rec.closeFrame), rec.closeFrame);
      }
    },
    16,
  );
  return hex;
}

/** Reads an (offset from header start, length) pair's target bytes as a UTF-16 name; "" when empty. */
export function nameAt(m: Smb2Msg, f: Fields, offset: number, length: number): string {
  if (!length) return "";
  const at = m.h.at + offset;
  if (!f.c.has(length, at)) return "";
  return f.c.buf.subarray(at, at + (length & ~1)).toString("utf16le");
}
