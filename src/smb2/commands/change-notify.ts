/** SMB2 CHANGE_NOTIFY (command 0x0f), MS-SMB2 2.2.35 / 2.2.36, FILE_NOTIFY_INFORMATION (MS-FSCC 2.7.1). */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { FieldFlag, node } from "../../dissect/tree.js";
import { MsgFlag } from "../../trace/types.js";
import { fileId, olb, structureSize } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";

const NOTIFY_FLAGS: readonly BitSpec[] = [{ name: "smb2.notify.watch_tree", label: "Watch Tree", mask: 0x1 }];

function nb(name: string, label: string, mask: number, what: string): BitSpec {
  return {
    name,
    label,
    mask,
    t: `Notify on changes to ${what}`,
    f: `Do NOT notify on changes to ${what.toLowerCase()}`,
  };
}

export const COMPLETION_FILTER_BITS: readonly BitSpec[] = [
  nb("smb.nt.notify.file_name", "File Name Change", 0x1, "FILE NAME"),
  nb("smb.nt.notify.dir_name", "Directory Name Change", 0x2, "DIR NAME"),
  nb("smb.nt.notify.attributes", "Attribute Change", 0x4, "ATTRIBUTES"),
  nb("smb.nt.notify.size", "Size Change", 0x8, "SIZE"),
  nb("smb.nt.notify.last_write", "Last Write Change", 0x10, "LAST WRITE TIME"),
  nb("smb.nt.notify.last_access", "Last Access Change", 0x20, "LAST ACCESS TIME"),
  nb("smb.nt.notify.creation", "Created Change", 0x40, "CREATION TIME"),
  nb("smb.nt.notify.ea", "EA Change", 0x80, "EA"),
  nb("smb.nt.notify.security", "Security Change", 0x100, "SECURITY"),
  nb("smb.nt.notify.stream_name", "Stream Name Change", 0x200, "STREAM NAME"),
  nb("smb.nt.notify.stream_size", "Stream Size Change", 0x400, "STREAM SIZE"),
  nb("smb.nt.notify.stream_write", "Stream Write", 0x800, "STREAM WRITE"),
];

export const NOTIFY_ACTIONS: Readonly<Record<number, string>> = {
  1: "FILE_ACTION_ADDED",
  2: "FILE_ACTION_REMOVED",
  3: "FILE_ACTION_MODIFIED",
  4: "FILE_ACTION_RENAMED_OLD_NAME",
  5: "FILE_ACTION_RENAMED_NEW_NAME",
  6: "FILE_ACTION_ADDED_STREAM",
  7: "FILE_ACTION_REMOVED_STREAM",
  8: "FILE_ACTION_MODIFIED_STREAM",
};

function request(f: Fields, m: Smb2Msg): void {
  structureSize(f);
  f.bitmask("smb2.notify.flags", "Notify Flags", 2, NOTIFY_FLAGS);
  f.uint("smb2.output_buffer_len", "Output Buffer Length", 4);
  fileId(f, m);
  const filter = f.bitmask("smb.nt.notify.completion_filter", "Completion Filter", 4, COMPLETION_FILTER_BITS);
  f.opaque("smb2.reserved", "Reserved", 4);
  if (m.ctx.first && m.info.path !== undefined) m.rec.path = m.info.path;
  m.info.detail = `filter=0x${filter.toString(16).padStart(8, "0")}`;
  sum(m, m.info.path !== undefined ? ` File: ${m.info.path}` : "");
}

function response(f: Fields, m: Smb2Msg): void {
  const c = f.c;
  structureSize(f);
  const [off, len] = olb(f, 2, 4);
  if (m.rec.path !== undefined) m.info.path = m.rec.path;
  const start = m.h.at + off;
  const end = Math.min(c.end, start + len);
  if (len && end < start) {
    // The offset points past the end of the message (in light mode too, so the list shows it).
    m.info.flags |= MsgFlag.Malformed;
    f.add(node("smb2.notify.out", "Out Data", "", "", start, 0, FieldFlag.Malformed));
    f.malformed("output buffer offset past the end of the message", start);
    return;
  }
  if (f.light) return;
  if (!len) {
    f.add(node("smb2.notify.out", "Out Data", "", "", f.c.pos, 0));
    return;
  }
  f.within(start, end - start, () => {
    f.tree(
      "smb2.notify.out",
      "Out Data",
      () => {
        let at = start;
        for (let guard = 0; guard < 65536 && at + 12 <= end; guard++) {
          const next = f.c.peekU32(at);
          f.c.pos = at;
          f.tree(
            "smb2.notify.info",
            "Notify Info",
            () => {
              f.uint("smb2.notify.next_offset", "Next Offset", 4, { base: "hex" });
              f.uint("smb2.notify.action", "Action", 4, { base: "hex", vals: NOTIFY_ACTIONS });
              const nl = f.uint("smb2.filename.len", "Filename Length", 4);
              f.utf16("smb2.filename", "Filename", Math.min(nl, end - f.c.pos));
            },
            next ? Math.min(next, end - at) : end - at,
          );
          if (!next) break;
          at += next;
        }
      },
      end - start,
    );
  });
}

export const changeNotify: Smb2Command = { request, response };
