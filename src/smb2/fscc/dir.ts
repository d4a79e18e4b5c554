/**
 * MS-FSCC 2.4 directory information entries returned by QUERY_DIRECTORY, shown as Wireshark's
 * `smb2.find.*` subtrees (note Wireshark files NAME_INFO under FileBothDirectoryInfo and
 * ID_FULL under FileIdBothDirectoryInfo).
 */
import type { Fields } from "../../dissect/fields.js";
import { fileAttributes, fileTimes } from "../common.js";

export const FIND_LEVELS: Readonly<Record<number, string>> = {
  1: "SMB2_FIND_DIRECTORY_INFO",
  2: "SMB2_FIND_FULL_DIRECTORY_INFO",
  3: "SMB2_FIND_BOTH_DIRECTORY_INFO",
  12: "SMB2_FIND_NAME_INFO",
  37: "SMB2_FIND_ID_BOTH_DIRECTORY_INFO",
  38: "SMB2_FIND_ID_FULL_DIRECTORY_INFO",
  100: "SMB2_FIND_POSIX_INFO",
};

interface Layout {
  name: string;
  label: string;
  /** Fields between the common head and the file name. */
  body: (f: Fields) => number;
}

function common(f: Fields): number {
  fileTimes(f);
  f.u64("smb2.eof", "End Of File");
  f.u64("smb2.allocation_size", "Allocation Size");
  fileAttributes(f);
  return f.uint("smb2.filename.len", "Filename Length", 4);
}

function shortName(f: Fields): void {
  const sl = f.uint("smb2.short_name_len", "Short Name Length", 1);
  f.opaque("smb2.reserved", "Reserved", 1);
  const at = f.c.pos;
  if (sl) {
    const s = f.utf16("smb2.shortname", "Short Name", Math.min(24, sl));
    const n = f.nodes.at(-1);
    // An odd trailing byte decodes to U+FFFD, as in tshark.
    if (!f.light && sl & 1 && n?.name === "smb2.shortname") {
      n.show = n.value = `${s}\ufffd`;
      n.label = `Short Name: ${n.show}`;
    }
  }
  f.c.pos = at + 24;
}

const LAYOUTS: Readonly<Record<number, Layout>> = {
  1: { name: "smb2.find.file_directory_info", label: "FileDirectoryInfo", body: common },
  2: {
    name: "smb2.find.full_directory_info",
    label: "FullDirectoryInfo",
    body: (f) => {
      const n = common(f);
      f.uint("smb2.ea_size", "EA Size", 4);
      return n;
    },
  },
  3: {
    name: "smb2.find.both_directory_info",
    label: "FileBothDirectoryInfo",
    body: (f) => {
      const n = common(f);
      f.uint("smb2.ea_size", "EA Size", 4);
      shortName(f);
      return n;
    },
  },
  12: {
    name: "smb2.find.both_directory_info",
    label: "FileBothDirectoryInfo",
    body: (f) => f.uint("smb2.filename.len", "Filename Length", 4),
  },
  37: {
    name: "smb2.find.id_both_directory_info",
    label: "FileIdBothDirectoryInfo",
    body: (f) => {
      const n = common(f);
      f.uint("smb2.ea_size", "EA Size", 4);
      shortName(f);
      f.opaque("smb2.reserved", "Reserved", 2);
      f.u64("smb2.file_id", "File Id", { base: "hex" });
      return n;
    },
  },
  38: {
    name: "smb2.find.id_both_directory_info",
    label: "FileIdBothDirectoryInfo",
    body: (f) => {
      const n = common(f);
      f.uint("smb2.ea_size", "EA Size", 4);
      f.opaque("smb2.reserved", "Reserved", 4);
      f.u64("smb2.file_id", "File Id", { base: "hex" });
      return n;
    },
  },
};

/** Peeks an entry's file name (for the subtree label) without consuming. */
function peekName(f: Fields, level: number, at: number, end: number): string {
  const c = f.c;
  const lenAt = level === 12 ? at + 8 : at + 60;
  if (lenAt + 4 > end) return "";
  const nl = c.buf.readUInt32LE(lenAt);
  const nameAt = { 1: 64, 2: 68, 3: 94, 12: 12, 37: 104, 38: 80 }[level as 1] ?? 64;
  const s = at + nameAt;
  if (s + nl > end) return "";
  return c.buf.subarray(s, s + (nl & ~1)).toString("utf16le");
}

/** The entries of a QUERY_DIRECTORY output buffer of `len` bytes at the cursor. */
export function dirEntries(f: Fields, level: number, len: number): void {
  const c = f.c;
  const start = c.pos;
  const end = Math.min(c.end, start + len);
  const lay = LAYOUTS[level];
  if (!lay) {
    if (level !== 100) f.bytes("smb2.unknown", "Unknown", end - start);
    c.pos = end;
    return;
  }
  let at = start;
  for (let guard = 0; guard < 100000 && at + 4 <= end; guard++) {
    const next = c.peekU32(at);
    c.pos = at;
    f.tree(`${lay.name}`, `${lay.label}: ${peekName(f, level, at, end)}`, () => {
      f.uint("smb2.next_offset", "Next Offset", 4);
      f.uint("smb2.file_index", "File Index", 4, { base: "hex" });
      const nl = lay.body(f);
      f.utf16("smb2.filename", "Filename", nl);
    });
    if (!next) break;
    at += next;
  }
  c.pos = end;
}
