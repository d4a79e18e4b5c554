/** SMB2 WRITE (command 0x09). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const write: Smb2Command = {};
