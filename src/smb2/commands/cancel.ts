/** SMB2 CANCEL (command 0x0c). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const cancel: Smb2Command = {};
