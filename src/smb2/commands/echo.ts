/** SMB2 ECHO (MS-SMB2 2.2.28, 2.2.29), "KeepAlive" in Wireshark. */
import type { Fields } from "../../dissect/fields.js";
import type { Smb2Command } from "../dissect.js";
import { bufferCode } from "../header.js";

function body(f: Fields): void {
  bufferCode(f);
  f.opaque("smb2.unknown", "Unknown", 2);
}

export const echo: Smb2Command = { request: body, response: body };
