/** SMB2 TREE_CONNECT (command 0x03). TODO(dissector): request and response bodies. */
import type { Smb2Command } from "../dissect.js";

export const treeConnect: Smb2Command = {};
