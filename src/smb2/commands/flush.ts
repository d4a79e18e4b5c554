/** SMB2 FLUSH (command 0x07), MS-SMB2 2.2.17 / 2.2.18. */
import type { Fields } from "../../dissect/fields.js";
import { fileId, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";

function request(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.opaque("smb2.unknown", "Unknown", 6);
  fileId(f, m);
  if (m.ctx.first && m.info.path !== undefined) m.rec.path = m.info.path;
  sum(m, m.info.path !== undefined ? ` File: ${m.info.path}` : "");
}

function response(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.opaque("smb2.unknown", "Unknown", 2);
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
}

export const flush: Smb2Command = { request, response };
