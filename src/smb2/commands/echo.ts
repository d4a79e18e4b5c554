/** SMB2 ECHO (command 0x0d). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const echo: Smb2Command = {};
