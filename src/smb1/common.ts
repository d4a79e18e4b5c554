/** Building blocks shared by SMB1 command dissectors: strings, FIDs, common bitmasks, AndX words. */
import { type AuthResult, authSummary, securityBlob } from "../auth/spnego.js";
import { ShortRead } from "../dissect/cursor.js";
import { type BitSpec, Fields, type UintOpts, valName } from "../dissect/fields.js";
import { formatAbsTime, formatFiletime, hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import type { Smb1Msg } from "./dissect.js";
import { CREATE_DISPOSITION, SMB1_CMD_NAMES } from "./names.js";
import type { Smb1CreateParams, Smb1File } from "./state.js";

/** Replaces the label of the node just added (no-op in light mode). */
export function relabel(f: Fields, label: string): void {
  if (f.light) return;
  const n = f.nodes[f.nodes.length - 1];
  if (n) n.label = label;
}

/** Last node added to the current subtree (undefined in light mode). */
export function lastNode(f: Fields): FieldNode | undefined {
  return f.light ? undefined : f.nodes[f.nodes.length - 1];
}

/** A bitmask whose parent label shows only the hex value (Wireshark's "no flags summary" style). */
export function plainBits(
  f: Fields,
  name: string,
  label: string,
  size: 1 | 2 | 4,
  bits: readonly BitSpec[],
): number {
  const v = f.bitmask(name, label, size, bits);
  relabel(f, `${label}: ${hexN(v, size * 2)}`);
  return v;
}

/**
 * A bitmask labelled like Wireshark's add_bitmask with value names: the hex value, then each
 * multi-bit field as `Name: value name` (even when 0) and each one-bit flag set by its name.
 */
export function namedBits(
  f: Fields,
  name: string,
  label: string,
  size: 1 | 2 | 4,
  bits: readonly BitSpec[],
): number {
  const v = f.bitmask(name, label, size, bits);
  if (f.light) return v;
  const parts: string[] = [];
  for (const b of bits) {
    const lo = b.mask & -b.mask;
    const fv = (v & b.mask) / lo;
    if (b.vals) parts.push(`${b.label}: ${valName(b.vals, fv) ?? "Unknown"}`);
    else if (fv) parts.push(b.label);
  }
  relabel(f, `${label}: ${hexN(v, size * 2)}${parts.length ? `, ${parts.join(", ")}` : ""}`);
  return v;
}

/** Bitmask node built from a known value (generated copies under a FID). */
export function bitsNode(
  f: Fields,
  name: string,
  label: string,
  v: number,
  size: number,
  bits: readonly BitSpec[],
  list = true,
): void {
  if (f.light) return;
  const n = Fields.bitmaskNode(name, label, v, size, -1, bits);
  if (!list) n.label = `${label}: ${hexN(v, size * 2)}`;
  n.flags = FieldFlag.Generated;
  f.add(n);
}

export function uintNode(
  f: Fields,
  name: string,
  label: string,
  v: number,
  size: number,
  o: UintOpts = {},
): void {
  if (f.light) return;
  f.add(
    node(
      name,
      Fields.uintLabel(label, v, size, o),
      Fields.uintShow(v, size, o.base),
      v,
      -1,
      0,
      FieldFlag.Generated,
    ),
  );
}

/** Byte-string display as Wireshark shows FT_BYTES (`show` colon hex). */
export function bytesField(f: Fields, name: string, label: string, len: number): Buffer {
  return f.bytes(name, label, len);
}

/**
 * An SMB string (MS-CIFS 2.2.1.1): Unicode strings are aligned to 2 bytes from the SMB header and
 * NUL-terminated; OEM strings NUL-terminated. Reads up to `max` bytes (default: to the cursor end).
 */
export function smbString(
  f: Fields,
  m: Smb1Msg,
  name: string,
  label: string,
  o: { unicode?: boolean; align?: boolean; len?: number; noNul?: boolean } = {},
): string {
  const uni = o.unicode ?? m.unicode;
  const c = f.c;
  if (uni && o.align !== false && (c.pos - m.h.at) % 2 === 1 && c.pos < c.end) c.pos++;
  const at = c.pos;
  let end = c.end;
  if (o.len !== undefined) end = Math.min(end, at + o.len);
  // A cursor already past the data (after a bad offset or length) reads nothing; it never steps
  // back, and the empty string is flagged.
  const past = end < at;
  if (past) end = at;
  let s: string;
  let len: number;
  if (uni) {
    let p = at;
    while (p + 1 < end && (c.buf[p] !== 0 || c.buf[p + 1] !== 0)) p += 2;
    s = c.buf.subarray(at, p).toString("utf16le");
    len = p - at + (p + 1 < end && o.len === undefined && !o.noNul ? 2 : 0);
    if (o.len !== undefined) len = end - at;
  } else {
    let p = at;
    while (p < end && c.buf[p] !== 0) p++;
    s = c.buf.subarray(at, p).toString("latin1");
    len = p - at + (p < end && o.len === undefined && !o.noNul ? 1 : 0);
    if (o.len !== undefined) len = end - at;
  }
  c.pos = at + len;
  if (!f.light) {
    const e = escShow(s);
    f.add(node(name, `${label}: ${escInfo(s)}`, e, e, at, len, past ? FieldFlag.Malformed : 0));
  }
  return s;
}

/** C escapes Wireshark's labels use for BEL through CR; other control characters are octal. */
const C_ESCAPES = "abtnvfr";

/** Control characters as Wireshark's labels show them (`\005`, `\t`). */
export function escInfo(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => {
    const v = c.charCodeAt(0);
    return v >= 7 && v <= 13 ? `\\${C_ESCAPES[v - 7]}` : `\\${v.toString(8).padStart(3, "0")}`;
  });
}

/** Control characters as Wireshark's field values show them (`\x5`); tab, LF and CR stay as they are. */
export function escShow(s: string): string {
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

/** Peeks an SMB string without consuming it or adding nodes. */
export function peekString(m: Smb1Msg, buf: Buffer, at: number, end: number, uni = m.unicode): string {
  if (uni && (at - m.h.at) % 2 === 1) at++;
  if (uni) {
    let p = at;
    while (p + 1 < end && (buf[p] !== 0 || buf[p + 1] !== 0)) p += 2;
    return buf.subarray(at, p).toString("utf16le");
  }
  let p = at;
  while (p < end && buf[p] !== 0) p++;
  return buf.subarray(at, p).toString("latin1");
}

/**
 * Runs `fn` with the cursor limited to `end` (e.g. the end of the byte block); unlike
 * `Fields.within`, the position reached is kept.
 */
export function bounded<T>(f: Fields, end: number, fn: () => T): T {
  const saved = f.c;
  f.c = saved.sub(saved.pos, Math.max(0, end - saved.pos));
  try {
    return fn();
  } finally {
    const p = f.c.pos;
    f.c = saved;
    saved.pos = p;
  }
}

/**
 * The security blob at the cursor (`len` bytes, clamped) as `smb.security_blob`, with the
 * GSS-API/SPNEGO/NTLMSSP subtree dissected by src/auth. Returns the Info-column suffix.
 */
export function securityBlobNode(f: Fields, len: number): string {
  const at = f.c.pos;
  const n = Math.max(0, Math.min(len, f.c.end - at));
  const raw = f.c.buf.subarray(at, at + n);
  const shown = Fields.bytesNode("smb.security_blob", "Security Blob", raw, at);
  let res: AuthResult = {};
  try {
    f.tree(
      "smb.security_blob",
      shown.label,
      () => {
        if (n)
          f.within(at, n, () => {
            res = securityBlob(f);
          });
      },
      n,
      shown.show,
      shown.value,
    );
  } catch (e) {
    // A broken token must not hide the rest of the SMB message.
    if (!(e instanceof ShortRead) && !(e instanceof RangeError)) throw e;
    f.malformed("security blob", at);
  }
  f.c.pos = at + n;
  return authSummary(res);
}

/** Word count, as its own node. */
export function wct(f: Fields): number {
  return f.uint("smb.wct", "Word Count (WCT)", 1);
}

/** Byte count; returns the end of the byte area (clamped to the cursor end). */
export function bcc(f: Fields): { n: number; end: number } {
  const n = f.uint("smb.bcc", "Byte Count (BCC)", 2);
  return { n, end: Math.min(f.c.end, f.c.pos + n) };
}

/** The AndX block (command, reserved, offset) at the start of an AndX command's words. */
export function andx(f: Fields): void {
  f.uint("smb.cmd", "AndXCommand", 1, {
    base: "hex",
    vals: (v) => cmdLabel(v),
  });
  f.opaque("smb.reserved", "Reserved", 1);
  f.uint("smb.andxoffset", "AndXOffset", 2);
}

function cmdLabel(v: number): string {
  return SMB1_CMD_NAMES[v] ?? "Unknown";
}

/** Raw reserved bytes labelled like Wireshark (`Reserved: 0000`). */
export function reserved(f: Fields, len: number): void {
  if (len <= 0) return;
  f.opaque("smb.reserved", "Reserved", len);
}

export const ACCESS_BITS: readonly BitSpec[] = [
  { name: "smb.access.read", label: "Read", mask: 0x1, t: "READ access", f: "NO read access" },
  { name: "smb.access.write", label: "Write", mask: 0x2, t: "WRITE access", f: "NO write access" },
  { name: "smb.access.append", label: "Append", mask: 0x4, t: "APPEND access", f: "NO append access" },
  {
    name: "smb.access.read_ea",
    label: "Read EA",
    mask: 0x8,
    t: "READ EXTENDED ATTRIBUTES access",
    f: "NO read extended attributes access",
  },
  {
    name: "smb.access.write_ea",
    label: "Write EA",
    mask: 0x10,
    t: "WRITE EXTENDED ATTRIBUTES access",
    f: "NO write extended attributes access",
  },
  { name: "smb.access.execute", label: "Execute", mask: 0x20, t: "EXECUTE access", f: "NO execute access" },
  {
    name: "smb.access.delete_child",
    label: "Delete Child",
    mask: 0x40,
    t: "DELETE CHILD access",
    f: "NO delete child access",
  },
  {
    name: "smb.access.read_attributes",
    label: "Read Attributes",
    mask: 0x80,
    t: "READ ATTRIBUTES access",
    f: "NO read attributes access",
  },
  {
    name: "smb.access.write_attributes",
    label: "Write Attributes",
    mask: 0x100,
    t: "WRITE ATTRIBUTES access",
    f: "NO write attributes access",
  },
  { name: "smb.access.delete", label: "Delete", mask: 0x10000, t: "DELETE access", f: "NO delete access" },
  {
    name: "smb.access.read_control",
    label: "Read Control",
    mask: 0x20000,
    t: "READ ACCESS to owner, group and ACL of the SID",
    f: "Read access is NOT granted to owner, group and ACL of the SID",
  },
  {
    name: "smb.access.write_dac",
    label: "Write DAC",
    mask: 0x40000,
    t: "OWNER may WRITE the DAC",
    f: "Owner may NOT write to the DAC",
  },
  {
    name: "smb.access.write_owner",
    label: "Write Owner",
    mask: 0x80000,
    t: "Can WRITE OWNER (take ownership)",
    f: "Can NOT write owner (take ownership)",
  },
  {
    name: "smb.access.synchronize",
    label: "Synchronize",
    mask: 0x100000,
    t: "Can wait on handle to SYNCHRONIZE on completion of I/O",
    f: "Can NOT wait on handle to synchronize on completion of I/O",
  },
  {
    name: "smb.access.system_security",
    label: "System Security",
    mask: 0x1000000,
    t: "System security is set",
    f: "System security is NOT set",
  },
  {
    name: "smb.access.maximum_allowed",
    label: "Maximum Allowed",
    mask: 0x2000000,
    t: "Maximum allowed is set",
    f: "Maximum allowed is NOT set",
  },
  {
    name: "smb.access.generic_all",
    label: "Generic All",
    mask: 0x10000000,
    t: "GENERIC ALL is set",
    f: "Generic all is NOT set",
  },
  {
    name: "smb.access.generic_execute",
    label: "Generic Execute",
    mask: 0x20000000,
    t: "GENERIC EXECUTE is set",
    f: "Generic execute is NOT set",
  },
  {
    name: "smb.access.generic_write",
    label: "Generic Write",
    mask: 0x40000000,
    t: "GENERIC WRITE is set",
    f: "Generic write is NOT set",
  },
  {
    name: "smb.access.generic_read",
    label: "Generic Read",
    mask: 0x80000000,
    t: "GENERIC READ is set",
    f: "Generic read is NOT set",
  },
];

export const FILE_ATTR_BITS: readonly BitSpec[] = [
  { name: "smb.file_attribute.read_only", label: "Read Only", mask: 0x1, t: "READ ONLY", f: "NOT read only" },
  { name: "smb.file_attribute.hidden", label: "Hidden", mask: 0x2, t: "HIDDEN", f: "NOT hidden" },
  {
    name: "smb.file_attribute.system",
    label: "System",
    mask: 0x4,
    t: "SYSTEM file/dir",
    f: "NOT a system file/dir",
  },
  { name: "smb.file_attribute.volume", label: "Volume ID", mask: 0x8, t: "VOLUME ID", f: "NOT a volume ID" },
  {
    name: "smb.file_attribute.directory",
    label: "Directory",
    mask: 0x10,
    t: "DIRECTORY",
    f: "NOT a directory",
  },
  {
    name: "smb.file_attribute.archive",
    label: "Archive",
    mask: 0x20,
    t: "Modified since last ARCHIVE",
    f: "Has NOT been modified since last archive",
  },
  { name: "smb.file_attribute.device", label: "Device", mask: 0x40, t: "A DEVICE", f: "NOT a device" },
  {
    name: "smb.file_attribute.normal",
    label: "Normal",
    mask: 0x80,
    t: "An ordinary file/dir",
    f: "Has some attribute set",
  },
  {
    name: "smb.file_attribute.temporary",
    label: "Temporary",
    mask: 0x100,
    t: "A TEMPORARY file",
    f: "NOT a temporary file",
  },
  {
    name: "smb.file_attribute.sparse",
    label: "Sparse",
    mask: 0x200,
    t: "A SPARSE file",
    f: "NOT a sparse file",
  },
  {
    name: "smb.file_attribute.reparse",
    label: "Reparse Point",
    mask: 0x400,
    t: "Has an associated REPARSE POINT",
    f: "Does NOT have an associated reparse point",
  },
  {
    name: "smb.file_attribute.compressed",
    label: "Compressed",
    mask: 0x800,
    t: "COMPRESSED",
    f: "Uncompressed",
  },
  { name: "smb.file_attribute.offline", label: "Offline", mask: 0x1000, t: "OFFLINE", f: "Online" },
  {
    name: "smb.file_attribute.not_content_indexed",
    label: "Content Indexed",
    mask: 0x2000,
    t: "CONTENT INDEXED",
    f: "NOT content indexed",
  },
  {
    name: "smb.file_attribute.encrypted",
    label: "Encrypted",
    mask: 0x4000,
    t: "This is an ENCRYPTED file",
    f: "This is NOT an encrypted file",
  },
];

/** 16-bit DOS attributes (SMB_FILE_ATTRIBUTES), same bit names as the 32-bit ones. */
export const FILE_ATTR16_BITS: readonly BitSpec[] = FILE_ATTR_BITS.slice(0, 6);

/** The 16-bit DOS attributes of Open AndX and Query Information, listed archive first as Wireshark does. */
const FILE_ATTR16_DESC: readonly BitSpec[] = [...FILE_ATTR16_BITS].reverse();

export const SHARE_BITS: readonly BitSpec[] = [
  {
    name: "smb.share.access.read",
    label: "Read",
    mask: 0x1,
    t: "Object can be shared for READ",
    f: "Object can NOT be shared for read",
  },
  {
    name: "smb.share.access.write",
    label: "Write",
    mask: 0x2,
    t: "Object can be shared for WRITE",
    f: "Object can NOT be shared for write",
  },
  {
    name: "smb.share.access.delete",
    label: "Delete",
    mask: 0x4,
    t: "Object can be shared for DELETE",
    f: "Object can NOT be shared for delete",
  },
];

export const CREATE_FLAGS_BITS: readonly BitSpec[] = [
  {
    name: "smb.nt.create.oplock",
    label: "Exclusive Oplock",
    mask: 0x2,
    t: "Requesting OPLOCK",
    f: "Does NOT request oplock",
  },
  {
    name: "smb.nt.create.batch_oplock",
    label: "Batch Oplock",
    mask: 0x4,
    t: "Requesting BATCH OPLOCK",
    f: "Does NOT request batch oplock",
  },
  {
    name: "smb.nt.create.dir",
    label: "Create Directory",
    mask: 0x8,
    t: "Target of open must be a directory",
    f: "Target of open can be a file",
  },
  {
    name: "smb.nt.create.ext",
    label: "Extended Response",
    mask: 0x10,
    t: "Extended responses required",
    f: "Extended responses NOT required",
  },
];

export const CREATE_OPTIONS_BITS: readonly BitSpec[] = [
  {
    name: "smb.nt.create_options.directory",
    label: "Directory",
    mask: 0x1,
    t: "File being created/opened must be a directory",
    f: "File being created/opened must not be a directory",
  },
  {
    name: "smb.nt.create_options.write_through",
    label: "Write Through",
    mask: 0x2,
    t: "Writes must flush buffered data before completing",
    f: "Writes need not flush buffered data before completing",
  },
  {
    name: "smb.nt.create_options.sequential_only",
    label: "Sequential Only",
    mask: 0x4,
    t: "The file will only be accessed sequentially",
    f: "The file might not only be accessed sequentially",
  },
  {
    name: "smb.nt.create_options.intermediate_buffering",
    label: "Intermediate Buffering",
    mask: 0x8,
    t: "NO intermediate buffering is allowed",
    f: "Intermediate buffering is allowed",
  },
  {
    name: "smb.nt.create_options.sync_io_alert",
    label: "Sync I/O Alert",
    mask: 0x10,
    t: "All operations are SYNCHRONOUS",
    f: "Operations NOT necessarily synchronous",
  },
  {
    name: "smb.nt.create_options.sync_io_nonalert",
    label: "Sync I/O Nonalert",
    mask: 0x20,
    t: "All operations are SYNCHRONOUS",
    f: "Operations NOT necessarily synchronous",
  },
  {
    name: "smb.nt.create_options.non_directory",
    label: "Non-Directory",
    mask: 0x40,
    t: "File being created/opened must not be a directory",
    f: "File being created/opened must be a directory",
  },
  {
    name: "smb.nt.create_options.create_tree_connection",
    label: "Create Tree Connection",
    mask: 0x80,
    t: "Create Tree Connections is SET",
    f: "Create Tree Connections is NOT set",
  },
  {
    name: "smb.nt.create_options.complete_if_oplocked",
    label: "Complete If Oplocked",
    mask: 0x100,
    t: "Complete if oplocked is SET",
    f: "Complete if oplocked is NOT set",
  },
  {
    name: "smb.nt.create_options.no_ea_knowledge",
    label: "No EA Knowledge",
    mask: 0x200,
    t: "The client does not understand extended attributes",
    f: "The client understands extended attributes",
  },
  {
    name: "smb.nt.create_options.eight_dot_three_only",
    label: "8.3 Only",
    mask: 0x400,
    t: "The client does not understand long file names",
    f: "The client understands long file names",
  },
  {
    name: "smb.nt.create_options.random_access",
    label: "Random Access",
    mask: 0x800,
    t: "The file will be accessed randomly",
    f: "The file will not be accessed randomly",
  },
  {
    name: "smb.nt.create_options.delete_on_close",
    label: "Delete On Close",
    mask: 0x1000,
    t: "The file should be deleted when it is closed",
    f: "The file should not be deleted when it is closed",
  },
  {
    name: "smb.nt.create_options.open_by_fileid",
    label: "Open By FileID",
    mask: 0x2000,
    t: "OpenByFileID is SET",
    f: "OpenByFileID is NOT set",
  },
  {
    name: "smb.nt.create_options.backup_intent",
    label: "Backup Intent",
    mask: 0x4000,
    t: "This is a create for a backup application",
    f: "This is a normal create",
  },
  {
    name: "smb.nt.create_options.no_compression",
    label: "No Compression",
    mask: 0x8000,
    t: "Compression is NOT allowed for Open/Create",
    f: "Compression is allowed for Open/Create",
  },
  {
    name: "smb.nt.create_options.reserve_opfilter",
    label: "Reserve Opfilter",
    mask: 0x100000,
    t: "Reserve Opfilter is SET",
    f: "Reserve Opfilter is NOT set",
  },
  {
    name: "smb.nt.create_options.open_reparse_point",
    label: "Open Reparse Point",
    mask: 0x200000,
    t: "Open a Reparse Point",
    f: "Normal open",
  },
  {
    name: "smb.nt.create_options.open_no_recall",
    label: "Open No Recall",
    mask: 0x400000,
    t: "Open No Recall is SET",
    f: "Open no recall is NOT set",
  },
  {
    name: "smb.nt.create_options.open_for_free_space_query",
    label: "Open For Free Space query",
    mask: 0x800000,
    t: "This is an open for free space query",
    f: "This is NOT an open for free space query",
  },
];

export function accessMask(f: Fields): number {
  return plainBits(f, "smb.access_mask", "Access Mask", 4, ACCESS_BITS);
}

/** File attributes: 32-bit NT ones show only the hex value, 16-bit DOS ones also the names set. */
export function fileAttributes(f: Fields, size: 2 | 4 = 4): number {
  if (size === 2) return f.bitmask("smb.file_attribute", "File Attributes", 2, FILE_ATTR16_DESC);
  return plainBits(f, "smb.file_attribute", "File Attributes", size, FILE_ATTR_BITS);
}

export function shareAccess(f: Fields): number {
  return f.bitmask("smb.share_access", "Share Access", 4, SHARE_BITS);
}

export function createOptions(f: Fields): number {
  return plainBits(f, "smb.create_options", "Create Options", 4, CREATE_OPTIONS_BITS);
}

export function createFlags(f: Fields): number {
  return plainBits(f, "smb.create_flags", "Create Flags", 4, CREATE_FLAGS_BITS);
}

export function fidHex(fid: number): string {
  return fid.toString(16).padStart(4, "0");
}

/** The create parameters Wireshark shows under a FID (generated copies). */
function createParamNodes(f: Fields, p: Smb1CreateParams): void {
  bitsNode(f, "smb.create_flags", "Create Flags", p.flags, 4, CREATE_FLAGS_BITS, false);
  bitsNode(f, "smb.access_mask", "Access Mask", p.access, 4, ACCESS_BITS, false);
  bitsNode(f, "smb.file_attribute", "File Attributes", p.attrs, 4, FILE_ATTR_BITS, false);
  bitsNode(f, "smb.share_access", "Share Access", p.share, 4, SHARE_BITS);
  bitsNode(f, "smb.create_options", "Create Options", p.options, 4, CREATE_OPTIONS_BITS, false);
  uintNode(f, "smb.create.disposition", "Disposition", p.disposition, 4, { vals: CREATE_DISPOSITION });
}

/** The open of `fid` that message `m` refers to: on its connection and tree, current at its frame. */
export function fileOf(m: Smb1Msg, fid: number): Smb1File | undefined {
  return m.ctx.state.file(m.ctx.conn, fid, m.ctx.frame, m.h.tid);
}

/**
 * A FID as Wireshark shows it: `FID: 0x4001 (name)` with the frames it was opened and closed in,
 * the name, and (for files) the create parameters. `generated`: not read from the wire (responses
 * that repeat the request's FID). Records the FID and name on the message.
 */
export function fidNode(f: Fields, m: Smb1Msg, o: { generated?: number; full?: boolean } = {}): number {
  let fid: number;
  let at = f.c.pos;
  if (o.generated !== undefined) {
    fid = o.generated;
    at = -1;
  } else {
    f.c.need(2);
    fid = f.c.u16();
  }
  const rec = fileOf(m, fid);
  // Responses repeat the request's FID only when Wireshark tracks it.
  if (o.generated !== undefined && !rec && !o.full) return fid;
  m.info.fileId = fidHex(fid);
  if (rec && m.info.path === undefined) m.info.path = rec.name;
  m.rec.fid ??= fid;
  if (f.light) return fid;
  const show = hexN(fid, 4);
  const n = node(
    "smb.fid",
    `FID: ${show}${rec && !rec.bare ? ` (${escShow(rec.name)})` : ""}`,
    show,
    fid,
    at,
    at < 0 ? 0 : 2,
  );
  if (at < 0) n.flags = FieldFlag.Generated;
  n.children = [];
  f.add(n);
  const saved = f.nodes;
  f.nodes = n.children;
  try {
    if (rec) {
      n.children.push(gen("smb.fid.opened_in", "Opened in", rec.openFrame));
      if (rec.closeFrame !== undefined)
        n.children.push(gen("smb.fid.closed_in", "Closed in", rec.closeFrame));
      if (!rec.bare)
        n.children.push(
          node(
            "smb.file",
            `File Name: ${escInfo(rec.name)}`,
            escShow(rec.name),
            escShow(rec.name),
            -1,
            0,
            FieldFlag.Generated,
          ),
        );
      if (rec.create && !rec.bare) createParamNodes(f, rec.create);
    }
  } finally {
    f.nodes = saved;
  }
  return fid;
}

export function gen(name: string, label: string, v: number): FieldNode {
  return node(name, `${label}: ${v}`, String(v), v, -1, 0, FieldFlag.Generated);
}

/** FILETIME field with Wireshark's SMB label (`No time specified (0)`). */
export function ntTime(f: Fields, name: string, label: string): bigint {
  return f.filetime(name, label);
}

/** UTIME (seconds since 1970, 32-bit) as Wireshark shows `smb.last_write.time` in Close. */
export function utime(f: Fields, name: string, label: string): number {
  const at = f.c.pos;
  f.c.need(4);
  const v = f.c.u32();
  if (f.light) return v;
  const show = formatAbsTime(BigInt(v), 0);
  const text = v === 0xffffffff ? "No time specified (0xffffffff)" : show;
  f.add(node(name, `${label}: ${text}`, show, show, at, 4));
  return v;
}

/**
 * SMB_DATE + SMB_TIME pair (date first unless `timeFirst`) as one node with two children, named
 * `kids` (default `<name>.smb_time` / `<name>.smb_date`).
 */
export function dosDateTime(
  f: Fields,
  name: string,
  label: string,
  timeFirst = false,
  kids: { time: string; date: string } = { time: `${name}.smb_time`, date: `${name}.smb_date` },
): void {
  const at = f.c.pos;
  f.c.need(4);
  const a = f.c.u16();
  const b = f.c.u16();
  const [date, time] = timeFirst ? [b, a] : [a, b];
  if (f.light) return;
  const p = dosParts(date, time);
  const show = date === 0 && time === 0 ? "No time specified" : formatAbsTime(p.secs, 0);
  const n = node(name, `${label}: ${show}`, show, show, at, 4);
  const tnode = node(kids.time, p.timeLabel, hexN(time, 4), time, timeFirst ? at : at + 2, 2);
  const dnode = node(kids.date, p.dateLabel, hexN(date, 4), date, timeFirst ? at + 2 : at, 2);
  n.children = timeFirst ? [tnode, dnode] : [dnode, tnode];
  f.add(n);
}

/**
 * An SMB_DATE and SMB_TIME (MS-CIFS 2.2.1.4.1-2): the UTC seconds they name, whether they are a
 * real date and time, and the `DOS Date: 2027-02-27 (0x5e5b)` / `DOS Time: 11:59:24 (0x5f6c)` labels.
 */
export function dosParts(
  date: number,
  time: number,
): { secs: bigint; valid: boolean; dateLabel: string; timeLabel: string } {
  const y = (date >> 9) + 1980;
  const mo = (date >> 5) & 0xf;
  const d = date & 0x1f;
  const h = time >> 11;
  const mi = (time >> 5) & 0x3f;
  const s = (time & 0x1f) * 2;
  const p2 = (x: number) => String(x).padStart(2, "0");
  return {
    secs: BigInt(Math.floor(Date.UTC(y, mo - 1, d, h, mi, s) / 1000)),
    valid: mo >= 1 && mo <= 12 && d >= 1 && h < 24 && mi < 60 && s < 60,
    dateLabel: `DOS Date: ${y}-${p2(mo)}-${p2(d)} (${hexN(date, 4)})`,
    timeLabel: `DOS Time: ${p2(h)}:${p2(mi)}:${p2(s)} (${hexN(time, 4)})`,
  };
}

export { formatFiletime };
