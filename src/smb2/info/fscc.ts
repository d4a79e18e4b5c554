/**
 * FSCC building blocks used by the info classes and FSCTLs (MS-FSCC 2.4, 2.5, 2.6), formatted the
 * way Wireshark shows them. Kept here until a shared src/smb2/fscc/ module exports the same things.
 */
import { type BitSpec, Fields } from "../../dissect/fields.js";
import { hexN } from "../../dissect/format.js";
import { FieldFlag, type FieldNode, node } from "../../dissect/tree.js";

/** Adds a node at an explicit position without reading (fields Wireshark shows from stored state). */
export function put(f: Fields, n: FieldNode): void {
  f.add(n);
}

/** A bitmask whose parent label shows only the hex value (no ", Name" list). */
export function flags(
  f: Fields,
  name: string,
  label: string,
  size: 1 | 2 | 4,
  bits: readonly BitSpec[],
  o: { summary?: boolean; hexBits?: boolean } = {},
): number {
  const at = f.c.pos;
  const v = f.bitmask(name, label, size, bits);
  if (f.light) return v;
  const n = f.nodes[f.nodes.length - 1];
  if (!n || n.offset !== at) return v;
  if (!o.summary) n.label = `${label}: ${hexN(v, size * 2)}`;
  if (o.hexBits)
    for (const [i, b] of bits.entries()) {
      const c = n.children?.[i];
      if (!c) continue;
      const lo = b.mask & -b.mask;
      const fv = Math.floor(((v >>> 0) & b.mask) / lo);
      c.show = hexN(fv, size * 2);
      c.label = c.label.replace(/: [^:]*$/, `: 0x${fv.toString(16)}`);
    }
  return v;
}

// One StructureSize for every command (its length/dynamic split): src/smb2/common.ts.
export { structureSize } from "../common.js";

/** `smb2.reserved` of `n` bytes (shown as colon hex). */
export function reserved(f: Fields, n: number, name = "smb2.reserved"): void {
  f.opaque(name, "Reserved", n);
}

/** A blob offset/length pair (`smb2.olb.*`) read at explicit positions; returns the values. */
export function olb(
  f: Fields,
  offAt: number,
  offSize: 2 | 4,
  lenAt: number,
  lenSize: 2 | 4,
): { offset: number; length: number } {
  const save = f.c.pos;
  f.c.seek(offAt);
  const offset = f.uint("smb2.olb.offset", "Blob Offset", offSize, { base: "hex" });
  f.c.seek(lenAt);
  const length = f.uint("smb2.olb.length", "Blob Length", lenSize);
  f.c.seek(save);
  if (!f.light) {
    // Wireshark shows a 2-byte offset as 0x%08x too.
    const n = f.nodes[f.nodes.length - 2];
    if (n && offSize === 2) {
      n.show = hexN(offset, 8);
      n.label = `Blob Offset: ${n.show}`;
    }
  }
  return { offset, length };
}

const yn = (t: string, fl: string) => ({ t, f: fl });

/** FILE_ATTRIBUTE_* as smb2.file_attribute (MS-FSCC 2.6). */
export const SMB2_FILE_ATTRS: readonly BitSpec[] = [
  { name: "smb2.file_attribute.read_only", label: "Read Only", mask: 0x1, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.hidden", label: "Hidden", mask: 0x2, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.system", label: "System", mask: 0x4, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.directory", label: "Directory", mask: 0x10, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.archive", label: "Requires archived", mask: 0x20, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.normal", label: "Normal", mask: 0x80, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.temporary", label: "Temporary", mask: 0x100, ...yn("Yes", "No") },
  { name: "smb2.file_attribute.sparse", label: "Sparse", mask: 0x200, ...yn("Yes", "No") },
  {
    name: "smb2.file_attribute.reparse",
    label: "Reparse Point",
    mask: 0x400,
    ...yn("Has an associated reparse point", "Does NOT have an associated reparse point"),
  },
  {
    name: "smb2.file_attribute.compressed",
    label: "Compressed",
    mask: 0x800,
    ...yn("Compressed", "Uncompressed"),
  },
  { name: "smb2.file_attribute.offline", label: "Offline", mask: 0x1000, ...yn("Offline", "Online") },
  {
    name: "smb2.file_attribute.not_content_indexed",
    label: "Not Content Indexed",
    mask: 0x2000,
    ...yn("Is not indexed by the content indexing service", "Is indexed by the content indexing service"),
  },
  { name: "smb2.file_attribute.encrypted", label: "Encrypted", mask: 0x4000, ...yn("Yes", "No") },
  {
    name: "smb2.file_attribute.integrity_stream",
    label: "Integrity Stream",
    mask: 0x8000,
    ...yn("Has Integrity Support", "Does NOT have Integrity Support"),
  },
  {
    name: "smb2.file_attribute.no_scrub_data",
    label: "No Scrub Data",
    mask: 0x20000,
    ...yn("Is excluded from the data integrity scan", "Is not excluded from the data integrity scan"),
  },
];

export function smb2FileAttributes(f: Fields): number {
  return flags(f, "smb2.file_attribute", "File Attributes", 4, SMB2_FILE_ATTRS);
}

/** FILE_ATTRIBUTE_* as the SMB1-style smb.file_attribute (used by network open info). */
export const SMB_FILE_ATTRS: readonly BitSpec[] = [
  {
    name: "smb.file_attribute.read_only",
    label: "Read Only",
    mask: 0x1,
    ...yn("READ ONLY", "NOT read only"),
  },
  { name: "smb.file_attribute.hidden", label: "Hidden", mask: 0x2, ...yn("HIDDEN", "NOT hidden") },
  {
    name: "smb.file_attribute.system",
    label: "System",
    mask: 0x4,
    ...yn("SYSTEM file/dir", "NOT a system file/dir"),
  },
  { name: "smb.file_attribute.volume", label: "Volume ID", mask: 0x8, ...yn("VOLUME ID", "NOT a volume ID") },
  {
    name: "smb.file_attribute.directory",
    label: "Directory",
    mask: 0x10,
    ...yn("DIRECTORY", "NOT a directory"),
  },
  {
    name: "smb.file_attribute.archive",
    label: "Archive",
    mask: 0x20,
    ...yn("Modified since last ARCHIVE", "Not modified since last archive"),
  },
  { name: "smb.file_attribute.device", label: "Device", mask: 0x40, ...yn("A DEVICE", "NOT a device") },
  {
    name: "smb.file_attribute.normal",
    label: "Normal",
    mask: 0x80,
    ...yn("An ordinary file/dir", "Has some attribute set"),
  },
  {
    name: "smb.file_attribute.temporary",
    label: "Temporary",
    mask: 0x100,
    ...yn("A TEMPORARY file", "NOT a temporary file"),
  },
  {
    name: "smb.file_attribute.sparse",
    label: "Sparse",
    mask: 0x200,
    ...yn("A SPARSE file", "NOT a sparse file"),
  },
  {
    name: "smb.file_attribute.reparse",
    label: "Reparse Point",
    mask: 0x400,
    ...yn("Has an associated REPARSE POINT", "Does NOT have an associated reparse point"),
  },
  {
    name: "smb.file_attribute.compressed",
    label: "Compressed",
    mask: 0x800,
    ...yn("COMPRESSED", "Uncompressed"),
  },
  { name: "smb.file_attribute.offline", label: "Offline", mask: 0x1000, ...yn("OFFLINE", "Online") },
  {
    name: "smb.file_attribute.not_content_indexed",
    label: "Content Indexed",
    mask: 0x2000,
    ...yn("CONTENT INDEXED", "NOT content indexed"),
  },
  {
    name: "smb.file_attribute.encrypted",
    label: "Encrypted",
    mask: 0x4000,
    ...yn("This is an ENCRYPTED file", "This is NOT an encrypted file"),
  },
];

/** The four NT times of a file (created, last access, last write, change) as Wireshark's smb.* fields. */
export function smbFileTimes(f: Fields): void {
  f.filetime("smb.create.time", "Created");
  f.filetime("smb.access.time", "Last Access");
  f.filetime("smb.last_write.time", "Last Write");
  f.filetime("smb.change.time", "Change");
}

export function smbFileAttributes(f: Fields): number {
  return flags(f, "smb.file_attribute", "File Attributes", 4, SMB_FILE_ATTRS);
}

/** File/directory access mask as smb.access_mask (MS-SMB2 2.2.13.1.1). */
export const SMB_ACCESS: readonly BitSpec[] = [
  { name: "smb.access.read", label: "Read", mask: 0x1, ...yn("READ access", "NO read access") },
  { name: "smb.access.write", label: "Write", mask: 0x2, ...yn("WRITE access", "NO write access") },
  { name: "smb.access.append", label: "Append", mask: 0x4, ...yn("APPEND access", "NO append access") },
  {
    name: "smb.access.read_ea",
    label: "Read EA",
    mask: 0x8,
    ...yn("READ EXTENDED ATTRIBUTES access", "NO read extended attributes access"),
  },
  {
    name: "smb.access.write_ea",
    label: "Write EA",
    mask: 0x10,
    ...yn("WRITE EXTENDED ATTRIBUTES access", "NO write extended attributes access"),
  },
  { name: "smb.access.execute", label: "Execute", mask: 0x20, ...yn("EXECUTE access", "NO execute access") },
  {
    name: "smb.access.delete_child",
    label: "Delete Child",
    mask: 0x40,
    ...yn("DELETE CHILD access", "NO delete child access"),
  },
  {
    name: "smb.access.read_attributes",
    label: "Read Attributes",
    mask: 0x80,
    ...yn("READ ATTRIBUTES access", "NO read attributes access"),
  },
  {
    name: "smb.access.write_attributes",
    label: "Write Attributes",
    mask: 0x100,
    ...yn("WRITE ATTRIBUTES access", "NO write attributes access"),
  },
  { name: "smb.access.delete", label: "Delete", mask: 0x10000, ...yn("DELETE access", "NO delete access") },
  {
    name: "smb.access.read_control",
    label: "Read Control",
    mask: 0x20000,
    ...yn(
      "READ ACCESS to owner, group and ACL of the SID",
      "Read access is NOT granted to owner, group and ACL of the SID",
    ),
  },
  {
    name: "smb.access.write_dac",
    label: "Write DAC",
    mask: 0x40000,
    ...yn("OWNER may WRITE the DAC", "Owner may NOT write to the DAC"),
  },
  {
    name: "smb.access.write_owner",
    label: "Write Owner",
    mask: 0x80000,
    ...yn("Can WRITE OWNER (take ownership)", "Can NOT write owner (take ownership)"),
  },
  {
    name: "smb.access.synchronize",
    label: "Synchronize",
    mask: 0x100000,
    ...yn(
      "Can wait on handle to SYNCHRONIZE on completion of I/O",
      "Can NOT wait on handle to synchronize on completion of I/O",
    ),
  },
  {
    name: "smb.access.system_security",
    label: "System Security",
    mask: 0x1000000,
    ...yn("SYSTEM SECURITY is set", "System security is NOT set"),
  },
  {
    name: "smb.access.maximum_allowed",
    label: "Maximum Allowed",
    mask: 0x2000000,
    ...yn("MAXIMUM ALLOWED is set", "Maximum allowed is NOT set"),
  },
  {
    name: "smb.access.generic_all",
    label: "Generic All",
    mask: 0x10000000,
    ...yn("GENERIC ALL is set", "Generic all is NOT set"),
  },
  {
    name: "smb.access.generic_execute",
    label: "Generic Execute",
    mask: 0x20000000,
    ...yn("GENERIC EXECUTE is set", "Generic execute is NOT set"),
  },
  {
    name: "smb.access.generic_write",
    label: "Generic Write",
    mask: 0x40000000,
    ...yn("GENERIC WRITE is set", "Generic write is NOT set"),
  },
  {
    name: "smb.access.generic_read",
    label: "Generic Read",
    mask: 0x80000000,
    ...yn("GENERIC READ is set", "Generic read is NOT set"),
  },
];

export function smbAccessMask(f: Fields): number {
  return flags(f, "smb.access_mask", "Access Mask", 4, SMB_ACCESS);
}

/** FileFsAttributeInformation FileSystemAttributes (MS-FSCC 2.5.1). */
const fsa = (name: string, label: string, mask: number, t: string, fl: string): BitSpec => ({
  name: `smb.fs_attr.${name}`,
  label,
  mask,
  t,
  f: fl,
});
export const FS_ATTRS: readonly BitSpec[] = [
  fsa(
    "css",
    "Case Sensitive Search",
    0x1,
    "This FS supports CASE SENSITIVE SEARCHes",
    "This FS does NOT support case sensitive searches",
  ),
  fsa(
    "cpn",
    "Case Preserving",
    0x2,
    "This FS supports CASE PRESERVED NAMES",
    "This FS does NOT support case preserved names",
  ),
  fsa(
    "uod",
    "Unicode On Disk",
    0x4,
    "This FS supports UNICODE NAMES",
    "This FS does NOT support unicode names",
  ),
  fsa(
    "pacls",
    "Persistent ACLs",
    0x8,
    "This FS supports PERSISTENT ACLs",
    "This FS does NOT support persistent acls",
  ),
  fsa(
    "fc",
    "Compression",
    0x10,
    "This FS supports COMPRESSED FILES",
    "This FS does NOT support compressed files",
  ),
  fsa(
    "vq",
    "Volume Quotas",
    0x20,
    "This FS supports VOLUME QUOTAS",
    "This FS does NOT support volume quotas",
  ),
  fsa("ssf", "Sparse Files", 0x40, "This FS supports SPARSE FILES", "This FS does NOT support sparse files"),
  fsa(
    "srp",
    "Reparse Points",
    0x80,
    "This FS supports REPARSE POINTS",
    "This FS does NOT support reparse points",
  ),
  fsa(
    "srs",
    "Remote Storage",
    0x100,
    "This FS supports REMOTE STORAGE",
    "This FS does NOT support remote storage",
  ),
  fsa("sla", "LFN APIs", 0x4000, "This FS supports LFN APIs", "This FS does NOT support lfn apis"),
  fsa(
    "vis",
    "Volume Is Compressed",
    0x8000,
    "This FS volume is COMPRESSED",
    "This FS volume is NOT compressed",
  ),
  fsa("soids", "Supports OIDs", 0x10000, "This FS supports OIDs", "This FS does NOT support OIDs"),
  fsa(
    "se",
    "Supports Encryption",
    0x20000,
    "This FS supports ENCRYPTION",
    "This FS does NOT support encryption",
  ),
  fsa(
    "ns",
    "Named Streams",
    0x40000,
    "This FS supports NAMED STREAMS",
    "This FS does NOT support named streams",
  ),
  fsa("rov", "Read Only Volume", 0x80000, "This is a READ ONLY volume", "This is a read/write volume"),
  fsa(
    "swo",
    "Sequential Write Once",
    0x100000,
    "This is a SEQUENTIAL WRITE ONCE volume",
    "This is NOT a sequential write once volume",
  ),
  fsa(
    "st",
    "Transactions",
    0x200000,
    "This filesystem supports TRANSACTIONS",
    "This filesystem does NOT support transactions",
  ),
  fsa(
    "shl",
    "Hard Links",
    0x400000,
    "This filesystem supports HARD LINKS",
    "This filesystem does NOT support hard links",
  ),
  fsa(
    "sis",
    "Integrity Streams",
    0x4000000,
    "This filesystem supports INTEGRITY STREAMS",
    "This filesystem does NOT support integrity streams",
  ),
  fsa(
    "sbr",
    "Block Refcounting",
    0x8000000,
    "This filesystem supports BLOCK REFCOUNTING",
    "This filesystem does NOT support block refcounting",
  ),
  fsa(
    "ssv",
    "Sparse VDL",
    0x10000000,
    "This filesystem supports SPARSE VDL",
    "This filesystem does NOT support sparse vdl",
  ),
];

/** FileFsDeviceInformation Characteristics (MS-FSCC 2.5.10). */
const dev = (name: string, label: string, mask: number, t: string, fl: string): BitSpec => ({
  name: `smb.device.${name}`,
  label,
  mask,
  t,
  f: fl,
});
export const DEVICE_CHARS: readonly BitSpec[] = [
  dev("removable", "Removable", 0x1, "This is a REMOVABLE device", "This is NOT a removable device"),
  dev("read_only", "Read Only", 0x2, "This is a READ-ONLY device", "This is NOT a read-only device"),
  dev("floppy", "Floppy", 0x4, "This is a FLOPPY DISK device", "This is NOT a floppy disk device"),
  dev("write_once", "Write Once", 0x8, "This is a WRITE-ONCE device", "This is NOT a write-once device"),
  dev("remote", "Remote", 0x10, "This is a REMOTE device", "This is NOT a remote device"),
  dev("mounted", "Mounted", 0x20, "This device is MOUNTED", "This device is NOT mounted"),
  dev("virtual", "Virtual", 0x40, "This is a VIRTUAL device", "This is NOT a virtual device"),
  dev(
    "secure_open",
    "Secure Open",
    0x100,
    "This device supports SECURE OPEN",
    "This device does NOT support secure open",
  ),
  dev(
    "ts",
    "Terminal Services",
    0x1000,
    "This is a TERMINAL SERVICES device",
    "This is NOT a terminal services device",
  ),
  dev("webdav", "Webdav", 0x2000, "This is a WEBDAV device", "This is NOT a webdav device"),
  dev("portable", "Portable", 0x4000, "This is a PORTABLE device", "This is NOT a portable device"),
  dev(
    "aat",
    "Allow Appcontainer Traversal",
    0x20000,
    "This device ALLOWS appcontainer traversal",
    "This device does NOT allow appcontainer traversal",
  ),
];

export const DEVICE_TYPES: Readonly<Record<number, string>> = {
  1: "Beep",
  2: "CDROM",
  3: "CDROM Filesystem",
  4: "Controller",
  5: "Datalink",
  6: "Dfs",
  7: "Disk",
  8: "Disk Filesystem",
  9: "Filesystem",
  10: "Inport Port",
  11: "Keyboard",
  12: "Mailslot",
  13: "MIDI-In",
  14: "MIDI-Out",
  15: "Mouse",
  16: "Multi UNC Provider",
  17: "Named Pipe",
  18: "Network",
  19: "Network Browser",
  20: "Network Filesystem",
  21: "NULL",
  22: "Parallel Port",
  23: "Physical card",
  24: "Printer",
  25: "Scanner",
  26: "Serial Mouse Port",
  27: "Serial Port",
  28: "Screen",
  29: "Sound",
  30: "Streams",
  31: "Tape",
  32: "Tape Filesystem",
  33: "Transport",
  34: "Unknown",
  35: "Video",
  36: "Virtual Disk",
  37: "WAVE-In",
  38: "WAVE-Out",
  39: "8042 Port",
  40: "Network Redirector",
  41: "Battery",
  42: "Bus Extender",
  43: "Modem",
  44: "VDM",
};

/** smb2.mode.* (FILE_MODE_INFORMATION, MS-FSCC 2.4.26): hex-valued bits. */
export const MODE_BITS: readonly BitSpec[] = [
  { name: "smb2.mode.file_write_through", label: "FILE_WRITE_THROUGH", mask: 0x2 },
  { name: "smb2.mode.file_sequential_only", label: "FILE_SEQUENTIAL_ONLY", mask: 0x4 },
  { name: "smb2.mode.file_no_intermediate_buffering", label: "FILE_NO_INTERMEDIATE_BUFFERING", mask: 0x8 },
  { name: "smb2.mode.file_synchronous_io_alert", label: "FILE_SYNCHRONOUS_IO_ALERT", mask: 0x10 },
  { name: "smb2.mode.file_synchronous_io_nonalert", label: "FILE_SYNCHRONOUS_IO_NONALERT", mask: 0x20 },
  { name: "smb2.mode.file_delete_on_close", label: "FILE_DELETE_ON_CLOSE", mask: 0x1000 },
];

export function modeInfo(f: Fields): number {
  return flags(f, "smb2.mode_info", "Mode Information", 4, MODE_BITS, { hexBits: true });
}

export const ALIGNMENT: Readonly<Record<number, string>> = {
  0: "FILE_BYTE_ALIGNMENT",
  1: "FILE_WORD_ALIGNMENT",
  3: "FILE_LONG_ALIGNMENT",
  7: "FILE_QUAD_ALIGNMENT",
  15: "FILE_OCTA_ALIGNMENT",
  31: "FILE_32_BYTE_ALIGNMENT",
  63: "FILE_64_BYTE_ALIGNMENT",
  127: "FILE_128_BYTE_ALIGNMENT",
  255: "FILE_256_BYTE_ALIGNMENT",
  511: "FILE_512_BYTE_ALIGNMENT",
};

/** A UTF-16 string of `len` bytes that may be truncated: reads what is there. */
export function utf16Avail(f: Fields, name: string, label: string, len: number): string {
  return f.utf16(name, label, Math.min(len, f.c.remaining));
}

/** 8-byte signed integer node (FT_INT64). */
export function i64(f: Fields, name: string, label: string): bigint {
  f.c.need(8);
  const at = f.c.pos;
  const v = f.c.buf.readBigInt64LE(at);
  f.c.skip(8);
  if (!f.light) f.add(node(name, `${label}: ${v}`, v.toString(), v.toString(), at, 8));
  return v;
}

/** A text node marking data we do not decode. */
export function undecoded(f: Fields, len: number): void {
  if (len <= 0) return;
  f.opaque("smb2.unknown", "Unknown", Math.min(len, f.c.remaining));
}

export { FieldFlag, Fields };
