/**
 * QUERY_INFO / SET_INFO data per info type and class (MS-SMB2 2.2.37/2.2.39, MS-FSCC 2.4/2.5), shown
 * with the node names and labels Wireshark uses. Classes Wireshark does not decode are shown raw as
 * `smb2.unknown`, like Wireshark, so the trees compare equal.
 */
import { Cursor, ShortRead } from "../../dissect/cursor.js";
import { bitPattern, type Fields } from "../../dissect/fields.js";
import { hexN } from "../../dissect/format.js";
import { node } from "../../dissect/tree.js";
import { securityDescriptor, sid } from "../../dtyp/index.js";
import {
  ALIGNMENT,
  DEVICE_CHARS,
  DEVICE_TYPES,
  FS_ATTRS,
  flags,
  modeInfo,
  SMB_ACCESS,
  smb2FileAttributes,
  smbAccessMask,
  smbFileAttributes,
  smbFileTimes,
  undecoded,
  utf16Avail,
} from "./fscc.js";

export const INFO_CLASS: Readonly<Record<number, string>> = {
  1: "FILE_INFO",
  2: "FS_INFO",
  3: "SEC_INFO",
  4: "QUOTA_INFO",
};

/** File information classes Wireshark names (others show `Unknown`). */
export const FILE_LEVELS: Readonly<Record<number, string>> = {
  4: "SMB2_FILE_BASIC_INFO",
  5: "SMB2_FILE_STANDARD_INFO",
  6: "SMB2_FILE_INTERNAL_INFO",
  7: "SMB2_FILE_EA_INFO",
  8: "SMB2_FILE_ACCESS_INFO",
  10: "SMB2_FILE_RENAME_INFO",
  13: "SMB2_FILE_DISPOSITION_INFO",
  14: "SMB2_FILE_POSITION_INFO",
  15: "SMB2_FILE_FULL_EA_INFO",
  16: "SMB2_FILE_MODE_INFO",
  17: "SMB2_FILE_ALIGNMENT_INFO",
  18: "SMB2_FILE_ALL_INFO",
  19: "SMB2_FILE_ALLOCATION_INFO",
  20: "SMB2_FILE_ENDOFFILE_INFO",
  21: "SMB2_FILE_ALTERNATE_NAME_INFO",
  22: "SMB2_FILE_STREAM_INFO",
  23: "SMB2_FILE_PIPE_INFO",
  28: "SMB2_FILE_COMPRESSION_INFO",
  34: "SMB2_FILE_NETWORK_OPEN_INFO",
  35: "SMB2_FILE_ATTRIBUTE_TAG_INFO",
  48: "SMB2_FILE_NORMALIZED_NAME_INFO",
};

export const FS_LEVELS: Readonly<Record<number, string>> = {
  1: "FileFsVolumeInformation",
  2: "FileFsLabelInformation",
  3: "FileFsSizeInformation",
  4: "FileFsDeviceInformation",
  5: "FileFsAttributeInformation",
  6: "FileFsControlInformation",
  7: "FileFsFullSizeInformation",
  8: "FileFsObjectIdInformation",
  9: "FileFsDriverPathInformation",
  10: "FileFsVolumeFlagsInformation",
  11: "FileFsSectorSizeInformation",
};

export const SEC_LEVELS: Readonly<Record<number, string>> = { 0: "SMB2_SEC_INFO_00" };

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, "0")}`;

/** The `TYPE/CLASS` text of the Info column and of the alignment key. */
export function infoDetail(type: number, cls: number): string {
  const t = INFO_CLASS[type] ?? `(Class:${hex2(type)})`;
  const levels = type === 1 ? FILE_LEVELS : type === 2 ? FS_LEVELS : type === 3 ? SEC_LEVELS : undefined;
  const l = levels?.[cls] ?? `(Level:${hex2(cls)})`;
  return `${t}/${l}`;
}

/** smb2.class + the per-type info level node, read from the wire. */
export function classAndLevel(f: Fields): { type: number; cls: number } {
  const type = f.uint("smb2.class", "Class", 1, { base: "hex", vals: INFO_CLASS });
  const cls = level(f, type);
  return { type, cls };
}

function level(f: Fields, type: number): number {
  if (type === 1)
    return f.uint("smb2.file_info.infolevel", "InfoLevel", 1, { base: "hex", vals: FILE_LEVELS });
  if (type === 2) return f.uint("smb2.fs_info.infolevel", "InfoLevel", 1, { base: "hex", vals: FS_LEVELS });
  if (type === 3) return f.uint("smb2.sec_info.infolevel", "InfoLevel", 1, { base: "hex", vals: SEC_LEVELS });
  return f.uint("smb2.infolevel", "InfoLevel", 1, { base: "hex" });
}

/**
 * Responses show the request's class and level first, at the body start (not consumed).
 * Wireshark does this for every GetInfo/SetInfo response whose request it saw.
 */
export function classAndLevelFromRequest(f: Fields, type: number, cls: number): void {
  if (f.light) return;
  const at = f.c.pos;
  const buf = Buffer.from([type, cls]);
  const save = f.c;
  f.c = new Cursor(buf, 0, 2);
  try {
    const before = f.nodes.length;
    classAndLevel(f);
    for (let i = before; i < f.nodes.length; i++) f.nodes[i]!.offset = at + (i - before);
  } finally {
    f.c = save;
  }
}

const SEC_BITS = [
  ["owner", "Owner", 0x1, "OWNER", "owner"],
  ["group", "Group", 0x2, "GROUP", "group"],
  ["dacl", "DACL", 0x4, "DACL", "DACL"],
  ["sacl", "SACL", 0x8, "SACL", "SACL"],
  ["label", "Integrity label", 0x10, "integrity label", "integrity label"],
  ["attribute", "Resource attribute", 0x20, "resource attribute", "resource attribute"],
  ["scope", "Central access policy", 0x40, "central access policy", "central access policy"],
  ["backup", "Backup operation", 0x10000, "backup operation", "backup operation"],
] as const;

/** AdditionalInformation: security information bits for SEC_INFO, plain hex otherwise. */
export function additionalInfo(f: Fields, type: number): number {
  if (type !== 3) return f.uint("smb2.getsetinfo_additional", "Additional Info", 4, { base: "hex" });
  return flags(
    f,
    "smb2.getsetinfo_additionals",
    "Additional Info",
    4,
    SEC_BITS.map(([n, l, mask, on, off]) => ({
      name: `smb2.getsetinfo_additional_secinfo.${n}`,
      label: l,
      mask,
      t: `Requesting ${on} security information`,
      f: `NOT requesting ${off} security information`,
      short: l,
    })),
    { summary: true },
  );
}

/** One flag of a 1-byte field shown on its own (FT_BOOLEAN 8 with a mask). */
function bit8(f: Fields, name: string, label: string, mask: number, [t, fl]: [string, string]): number {
  const at = f.c.pos;
  const v = f.c.u8();
  const on = v & mask ? 1 : 0;
  if (!f.light)
    f.add({
      name,
      label: `${bitPattern(v, mask, 8)} = ${label}: ${on ? t : fl}`,
      show: String(on),
      value: on,
      offset: at,
      length: 1,
    });
  return on;
}

type Decoder = (f: Fields, len: number, set: boolean) => void;

const time = (f: Fields, n: "create" | "last_access" | "last_write" | "last_change", l: string) =>
  f.filetime(`smb2.${n}.time`, l);

function basic(f: Fields): void {
  time(f, "create", "Create");
  time(f, "last_access", "Last Access");
  time(f, "last_write", "Last Write");
  time(f, "last_change", "Last Change");
  smb2FileAttributes(f);
  f.opaque("smb2.unknown", "Unknown", 4);
}

const DELETE_PENDING = { 0: "This object has NOT DELETE PENDING", 1: "This object has DELETE PENDING" };
const IS_DIRECTORY = { 0: "This is NOT a directory", 1: "This is a DIRECTORY" };

function standard(f: Fields): void {
  f.u64("smb.alloc_size64", "Allocation Size");
  f.u64("smb.end_of_file", "End Of File");
  f.uint("smb.link_count", "Link Count", 4);
  f.uint("smb.delete_pending", "Delete Pending", 1, { vals: DELETE_PENDING });
  f.uint("smb.is_directory", "Is Directory", 1, { vals: IS_DIRECTORY });
}

function all(f: Fields): void {
  basic(f);
  f.u64("smb2.allocation_size", "Allocation Size");
  f.u64("smb2.eof", "End Of File");
  f.uint("smb2.nlinks", "Number of Links", 4);
  f.uint("smb2.delete_pending", "Delete Pending", 1);
  f.uint("smb2.is_directory", "Is Directory", 1);
  f.c.skip(2);
  f.u64("smb2.file_id", "File Id", { base: "hex" });
  f.uint("smb2.ea_size", "EA Size", 4);
  smbAccessMask(f);
  // Wireshark 4.0 reads this one field big-endian; matched so the trees compare equal.
  f.c.need(8);
  const pAt = f.c.pos;
  const pos = f.c.buf.readBigUInt64BE(pAt);
  f.c.skip(8);
  if (!f.light)
    f.add(node("smb2.position_info", `Position Information: ${pos}`, pos.toString(), pos.toString(), pAt, 8));
  modeInfo(f);
  f.uint("smb2.alignment_info", "Alignment Information", 4, { base: "hex", vals: ALIGNMENT });
  const n = f.uint("smb2.filename.len", "Filename Length", 4);
  // Wireshark stops here (malformed) when the name is cut short, without a filename field.
  if (!f.c.has(n)) throw new ShortRead(f.c.pos, n, f.c.end);
  f.utf16("smb2.filename", "Filename", n);
}

/** FileName-style: u32 length then UTF-16 (alternate / normalized name). */
function nameInfo(f: Fields): void {
  const n = f.uint("smb.file_name_len", "File Name Len", 4);
  if (!n) return;
  // A name cut by a short output buffer: what is there, then Wireshark's "Truncated..." marker.
  const cut = n > f.c.remaining;
  utf16Avail(f, "smb.file", "File Name", n);
  if (cut && !f.light) f.add(node("smb2.truncated", "Truncated...", "", "", f.c.pos, 0));
}

function streams(f: Fields, len: number): void {
  const end = f.c.pos + len;
  for (let guard = 0; guard < 4096 && f.c.pos < end; guard++) {
    const start = f.c.pos;
    if (!f.c.has(24)) break;
    const next = f.c.peekU32();
    const nlen = f.c.peekU32(start + 4);
    const name = f.c.has(nlen, start + 24)
      ? f.c.buf.subarray(start + 24, start + 24 + (nlen & ~1)).toString("utf16le")
      : "";
    f.tree("smbcmp.smb2.stream_info", `Stream Info: ${name}`, () => {
      f.uint("smb.next_entry_offset", "Next Entry Offset", 4);
      f.uint("smb.stream_name_len", "Stream Name Length", 4);
      f.u64("smb.stream_size", "Stream Size");
      f.u64("smb.alloc_size64", "Allocation Size");
      utf16Avail(f, "smb.stream_name", "Stream Name", nlen);
    });
    if (!next) break;
    f.c.seek(start + next);
  }
}

/** FILE_FULL_EA_INFORMATION list (MS-FSCC 2.4.15). */
export function fullEa(f: Fields, len: number): void {
  const end = f.c.pos + len;
  for (let guard = 0; guard < 4096 && f.c.pos < end; guard++) {
    const start = f.c.pos;
    if (!f.c.has(8)) break;
    const next = f.c.peekU32();
    const nlen = f.c.peekU8(start + 5);
    const dlen = f.c.peekU16(start + 6);
    const name = f.c.has(nlen, start + 8) ? f.c.buf.toString("latin1", start + 8, start + 8 + nlen) : "";
    f.tree("smbcmp.smb2.ea", `EA: ${name}`, () => {
      f.uint("smb2.next_offset", "Next Offset", 4);
      f.uint("smb2.ea.flags", "EA Flags", 1, { base: "hex" });
      f.uint("smb2.ea.name_len", "EA Name Length", 1);
      f.uint("smb2.ea.data_len", "EA Data Length", 2);
      f.ascii("smb2.ea.name", "EA Name", nlen);
      f.c.skip(Math.min(1, f.c.remaining));
      if (dlen) f.bytes("smb2.ea.data", "EA Data", Math.min(dlen, f.c.remaining));
    });
    if (!next) break;
    f.c.seek(start + next);
  }
}

function rename(f: Fields): void {
  const at = f.c.pos;
  const v = f.c.u8();
  if (!f.light) {
    const bits = v.toString(2).padStart(8, "0");
    f.add({
      name: "smb2.rename.replace_if",
      label: `${bits.slice(0, 4)} ${bits.slice(4)} = Replace If: ${v ? "Replace the target if it exists" : "Do not replace the target"}`,
      show: v ? "1" : "0",
      value: v ? 1 : 0,
      offset: at,
      length: 1,
    });
  }
  f.opaque("smb2.reserved.random", "Reserved (Random)", 7);
  f.opaque("smb2.root_directory", "Root Dir Handle (MBZ)", 8);
  const n = f.uint("smb2.filename.len", "Filename Length", 4);
  // Wireshark stops here (malformed) when the name is cut short, without a filename field.
  if (!f.c.has(n)) throw new ShortRead(f.c.pos, n, f.c.end);
  f.utf16("smb2.filename", "Filename", n);
}

const FILE_DECODERS: Readonly<Record<number, { node: string; fn: Decoder }>> = {
  4: { node: "smb2.file_basic_info", fn: basic },
  5: { node: "smb2.file_standard_info", fn: standard },
  6: {
    node: "smb2.file_internal_info",
    fn: (f) => f.u64("smb.index_number", "Index Number", { base: "hex" }),
  },
  7: { node: "smb2.file_ea_info", fn: (f) => f.uint("smb.ea.list_length", "EA List Length", 4) },
  8: {
    node: "smb2.file_access_info",
    fn: (f) => flags(f, "smb.access_mask", "Access Mask", 4, SMB_ACCESS),
  },
  10: { node: "smb2.file_rename_info", fn: rename },
  13: {
    node: "smb2.file_disposition_info",
    fn: (f) =>
      bit8(f, "smb2.disposition.delete_on_close", "Delete on close", 0x1, [
        "DELETE this file when closed",
        "Normal access, do not delete on close",
      ]),
  },
  14: { node: "smb2.file_position_info", fn: (f) => f.u64("smb.position", "Position") },
  15: { node: "smb2.file_full_ea_info", fn: (f, len) => fullEa(f, len) },
  16: { node: "smb2.file_mode_info", fn: (f) => f.uint("smb.mode", "Mode", 4, { base: "hex" }) },
  17: {
    node: "smb2.file_alignment_info",
    fn: (f) => f.uint("smb.alignment", "Alignment", 4, { vals: ALIGNMENT }),
  },
  18: { node: "smb2.file_all_info", fn: all },
  19: { node: "smb2.file_allocation_info", fn: (f) => f.u64("smb.alloc_size64", "Allocation Size") },
  20: { node: "smb2.file_endoffile_info", fn: (f) => f.u64("smb.end_of_file", "End Of File") },
  21: { node: "smb2.file_alternate_name_info", fn: nameInfo },
  22: { node: "smb2.file_stream_info", fn: (f, len) => streams(f, len) },
  23: {
    node: "smb2.file_pipe_info",
    fn: (f) =>
      bit8(f, "smb.pipe_info_flag", "Pipe Info", 0x1, ["SET NAMED PIPE mode", "Do NOT set named pipe mode"]),
  },
  28: {
    node: "smb2.file_compression_info",
    fn: (f) => {
      f.u64("smb.compressed.file_size", "Compressed Size");
      f.uint("smb.compressed.format", "Compression Format", 2);
      f.uint("smb.compressed.unit_shift", "Unit Shift", 1);
      f.uint("smb.compressed.chunk_shift", "Chunk Shift", 1);
      f.uint("smb.compressed.cluster_shift", "Cluster Shift", 1);
      f.opaque("smb.reserved", "Reserved", 3);
    },
  },
  34: {
    node: "smb2.file_network_open_info",
    fn: (f) => {
      smbFileTimes(f);
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.end_of_file", "End Of File");
      smbFileAttributes(f);
      f.opaque("smb.reserved", "Reserved", 4);
    },
  },
  35: {
    node: "smb2.file_attribute_tag_info",
    fn: (f) => {
      f.uint("smb.attribute", "Attribute", 4, { base: "hex" });
      f.uint("smb.reparse_tag", "Reparse Tag", 4, { base: "hex" });
    },
  },
  48: { node: "smb2.file_normalized_name_info", fn: nameInfo },
};

function objectIdBuffer(f: Fields): void {
  f.tree("smb2.FILE_OBJECTID_BUFFER", "FILE_OBJECTID_BUFFER", () => {
    f.guid("smb2.object_id", "ObjectId");
    f.guid("smb2.birth_volume_id", "BirthVolumeId");
    f.guid("smb2.birth_object_id", "BirthObjectId");
    f.guid("smb2.domain_id", "DomainId");
  });
}

export { objectIdBuffer };

const QUOTA_FLAGS = [
  {
    name: "smb.quota.flags.deny_disk",
    label: "Deny Disk",
    mask: 0x2,
    t: "DENY DISK SPACE for users exceeding quota limit",
    f: "Do NOT deny disk space for users exceeding quota limit",
  },
  {
    name: "smb.quota.flags.log_warning",
    label: "Log Warning",
    mask: 0x10,
    t: "LOG EVENT when a user exceeds their WARNING LEVEL",
    f: "Do NOT log event when a user exceeds their warning level",
  },
  {
    name: "smb.quota.flags.log_limit",
    label: "Log Limit",
    mask: 0x20,
    t: "LOG EVENT when a user exceeds their QUOTA LIMIT",
    f: "Do NOT log event when a user exceeds their quota limit",
  },
  {
    name: "smb.quota.flags.enabled",
    label: "Enabled",
    mask: 0x1,
    t: "Quotas are ENABLED of this fs",
    f: "Quotas are NOT enabled of this fs",
  },
];

const FS_DECODERS: Readonly<Record<number, { node: string; fn: Decoder }>> = {
  1: {
    node: "smb2.fs_volume_info",
    fn: (f) => {
      f.filetime("smb.create.time", "Created");
      f.uint("smb.volume.serial", "Volume Serial Number", 4, { base: "hex" });
      const n = f.uint("smb.volume.label.len", "Label Length", 4);
      f.opaque("smb.reserved", "Reserved", 2);
      if (n) utf16Avail(f, "smb.volume.label", "Label", n);
    },
  },
  3: {
    node: "smb2.fs_size_info",
    fn: (f) => {
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.free_alloc_units", "Free Units");
      f.uint("smb.fs_sector_per_unit", "Sectors/Unit", 4);
      f.uint("smb.fs_bytes_per_sector", "Bytes per Sector", 4);
    },
  },
  4: {
    node: "smb2.fs_device_info",
    fn: (f) => {
      f.uint("smb.device.type", "Device Type", 4, { base: "hex", vals: DEVICE_TYPES });
      flags(f, "smb.device", "Device Characteristics", 4, DEVICE_CHARS);
    },
  },
  5: {
    node: "smb2.fs_attribute_info",
    fn: (f) => {
      flags(f, "smb.fs_attr", "FS Attributes", 4, FS_ATTRS, { summary: true });
      f.uint("smb.fs_max_name_len", "Max name length", 4);
      const n = f.uint("smb.fs_name.len", "Label Length", 4);
      utf16Avail(f, "smb.fs_name", "FS Name", n);
    },
  },
  6: {
    node: "smb2.fs_control_info",
    fn: (f) => {
      f.opaque("smb.unknown_data", "Unknown Data", 24);
      f.u64("smb.quota.soft.default", "(Soft) Quota Threshold");
      f.u64("smb.quota.hard.default", "(Hard) Quota Limit");
      flags(f, "smb.quota.flags", "Quota Flags", 1, QUOTA_FLAGS, { summary: true });
      f.opaque("smb.unknown_data", "Unknown Data", 7);
    },
  },
  7: {
    node: "smb2.fs_full_size_info",
    fn: (f) => {
      f.u64("smb.alloc_size64", "Allocation Size");
      f.u64("smb.caller_free_alloc_units", "Caller Free Units");
      f.u64("smb.actual_free_alloc_units", "Actual Free Units");
      f.uint("smb.fs_sector_per_unit", "Sectors/Unit", 4);
      f.uint("smb.fs_bytes_per_sector", "Bytes per Sector", 4);
    },
  },
  8: { node: "smb2.fs_objectid_info", fn: (f) => objectIdBuffer(f) },
};

const DECODER_LABEL = (n: string, type: number, cls: number): string =>
  type === 1 ? (FILE_LEVELS[cls] ?? n) : type === 2 ? (FS_LEVELS[cls] ?? n) : n;

/** FILE_QUOTA_INFORMATION entries (MS-FSCC 2.4.36): shown as Wireshark's smb.quota.* fields. */
function quotaInfo(f: Fields, len: number): void {
  const end = f.c.pos + len;
  for (let guard = 0; guard < 4096 && f.c.pos + 40 <= end; guard++) {
    const start = f.c.pos;
    const next = f.uint("smb.quota.user.offset", "Next Offset", 4);
    const sidLen = f.uint("smb.length_of_sid", "Length of SID", 4);
    f.filetime("smb.change.time", "Change");
    f.u64("smb.quota.used", "Used Space");
    f.u64("smb.quota.soft.default", "(Soft) Quota Threshold");
    f.u64("smb.quota.hard.default", "(Hard) Quota Limit");
    if (sidLen) f.within(f.c.pos, sidLen, () => sid(f));
    if (!next) break;
    f.c.seek(start + next);
  }
}

/**
 * Dissects `len` bytes of info data of (type, cls) at the cursor, inside the class's subtree.
 * Never throws on short data: a truncated class leaves a malformed marker.
 */
export function infoData(
  f: Fields,
  type: number,
  cls: number,
  len: number,
  set = false,
  onMalformed?: () => void,
): void {
  if (len <= 0) return;
  const start = f.c.pos;
  const avail = Math.min(len, f.c.remaining);
  let d: { node: string; fn: Decoder } | undefined;
  if (type === 1) d = FILE_DECODERS[cls];
  else if (type === 2) d = FS_DECODERS[cls];
  else if (type === 3 && cls === 0)
    d = {
      node: "smb2.sec_info_00",
      fn: (ff, l) => securityDescriptor(ff, l),
    };
  else if (type === 4) d = { node: "smb2.quota_info", fn: (ff, l) => quotaInfo(ff, l) };
  if (!d) {
    undecoded(f, avail);
    return;
  }
  const label =
    type === 3 ? "SMB2_SEC_INFO_00" : type === 4 ? "SMB2_QUOTA_INFO" : DECODER_LABEL(d.node, type, cls);
  f.within(start, avail, () => {
    try {
      f.tree(d.node, label, () => d.fn(f, avail, set), avail);
    } catch (e) {
      if (!(e instanceof ShortRead)) throw e;
      f.malformed(`${label} truncated`);
      onMalformed?.();
    }
  });
  f.c.seek(start + avail);
}

export { hexN };
