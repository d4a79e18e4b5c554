/** What GET_INFO and SET_INFO share: the info type/class head of the request and the error prefix. */
import type { Fields } from "../../dissect/fields.js";
import { type Smb2Msg, sum } from "../dissect.js";
import { classAndLevel, classAndLevelFromRequest, infoDetail } from "./classes.js";
import { structureSize } from "./fscc.js";

/**
 * StructureSize, info type and class of a request: remembered for the response, set as the
 * alignment key and appended to the Info summary (` FILE_INFO/SMB2_FILE_ALL_INFO`).
 */
export function infoRequestHead(f: Fields, m: Smb2Msg): { type: number; cls: number } {
  structureSize(f);
  const { type, cls } = classAndLevel(f);
  m.rec.infoType = type;
  m.rec.infoClass = cls;
  const detail = infoDetail(type, cls);
  m.info.detail = detail;
  sum(m, ` ${detail}`);
  return { type, cls };
}

/** Before an error response body Wireshark shows the request's class and level too. */
export function infoErrorPrefix(f: Fields, m: Smb2Msg): void {
  const { infoType, infoClass } = m.rec;
  if (infoType === undefined || infoClass === undefined) return;
  m.info.detail = infoDetail(infoType, infoClass);
  classAndLevelFromRequest(f, infoType, infoClass);
}
