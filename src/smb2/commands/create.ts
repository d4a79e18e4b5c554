/** SMB2 CREATE (command 0x05). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const create: Smb2Command = {};
