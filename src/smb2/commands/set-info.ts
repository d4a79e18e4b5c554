/** SMB2 SET_INFO (command 0x11, MS-SMB2 2.2.39 / 2.2.40). */
import type { Fields } from "../../dissect/fields.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { additionalInfo, classAndLevelFromRequest, infoData, infoDetail } from "../info/classes.js";
import { fileIdWithName, markMalformed } from "../info/common.js";
import { structureSize } from "../info/fscc.js";
import { infoErrorPrefix, infoRequestHead } from "../info/request.js";

export const setInfo: Smb2Command & { errorPrefix(f: Fields, m: Smb2Msg): void } = {
  errorPrefix: infoErrorPrefix,
  request(f: Fields, m: Smb2Msg) {
    const { type, cls } = infoRequestHead(f, m);
    const len = f.uint("smb2.setinfo_size", "Setinfo Size", 4);
    const off = f.uint("smb2.setinfo_offset", "Setinfo Offset", 2, { base: "hex" });
    f.uint("smb2.setinfo_reserved", "Reserved", 2);
    additionalInfo(f, type);
    fileIdWithName(f, m);
    if (!len) return;
    const at = m.h.at + off;
    if (!f.c.has(1, at)) return;
    f.c.seek(at);
    if (type === 1 && cls === 0x0a && f.c.has(24)) {
      // Rename: Wireshark's Info column adds the target name.
      const n = f.c.peekU32(f.c.pos + 16);
      const at = f.c.pos + 20;
      if (f.c.has(n, at)) sum(m, ` NewName:${f.c.buf.subarray(at, at + (n & ~1)).toString("utf16le")}`);
    }
    infoData(f, type, cls, len, true, () => markMalformed(m));
  },
  response(f: Fields, m: Smb2Msg) {
    const { infoType, infoClass } = m.rec;
    if (infoType !== undefined && infoClass !== undefined) {
      m.info.detail = infoDetail(infoType, infoClass);
      classAndLevelFromRequest(f, infoType, infoClass);
    }
    structureSize(f);
  },
};
