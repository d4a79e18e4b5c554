/** SMB2 CANCEL (MS-SMB2 2.2.30): request only. */
import type { Smb2Command } from "../dissect.js";
import { bufferCode } from "../header.js";

export const cancel: Smb2Command = {
  request(f) {
    bufferCode(f);
    f.opaque("smb2.unknown", "Unknown", 2);
  },
};
