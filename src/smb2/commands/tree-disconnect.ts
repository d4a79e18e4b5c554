/** SMB2 TREE_DISCONNECT (command 0x04). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const treeDisconnect: Smb2Command = {};
