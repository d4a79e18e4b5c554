/** SMB2 LOCK (command 0x0a), MS-SMB2 2.2.26 / 2.2.27. */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { fileId, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";

const LOCK_FLAGS: readonly BitSpec[] = [
  { name: "smb2.lock_flags.shared", label: "Shared", mask: 0x1 },
  { name: "smb2.lock_flags.exclusive", label: "Exclusive", mask: 0x2 },
  { name: "smb2.lock_flags.unlock", label: "Unlock", mask: 0x4 },
  { name: "smb2.lock_flags.fail_immediately", label: "Fail Immediately", mask: 0x10 },
];

function request(f: Fields, m: Smb2Msg): void {
  const c = f.c;
  structureSize(f);
  const count = f.uint("smb2.lock_count", "Lock Count", 2);
  f.opaque("smb2.reserved", "Reserved", 4);
  fileId(f, m);
  for (let i = 0; i < count && c.remaining >= 24; i++) {
    const at = c.pos;
    // Wireshark shows the element's offset after its "Lock Info" subtree.
    c.pos = at + 8;
    f.tree(
      "smb2.lock_info",
      "Lock Info",
      () => {
        f.u64("smb2.lock_length", "Length");
        f.bitmask("smb2.lock_flags", "Flags", 4, LOCK_FLAGS);
        f.opaque("smb2.reserved", "Reserved", 4);
      },
      24,
    );
    c.pos = at;
    f.u64("smb2.file_offset", "File Offset");
    c.pos = at + 24;
  }
  if (m.ctx.first && m.info.path !== undefined) m.rec.path = m.info.path;
  sum(m, m.info.path !== undefined ? ` File: ${m.info.path}` : "");
}

function response(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.opaque("smb2.unknown", "Unknown", 2);
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
}

export const lock: Smb2Command = { request, response };
