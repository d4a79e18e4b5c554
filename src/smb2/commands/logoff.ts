/** SMB2 LOGOFF (command 0x02). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const logoff: Smb2Command = {};
