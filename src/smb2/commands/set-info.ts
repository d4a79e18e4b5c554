/** SMB2 SET_INFO (command 0x11). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const setInfo: Smb2Command = {};
