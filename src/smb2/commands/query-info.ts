/** SMB2 QUERY_INFO (command 0x10, MS-SMB2 2.2.37 / 2.2.38). */
import { bitPattern, type Fields } from "../../dissect/fields.js";
import type { Smb2Command, Smb2Msg } from "../dissect.js";
import { additionalInfo, classAndLevelFromRequest, infoData, infoDetail } from "../info/classes.js";
import { fileIdWithName, markMalformed } from "../info/common.js";
import { olb, reserved, structureSize } from "../info/fscc.js";
import { infoErrorPrefix, infoRequestHead } from "../info/request.js";

function bool8(f: Fields, name: string, label: string): void {
  const at = f.c.pos;
  const v = f.c.u8();
  if (!f.light)
    f.add({
      name,
      label: `${bitPattern(v, 0xff, 8)} = ${label}: ${v ? "True" : "False"}`,
      show: v ? "1" : "0",
      value: v ? 1 : 0,
      offset: at,
      length: 1,
    });
}

/** SMB2_QUERY_QUOTA_INFO (MS-SMB2 2.2.37.1), the input buffer of a quota query. */
function queryQuotaInfo(f: Fields, len: number): void {
  f.tree(
    "smb2.query_quota_info",
    "SMB2_QUERY_QUOTA_INFO",
    () => {
      bool8(f, "smb2.query_quota_info.single", "ReturnSingle");
      bool8(f, "smb2.query_quota_info.restart", "RestartScan");
      reserved(f, 2);
      f.uint("smb2.query_quota_info.sidlistlen", "SidListLength", 4);
      f.uint("smb2.query_quota_info.startsidlen", "StartSidLength", 4);
      f.uint("smb2.query_quota_info.startsidoffset", "StartSidOffset", 4);
    },
    len,
  );
}

export const queryInfo: Smb2Command & { errorPrefix(f: Fields, m: Smb2Msg): void } = {
  errorPrefix: infoErrorPrefix,
  request(f: Fields, m: Smb2Msg) {
    const { type } = infoRequestHead(f, m);
    f.uint("smb2.max_response_size", "Max Response Size", 4);
    const inOff = f.uint("smb2.getinfo_input_offset", "Getinfo Input Offset", 2, { base: "hex" });
    reserved(f, 2);
    const inLen = f.uint("smb2.getinfo_input_size", "Getinfo Input Size", 4);
    additionalInfo(f, type);
    f.uint("smb2.getinfo_flags", "Flags", 4, { base: "hex" });
    fileIdWithName(f, m);
    if (inLen && type === 4) {
      const at = m.h.at + inOff;
      f.within(at, inLen, () => {
        f.c.seek(at);
        queryQuotaInfo(f, inLen);
      });
    }
  },
  response(f: Fields, m: Smb2Msg) {
    const { infoType, infoClass } = m.rec;
    const known = infoType !== undefined && infoClass !== undefined;
    if (known) {
      m.info.detail = infoDetail(infoType, infoClass);
      classAndLevelFromRequest(f, infoType, infoClass);
    }
    const at = f.c.pos;
    structureSize(f);
    const { offset, length } = olb(f, at + 2, 2, at + 4, 4);
    f.c.seek(at + 8);
    if (!length) return;
    const dataAt = m.h.at + offset;
    if (!f.c.has(1, dataAt)) return;
    f.c.seek(dataAt);
    if (known) infoData(f, infoType, infoClass, length, false, () => markMalformed(m));
    else f.bytes("smb2.unknown", "Unknown", Math.min(length, f.c.remaining));
  },
};
