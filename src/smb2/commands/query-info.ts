/** SMB2 QUERY_INFO (command 0x10). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const queryInfo: Smb2Command = {};
