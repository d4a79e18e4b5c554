/** SMB2 OPLOCK_BREAK (command 0x12). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const oplockBreak: Smb2Command = {};
