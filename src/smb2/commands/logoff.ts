/** SMB2 LOGOFF (MS-SMB2 2.2.7, 2.2.8). */
import type { Smb2Command } from "../dissect.js";
import { bufferCode } from "../header.js";

export const logoff: Smb2Command = {
  // Wireshark shows no Reserved field for the request, only for the response.
  request(f) {
    bufferCode(f);
  },
  response(f) {
    bufferCode(f);
    f.opaque("smb2.reserved", "Reserved", 2);
  },
};
