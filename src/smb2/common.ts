/** Building blocks shared by several SMB2 command dissectors. */
import type { BitSpec, Fields } from "../dissect/fields.js";
import type { Smb2Msg } from "./dissect.js";
import { handleScope } from "./state.js";

/**
 * A FileId (MS-SMB2 2.2.14.1) as Wireshark shows it: a "GUID handle File: name" text node holding
 * smb2.fid and the frames the handle was opened and closed in. Records the id on the message.
 */
export function fileId(f: Fields, m: Smb2Msg): string {
  const at = f.c.pos;
  f.c.need(16);
  const hex = m.ctx.state.fileIdText(f.c.buf, at);
  const name = m.ctx.state.file(hex);
  m.info.fileId = hex;
  if (name !== undefined && m.info.path === undefined) m.info.path = name;
  if (f.light) {
    // The index needs only the id and the name: no GUID text.
    f.c.pos = at + 16;
    return hex;
  }
  handleNode(f, m, hex, name);
  return hex;
}

/**
 * The FileId a create context carries (a durable handle reconnect), shown like any handle but not
 * the message's own, and named (here and in the Info) only when this tree connect of this
 * connection opened it, as Wireshark does (a reconnect from a new connection or tree shows one name).
 */
export function contextFileId(f: Fields, m: Smb2Msg): string | undefined {
  const at = f.c.pos;
  f.c.need(16);
  const hex = m.ctx.state.fileIdText(f.c.buf, at);
  const name =
    m.ctx.state.fileScope(hex) === handleScope(m.ctx.conn, m.h.tid) ? m.ctx.state.file(hex) : undefined;
  if (f.light) f.c.pos = at + 16;
  else handleNode(f, m, hex, name);
  return name;
}

/** A FileId's "GUID handle" tree at the cursor: named when known, with its handle's open and close frames. */
function handleNode(f: Fields, m: Smb2Msg, hex: string, name: string | undefined): void {
  f.tree(
    "smbcmp.smb2.handle",
    name !== undefined ? `GUID handle File: ${name}` : "GUID handle",
    () => {
      f.guid("smb2.fid", "File Id");
      // Trees are built after the whole capture is read, like tshark's second pass: the close is known.
      const use = m.ctx.state.handleAt(hex, m.ctx.frame);
      if (use?.open !== undefined)
        f.generated("dcerpc.nt.open_frame", "Frame handle opened", String(use.open), use.open);
      if (use?.close !== undefined)
        f.generated("dcerpc.nt.close_frame", "Frame handle closed", String(use.close), use.close);
    },
    16,
  );
}

/** Reads an (offset from header start, length) pair's target bytes as a UTF-16 name; "" when empty. */
export function nameAt(m: Smb2Msg, f: Fields, offset: number, length: number): string {
  if (!length) return "";
  const at = m.h.at + offset;
  if (!f.c.has(length, at)) return "";
  return f.c.buf.subarray(at, at + (length & ~1)).toString("utf16le");
}

/** StructureSize (MS-SMB2 2.2.x) with Wireshark's length/dynamic split. */
export function structureSize(f: Fields): number {
  const v = f.bitmask("smb2.buffer_code", "StructureSize", 2, STRUCTURE_SIZE_BITS);
  if (!f.light) {
    const n = f.nodes.at(-1);
    if (n?.name === "smb2.buffer_code") n.label = `StructureSize: ${n.show}`;
  }
  return v;
}

const STRUCTURE_SIZE_BITS: readonly BitSpec[] = [
  { name: "smb2.buffer_code.length", label: "Fixed Part Length", mask: 0xfffe, vals: undefined },
  { name: "smb2.buffer_code.dynamic", label: "Dynamic Part", mask: 0x1 },
];

/** A label-less bit: `t`/`f` are the set/clear texts. */
function bit(name: string, label: string, mask: number, t: string, f: string): BitSpec {
  return { name, label, mask, t, f };
}

/** File/directory access mask bits (MS-SMB2 2.2.13.1), `smb.access.*`. */
export const ACCESS_MASK_BITS: readonly BitSpec[] = [
  bit("smb.access.read", "Read", 0x1, "READ access", "NO read access"),
  bit("smb.access.write", "Write", 0x2, "WRITE access", "NO write access"),
  bit("smb.access.append", "Append", 0x4, "APPEND access", "NO append access"),
  bit(
    "smb.access.read_ea",
    "Read EA",
    0x8,
    "READ EXTENDED ATTRIBUTES access",
    "NO read extended attributes access",
  ),
  bit(
    "smb.access.write_ea",
    "Write EA",
    0x10,
    "WRITE EXTENDED ATTRIBUTES access",
    "NO write extended attributes access",
  ),
  bit("smb.access.execute", "Execute", 0x20, "EXECUTE access", "NO execute access"),
  bit("smb.access.delete_child", "Delete Child", 0x40, "DELETE CHILD access", "NO delete child access"),
  bit(
    "smb.access.read_attributes",
    "Read Attributes",
    0x80,
    "READ ATTRIBUTES access",
    "NO read attributes access",
  ),
  bit(
    "smb.access.write_attributes",
    "Write Attributes",
    0x100,
    "WRITE ATTRIBUTES access",
    "NO write attributes access",
  ),
  bit("smb.access.delete", "Delete", 0x10000, "DELETE access", "NO delete access"),
  bit(
    "smb.access.read_control",
    "Read Control",
    0x20000,
    "READ ACCESS to owner, group and ACL of the SID",
    "Read access is NOT granted to owner, group and ACL of the SID",
  ),
  bit(
    "smb.access.write_dac",
    "Write DAC",
    0x40000,
    "OWNER may WRITE the DAC",
    "Owner may NOT write to the DAC",
  ),
  bit(
    "smb.access.write_owner",
    "Write Owner",
    0x80000,
    "Can WRITE OWNER (take ownership)",
    "Can NOT write owner (take ownership)",
  ),
  bit(
    "smb.access.synchronize",
    "Synchronize",
    0x100000,
    "Can wait on handle to SYNCHRONIZE on completion of I/O",
    "Can NOT wait on handle to synchronize on completion of I/O",
  ),
  bit(
    "smb.access.system_security",
    "System Security",
    0x1000000,
    "SYSTEM SECURITY is set",
    "System security is NOT set",
  ),
  bit(
    "smb.access.maximum_allowed",
    "Maximum Allowed",
    0x2000000,
    "MAXIMUM ALLOWED is set",
    "Maximum allowed is NOT set",
  ),
  bit("smb.access.generic_all", "Generic All", 0x10000000, "GENERIC ALL is set", "Generic all is NOT set"),
  bit(
    "smb.access.generic_execute",
    "Generic Execute",
    0x20000000,
    "GENERIC EXECUTE is set",
    "Generic execute is NOT set",
  ),
  bit(
    "smb.access.generic_write",
    "Generic Write",
    0x40000000,
    "GENERIC WRITE is set",
    "Generic write is NOT set",
  ),
  bit(
    "smb.access.generic_read",
    "Generic Read",
    0x80000000,
    "GENERIC READ is set",
    "Generic read is NOT set",
  ),
];

/** Bitmask whose parent label is just the hex value (no list of set flags). */
function plainBitmask(f: Fields, name: string, label: string, bits: readonly BitSpec[]): number {
  const at = f.c.pos;
  const v = f.bitmask(name, label, 4, bits);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1];
    if (n && n.offset === at && n.name === name) n.label = `${label}: ${n.show}`;
  }
  return v;
}

/** `smb.access_mask` ("Access Mask") with file-specific bit names. */
export function accessMask(f: Fields): number {
  return plainBitmask(f, "smb.access_mask", "Access Mask", ACCESS_MASK_BITS);
}

/** FILE_ATTRIBUTE_* (MS-FSCC 2.6), `smb2.file_attribute.*`. */
export const FILE_ATTRIBUTE_BITS: readonly BitSpec[] = [
  bit("smb2.file_attribute.read_only", "Read Only", 0x1, "Yes", "No"),
  bit("smb2.file_attribute.hidden", "Hidden", 0x2, "Yes", "No"),
  bit("smb2.file_attribute.system", "System", 0x4, "Yes", "No"),
  bit("smb2.file_attribute.directory", "Directory", 0x10, "Yes", "No"),
  bit("smb2.file_attribute.archive", "Requires archived", 0x20, "Yes", "No"),
  bit("smb2.file_attribute.normal", "Normal", 0x80, "Yes", "No"),
  bit("smb2.file_attribute.temporary", "Temporary", 0x100, "Yes", "No"),
  bit("smb2.file_attribute.sparse", "Sparse", 0x200, "Yes", "No"),
  bit(
    "smb2.file_attribute.reparse",
    "Reparse Point",
    0x400,
    "Has an associated REPARSE POINT",
    "Does NOT have an associated reparse point",
  ),
  bit("smb2.file_attribute.compressed", "Compressed", 0x800, "COMPRESSED", "Uncompressed"),
  bit("smb2.file_attribute.offline", "Offline", 0x1000, "OFFLINE", "Online"),
  bit(
    "smb2.file_attribute.not_content_indexed",
    "Not Content Indexed",
    0x2000,
    "Is not indexed by the content indexing service",
    "Is indexed by the content indexing service",
  ),
  bit("smb2.file_attribute.encrypted", "Encrypted", 0x4000, "Yes", "No"),
  bit(
    "smb2.file_attribute.integrity_stream",
    "Integrity Stream",
    0x8000,
    "Has Integrity Support",
    "Does NOT have Integrity Support",
  ),
  bit(
    "smb2.file_attribute.no_scrub_data",
    "No Scrub Data",
    0x20000,
    "Is excluded from the data integrity scan",
    "Is not excluded from the data integrity scan",
  ),
];

/** `smb2.file_attribute` ("File Attributes"). */
export function fileAttributes(f: Fields): number {
  return plainBitmask(f, "smb2.file_attribute", "File Attributes", FILE_ATTRIBUTE_BITS);
}

export const SHARE_ACCESS_BITS: readonly BitSpec[] = [
  bit(
    "smb.share.access.read",
    "Read",
    0x1,
    "Object can be shared for READ",
    "Object can NOT be shared for read",
  ),
  bit(
    "smb.share.access.write",
    "Write",
    0x2,
    "Object can be shared for WRITE",
    "Object can NOT be shared for write",
  ),
  bit(
    "smb.share.access.delete",
    "Delete",
    0x4,
    "Object can be shared for DELETE",
    "Object can NOT be shared for delete",
  ),
];

/** `smb.share_access` ("Share Access: 0x00000007, Read, Write, Delete"). */
export function shareAccess(f: Fields): number {
  return f.bitmask("smb.share_access", "Share Access", 4, SHARE_ACCESS_BITS);
}

export const CREATE_OPTION_BITS: readonly BitSpec[] = [
  bit(
    "smb.nt.create_options.directory",
    "Directory",
    0x1,
    "File being created/opened must be a directory",
    "File being created/opened must not be a directory",
  ),
  bit(
    "smb.nt.create_options.write_through",
    "Write Through",
    0x2,
    "Writes should flush buffered data before completing",
    "Writes need not flush buffered data before completing",
  ),
  bit(
    "smb.nt.create_options.sequential_only",
    "Sequential Only",
    0x4,
    "The file will only be accessed sequentially",
    "The file might not only be accessed sequentially",
  ),
  bit(
    "smb.nt.create_options.intermediate_buffering",
    "Intermediate Buffering",
    0x8,
    "NO intermediate buffering is allowed",
    "Intermediate buffering is allowed",
  ),
  bit(
    "smb.nt.create_options.sync_io_alert",
    "Sync I/O Alert",
    0x10,
    "All operations SYNCHRONOUS, waits subject to termination from alert",
    "Operations NOT necessarily synchronous",
  ),
  bit(
    "smb.nt.create_options.sync_io_nonalert",
    "Sync I/O Nonalert",
    0x20,
    "All operations SYNCHRONOUS, waits not subject to alert",
    "Operations NOT necessarily synchronous",
  ),
  bit(
    "smb.nt.create_options.non_directory",
    "Non-Directory",
    0x40,
    "File being created/opened must not be a directory",
    "File being created/opened must be a directory",
  ),
  bit(
    "smb.nt.create_options.create_tree_connection",
    "Create Tree Connection",
    0x80,
    "Create Tree Connections is SET",
    "Create Tree Connections is NOT set",
  ),
  bit(
    "smb.nt.create_options.complete_if_oplocked",
    "Complete If Oplocked",
    0x100,
    "Complete if oplocked is SET",
    "Complete if oplocked is NOT set",
  ),
  bit(
    "smb.nt.create_options.no_ea_knowledge",
    "No EA Knowledge",
    0x200,
    "The client does not understand extended attributes",
    "The client understands extended attributes",
  ),
  bit(
    "smb.nt.create_options.eight_dot_three_only",
    "8.3 Only",
    0x400,
    "The client understands only 8.3 file names",
    "The client understands long file names",
  ),
  bit(
    "smb.nt.create_options.random_access",
    "Random Access",
    0x800,
    "The file will be accessed randomly",
    "The file will not be accessed randomly",
  ),
  bit(
    "smb.nt.create_options.delete_on_close",
    "Delete On Close",
    0x1000,
    "The file should be deleted when it is closed",
    "The file should not be deleted when it is closed",
  ),
  bit(
    "smb.nt.create_options.open_by_fileid",
    "Open By FileID",
    0x2000,
    "OpenByFileID bit is SET",
    "OpenByFileID is NOT set",
  ),
  bit(
    "smb.nt.create_options.backup_intent",
    "Backup Intent",
    0x4000,
    "This is a create with BACKUP INTENT",
    "This is a normal create",
  ),
  bit(
    "smb.nt.create_options.no_compression",
    "No Compression",
    0x8000,
    "Open/Create with NO Compression",
    "Compression is allowed for Open/Create",
  ),
  bit(
    "smb.nt.create_options.reserve_opfilter",
    "Reserve Opfilter",
    0x100000,
    "Reserve Opfilter is SET",
    "Reserve Opfilter is NOT set",
  ),
  bit(
    "smb.nt.create_options.open_reparse_point",
    "Open Reparse Point",
    0x200000,
    "Open a Reparse Point",
    "Normal open",
  ),
  bit(
    "smb.nt.create_options.open_no_recall",
    "Open No Recall",
    0x400000,
    "Open No Recall is SET",
    "Open no recall is NOT set",
  ),
  bit(
    "smb.nt.create_options.open_for_free_space_query",
    "Open For Free Space query",
    0x800000,
    "This is an OPEN FOR FREE SPACE QUERY",
    "This is NOT an open for free space query",
  ),
];

/** `smb.create_options` ("Create Options"). */
export function createOptions(f: Fields): number {
  return plainBitmask(f, "smb.create_options", "Create Options", CREATE_OPTION_BITS);
}

/** `smb2.olb.offset` / `smb2.olb.length` pair with the given field sizes. */
export function olb(f: Fields, offSize: 2 | 4, lenSize: 2 | 4): [number, number] {
  const off = f.uint("smb2.olb.offset", "Blob Offset", offSize);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1]!;
    n.show = `0x${off.toString(16).padStart(8, "0")}`;
    n.label = `Blob Offset: ${n.show}`;
  }
  const len = f.uint("smb2.olb.length", "Blob Length", lenSize);
  return [off, len];
}

/** 64-bit FILETIME fields of CREATE/CLOSE responses and directory entries. */
export function fileTimes(f: Fields): void {
  f.filetime("smb2.create.time", "Create");
  f.filetime("smb2.last_access.time", "Last Access");
  f.filetime("smb2.last_write.time", "Last Write");
  f.filetime("smb2.last_change.time", "Last Change");
}
