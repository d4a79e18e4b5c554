/** SMB2 TREE_DISCONNECT (MS-SMB2 2.2.11, 2.2.12). */
import type { Fields } from "../../dissect/fields.js";
import type { Smb2Command } from "../dissect.js";
import { bufferCode } from "../header.js";

function body(f: Fields): void {
  bufferCode(f);
  f.opaque("smb2.reserved", "Reserved", 2);
}

export const treeDisconnect: Smb2Command = { request: body, response: body };
