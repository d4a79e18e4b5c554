/** SMB2 CHANGE_NOTIFY (command 0x0f). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const changeNotify: Smb2Command = {};
