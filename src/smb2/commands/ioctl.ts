/** SMB2 IOCTL (command 0x0b). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const ioctl: Smb2Command = {};
