/** SMB2 CLOSE (command 0x06). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const close: Smb2Command = {};
