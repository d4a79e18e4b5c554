/** SMB2 NEGOTIATE (command 0x00). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const negotiate: Smb2Command = {};
