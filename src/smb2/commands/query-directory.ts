/** SMB2 QUERY_DIRECTORY (command 0x0e). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const queryDirectory: Smb2Command = {};
