/** SMB2 SESSION_SETUP (command 0x01). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const sessionSetup: Smb2Command = {};
