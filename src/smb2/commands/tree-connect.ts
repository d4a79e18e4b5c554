/**
 * SMB2 TREE_CONNECT (MS-SMB2 2.2.9, 2.2.10): share path (summary ` Tree: \\server\share`), flags,
 * 3.1.1 tree connect contexts; response share type/flags/capabilities and maximal access. A successful
 * response records TreeId → share for later headers.
 */
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { hexN } from "../../dissect/format.js";
import { node } from "../../dissect/tree.js";
import { nameAt } from "../common.js";
import { type Smb2Command, type Smb2Msg, sum } from "../dissect.js";
import { bufferCode, hexChild, noteTreeConnect, SHARE_TYPES } from "../header.js";

const TC_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.tc.cluster_reconnect", label: "Cluster Reconnect", mask: 0x1, t: "Set", f: "Not set" },
  { name: "smb2.tc.redirect_to_owner", label: "Redirect To Owner", mask: 0x2, t: "Set", f: "Not set" },
  { name: "smb2.tc.extension_present", label: "Extension Present", mask: 0x4, t: "Set", f: "Not set" },
  { name: "smb2.tc.reserved", label: "Reserved", mask: 0xfff8, hex: true, short: "" },
];

const SHARE_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.share_flags.dfs", label: "DFS", mask: 0x1 },
  { name: "smb2.share_flags.dfs_root", label: "DFS root", mask: 0x2 },
  { name: "smb2.share_flags.restrict_exclusive_opens", label: "Restrict exclusive opens", mask: 0x100 },
  { name: "smb2.share_flags.force_shared_delete", label: "Force shared delete", mask: 0x200 },
  { name: "smb2.share_flags.allow_namespace_caching", label: "Allow namespace caching", mask: 0x400 },
  { name: "smb2.share_flags.access_based_dir_enum", label: "Access based directory enum", mask: 0x800 },
  { name: "smb2.share_flags.force_levelii_oplock", label: "Force level II oplock", mask: 0x1000 },
  { name: "smb2.share_flags.enable_hash_v1", label: "Enable hash V1", mask: 0x2000 },
  { name: "smb2.share_flags.enable_hash_v2", label: "Enable hash V2", mask: 0x4000 },
  { name: "smb2.share_flags.encrypt_data", label: "Encrypted data required", mask: 0x8000 },
  { name: "smb2.share_flags.identity_remoting", label: "Identity Remoting", mask: 0x40000 },
  { name: "smb2.share_flags.compress_data", label: "Compressed IO", mask: 0x100000 },
];

const CACHING: Readonly<Record<number, string>> = {
  0: "Manual caching",
  16: "Auto caching",
  32: "VDO caching",
  48: "No caching",
};

const SHARE_CAP_BITS: readonly BitSpec[] = [
  { name: "smb2.share_caps.dfs", label: "DFS", mask: 0x8 },
  { name: "smb2.share_caps.continuous_availability", label: "CONTINUOUS AVAILABILITY", mask: 0x10 },
  { name: "smb2.share_caps.scaleout", label: "SCALEOUT", mask: 0x20 },
  { name: "smb2.share_caps.cluster", label: "CLUSTER", mask: 0x40 },
  { name: "smb2.share_caps.assymetric", label: "ASSYMETRIC", mask: 0x80 },
  { name: "smb2.share_caps.redirect_to_owner", label: "REDIRECT_TO_OWNER", mask: 0x100 },
];

const b = (name: string, label: string, mask: number, t: string, f: string): BitSpec => ({
  name,
  label,
  mask,
  t,
  f,
});

/** SMB access mask bits (MS-SMB2 2.2.13.1) with Wireshark's `smb.access.*` texts. */
export const ACCESS_BITS: readonly BitSpec[] = [
  b("smb.access.read", "Read", 0x1, "READ access", "NO read access"),
  b("smb.access.write", "Write", 0x2, "WRITE access", "NO write access"),
  b("smb.access.append", "Append", 0x4, "APPEND access", "NO append access"),
  b(
    "smb.access.read_ea",
    "Read EA",
    0x8,
    "READ EXTENDED ATTRIBUTES access",
    "NO read extended attributes access",
  ),
  b(
    "smb.access.write_ea",
    "Write EA",
    0x10,
    "WRITE EXTENDED ATTRIBUTES access",
    "NO write extended attributes access",
  ),
  b("smb.access.execute", "Execute", 0x20, "EXECUTE access", "NO execute access"),
  b("smb.access.delete_child", "Delete Child", 0x40, "DELETE CHILD access", "NO delete child access"),
  b(
    "smb.access.read_attributes",
    "Read Attributes",
    0x80,
    "READ ATTRIBUTES access",
    "NO read attributes access",
  ),
  b(
    "smb.access.write_attributes",
    "Write Attributes",
    0x100,
    "WRITE ATTRIBUTES access",
    "NO write attributes access",
  ),
  b("smb.access.delete", "Delete", 0x10000, "DELETE access", "NO delete access"),
  b(
    "smb.access.read_control",
    "Read Control",
    0x20000,
    "READ ACCESS to owner, group and ACL of the SID",
    "Read access is NOT granted to owner, group and ACL of the SID",
  ),
  b(
    "smb.access.write_dac",
    "Write DAC",
    0x40000,
    "OWNER may WRITE the DAC",
    "Owner may NOT write to the DAC",
  ),
  b(
    "smb.access.write_owner",
    "Write Owner",
    0x80000,
    "Can WRITE OWNER (take ownership)",
    "Can NOT write owner (take ownership)",
  ),
  b(
    "smb.access.synchronize",
    "Synchronize",
    0x100000,
    "Can wait on handle to SYNCHRONIZE on completion of I/O",
    "Can NOT wait on handle to synchronize on completion of I/O",
  ),
  b(
    "smb.access.system_security",
    "System Security",
    0x1000000,
    "SYSTEM SECURITY is set",
    "System security is NOT set",
  ),
  b(
    "smb.access.maximum_allowed",
    "Maximum Allowed",
    0x2000000,
    "MAXIMUM ALLOWED is set",
    "Maximum allowed is NOT set",
  ),
  b("smb.access.generic_all", "Generic All", 0x10000000, "GENERIC ALL is set", "Generic all is NOT set"),
  b(
    "smb.access.generic_execute",
    "Generic Execute",
    0x20000000,
    "GENERIC EXECUTE is set",
    "Generic execute is NOT set",
  ),
  b(
    "smb.access.generic_write",
    "Generic Write",
    0x40000000,
    "GENERIC WRITE is set",
    "Generic write is NOT set",
  ),
  b("smb.access.generic_read", "Generic Read", 0x80000000, "GENERIC READ is set", "Generic read is NOT set"),
];

/** `smb.access_mask` ("Access Mask: 0x001f01ff", no set-bit summary). */
export function accessMask(f: Fields, label = "Access Mask"): number {
  const v = f.bitmask("smb.access_mask", label, 4, ACCESS_BITS);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1];
    if (n) n.label = `${label}: ${hexN(v, 8)}`;
  }
  return v;
}

/** An (offset, length) pair as Wireshark's "olb" children: offset shown as 32-bit hex. */
export function olbNodes(
  f: Fields,
  offAt: number,
  off: number,
  lenAt: number,
  len: number,
  offSize = 2,
  lenSize = 2,
): void {
  if (f.light) return;
  const os = hexN(off, 8);
  f.add(node("smb2.olb.offset", `Blob Offset: ${os}`, os, off, offAt, offSize));
  f.add(node("smb2.olb.length", `Blob Length: ${len}`, String(len), len, lenAt, lenSize));
}

const TC_CONTEXT_TYPES: Readonly<Record<number, string>> = {
  1: "SMB2_REMOTED_IDENTITY_TREE_CONNECT_CONTEXT_ID",
};

function request(f: Fields, m: Smb2Msg): void {
  bufferCode(f);
  const flags = f.bitmask("smb2.tc.flags", "Flags", 2, TC_FLAG_BITS);
  hexChild(f, "smb2.tc.reserved", 4);
  const offAt = f.c.pos;
  const off = f.c.u16();
  const lenAt = f.c.pos;
  const len = f.c.u16();
  let ctxOff = 0;
  let ctxCount = 0;
  if (flags & 0x4 && f.c.has(8)) {
    // TREE_CONNECT_Request_Extension (2.2.9.1): offset, count, 10 reserved bytes.
    ctxOff = f.c.u32();
    ctxCount = f.c.u16();
    if (f.c.has(10)) f.c.skip(10);
  }
  const name = nameAt(m, f, off, len);
  m.rec.path = name;
  sum(m, ` Tree: ${name}`);
  m.info.path = name;
  const at = m.h.at + off;
  if (len && f.c.has(len, at)) {
    f.within(at, len, () =>
      f.tree(
        "smb2.tree",
        `Tree: ${name}`,
        () => {
          f.c.skip(len);
          olbNodes(f, offAt, off, lenAt, len);
        },
        len,
        name,
        name,
      ),
    );
  } else {
    olbNodes(f, offAt, off, lenAt, len);
  }
  // The context offset counts from the start of the TREE_CONNECT request body (2.2.9.1).
  if (ctxCount && !f.light) treeConnectContexts(f, m.h.at + 64 + ctxOff, ctxCount);
}

function treeConnectContexts(f: Fields, at: number, count: number): void {
  let p = at;
  for (let i = 0; i < count && f.c.has(8, p); i++) {
    const type = f.c.buf.readUInt16LE(p);
    const len = f.c.buf.readUInt16LE(p + 2);
    const total = Math.min(8 + len, f.c.end - p);
    f.within(p, total, () =>
      f.tree("smbcmp.smb2.tc.context", `Tree Connect Context: ${TC_CONTEXT_TYPES[type] ?? "Unknown"}`, () => {
        f.uint("smbcmp.smb2.tc.context.type", "Type", 2, { base: "hex", vals: TC_CONTEXT_TYPES });
        f.uint("smbcmp.smb2.tc.context.data_length", "DataLength", 2);
        f.opaque("smb2.reserved", "Reserved", 4);
        if (len) f.bytes("smbcmp.smb2.tc.context.data", "Data", Math.min(len, f.c.remaining));
      }),
    );
    p += (8 + len + 7) & ~7;
  }
}

function response(f: Fields, m: Smb2Msg): void {
  bufferCode(f);
  const type = f.uint("smb2.share_type", "Share Type", 1, { base: "hex", vals: SHARE_TYPES });
  f.opaque("smb2.reserved", "Reserved", 1);
  const at = f.c.pos;
  const flags = f.bitmask("smb2.share_flags", "Share flags", 4, SHARE_FLAG_BITS);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1];
    if (n) {
      n.label = `Share flags: ${hexN(flags, 8)}`;
      const c = flags & 0x30;
      n.children?.push(
        node(
          "smb2.share.caching",
          `Caching policy: ${CACHING[c] ?? "Unknown"} (${c.toString(16).padStart(8, "0")})`,
          hexN(c, 8),
          c,
          at,
          4,
        ),
      );
    }
  }
  const caps = f.bitmask("smb2.share_caps", "Share Capabilities", 4, SHARE_CAP_BITS);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1];
    if (n) n.label = `Share Capabilities: ${hexN(caps, 8)}`;
  }
  accessMask(f);
  if (m.ctx.first && m.h.status === 0 && m.rec.path !== undefined) noteTreeConnect(m, m.rec.path, type);
}

export const treeConnect: Smb2Command = {
  // Wireshark marks the 3.1.1 extension in the body label.
  label: (f, m) =>
    !m.h.isResponse && f.c.has(4) && f.c.peekU16(f.c.pos + 2) & 0x4
      ? "Tree Connect Request (0x03), EXTENSION_PRESENT"
      : undefined,
  request,
  response,
};
