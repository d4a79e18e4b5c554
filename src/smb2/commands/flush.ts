/** SMB2 FLUSH (command 0x07). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const flush: Smb2Command = {};
