/** SMB2 LOCK (command 0x0a). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const lock: Smb2Command = {};
