/** SMB2 READ (command 0x08). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const read: Smb2Command = {};
