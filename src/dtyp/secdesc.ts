/**
 * MS-DTYP 2.4.6 SECURITY_DESCRIPTOR (self-relative), 2.4.5 ACL, 2.4.4 ACEs, 2.4.3 ACCESS_MASK,
 * displayed the way Wireshark's `nt.*` fields show them.
 */
import { ShortRead } from "../dissect/cursor.js";
import { type BitSpec, Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { FieldFlag, type FieldNode, node } from "../dissect/tree.js";
import { sid, sidDisplay } from "./sid.js";

/** Wireshark truncates item labels to 239 characters. */
function clip(s: string): string {
  return s.length > 239 ? s.slice(0, 239) : s;
}

const SD_TYPE_BITS: readonly BitSpec[] = [
  {
    name: "nt.sec_desc.type.self_relative",
    label: "Self Relative",
    mask: 0x8000,
    t: "This SecDesc is SELF RELATIVE",
    f: "This SecDesc is NOT self relative",
  },
  {
    name: "nt.sec_desc.type.rm_control_valid",
    label: "RM Control Valid",
    mask: 0x4000,
    t: "Rm control valid is TRUE",
    f: "Rm control valid is FALSE",
  },
  {
    name: "nt.sec_desc.type.sacl_protected",
    label: "SACL Protected",
    mask: 0x2000,
    t: "The SACL is PROTECTED",
    f: "The SACL is NOT protected",
  },
  {
    name: "nt.sec_desc.type.dacl_protected",
    label: "DACL Protected",
    mask: 0x1000,
    t: "The DACL is PROTECTED",
    f: "The DACL is NOT protected",
  },
  {
    name: "nt.sec_desc.type.sacl_auto_inherited",
    label: "SACL Auto Inherited",
    mask: 0x800,
    t: "SACL is AUTO INHERITED",
    f: "SACL is NOT auto inherited",
  },
  {
    name: "nt.sec_desc.type.dacl_auto_inherited",
    label: "DACL Auto Inherited",
    mask: 0x400,
    t: "DACL is AUTO INHERITED",
    f: "DACL is NOT auto inherited",
  },
  {
    name: "nt.sec_desc.type.sacl_auto_inherit_req",
    label: "SACL Auto Inherit Required",
    mask: 0x200,
    t: "SACL has AUTO INHERIT REQUIRED",
    f: "SACL does NOT require auto inherit",
  },
  {
    name: "nt.sec_desc.type.dacl_auto_inherit_req",
    label: "DACL Auto Inherit Required",
    mask: 0x100,
    t: "DACL has AUTO INHERIT REQUIRED",
    f: "DACL does NOT require auto inherit",
  },
  {
    name: "nt.sec_desc.type.server_security",
    label: "Server Security",
    mask: 0x80,
    t: "SERVER SECURITY is TRUE",
    f: "Server security is FALSE",
  },
  {
    name: "nt.sec_desc.type.dacl_trusted",
    label: "DACL Trusted",
    mask: 0x40,
    t: "DACL TRUSTED is TRUE",
    f: "Dacl trusted is FALSE",
  },
  {
    name: "nt.sec_desc.type.sacl_defaulted",
    label: "SACL Defaulted",
    mask: 0x20,
    t: "SACL is DEFAULTED",
    f: "SACL is NOT defaulted",
  },
  {
    name: "nt.sec_desc.type.sacl_present",
    label: "SACL Present",
    mask: 0x10,
    t: "SACL is PRESENT",
    f: "SACL is NOT present",
  },
  {
    name: "nt.sec_desc.type.dacl_defaulted",
    label: "DACL Defaulted",
    mask: 0x8,
    t: "DACL is DEFAULTED",
    f: "DACL is NOT defaulted",
  },
  {
    name: "nt.sec_desc.type.dacl_present",
    label: "DACL Present",
    mask: 0x4,
    t: "DACL is PRESENT",
    f: "DACL is NOT present",
  },
  {
    name: "nt.sec_desc.type.group_defaulted",
    label: "Group Defaulted",
    mask: 0x2,
    t: "GROUP is DEFAULTED",
    f: "Group is NOT defaulted",
  },
  {
    name: "nt.sec_desc.type.owner_defaulted",
    label: "Owner Defaulted",
    mask: 0x1,
    t: "OWNER is DEFAULTED",
    f: "Owner is NOT defaulted",
  },
];

/** ACE flag bits; `short` is the second name list Wireshark appends to the flags summary. */
const ACE_FLAG_BITS: readonly BitSpec[] = [
  {
    name: "nt.ace.flags.failed_access",
    label: "Audit Failed Accesses",
    mask: 0x80,
    t: "Failed accesses will be audited",
    f: "Failed accesses will not be audited",
    short: "Failed Access",
  },
  {
    name: "nt.ace.flags.successful_access",
    label: "Audit Successful Accesses",
    mask: 0x40,
    t: "Successful accesses will be audited",
    f: "Successful accesses will not be audited",
    short: "Successful Access",
  },
  {
    name: "nt.ace.flags.inherited_ace",
    label: "Inherited ACE",
    mask: 0x10,
    t: "This ACE was inherited from its parent object",
    f: "This ACE was not inherited from its parent object",
    short: "Inherited ACE",
  },
  {
    name: "nt.ace.flags.inherit_only",
    label: "Inherit Only",
    mask: 0x8,
    t: "This ACE does not apply to the current object",
    f: "This ACE applies to the current object",
    short: "Inherit Only",
  },
  {
    name: "nt.ace.flags.non_propagate_inherit",
    label: "Non-Propagate Inherit",
    mask: 0x4,
    t: "Subordinate object will not propagate the inherited ACE further",
    f: "Subordinate object will propagate the inherited ACE further",
    short: "No Propagate Inherit",
  },
  {
    name: "nt.ace.flags.container_inherit",
    label: "Container Inherit",
    mask: 0x2,
    t: "Subordinate containers will inherit this ACE",
    f: "Subordinate containers will not inherit this ACE",
    short: "Container Inherit",
  },
  {
    name: "nt.ace.flags.object_inherit",
    label: "Object Inherit",
    mask: 0x1,
    t: "Subordinate files will inherit this ACE",
    f: "Subordinate files will not inherit this ACE",
    short: "Object Inherit",
  },
];

const ACE_OBJECT_FLAG_BITS: readonly BitSpec[] = [
  {
    name: "nt.ace.object.flags.object_type_present",
    label: "Object Type Present",
    mask: 0x1,
    t: "Set",
    f: "Not set",
  },
  {
    name: "nt.ace.object.flags.inherited_object_type_present",
    label: "Inherited Object Type Present",
    mask: 0x2,
    t: "Set",
    f: "Not set",
  },
];

const SET: Pick<BitSpec, "t" | "f"> = { t: "Set", f: "Not set" };
const GENERIC_BITS: readonly BitSpec[] = [
  { name: "nt.access_mask.generic_read", label: "Generic read", mask: 0x80000000, ...SET },
  { name: "nt.access_mask.generic_write", label: "Generic write", mask: 0x40000000, ...SET },
  { name: "nt.access_mask.generic_execute", label: "Generic execute", mask: 0x20000000, ...SET },
  { name: "nt.access_mask.generic_all", label: "Generic all", mask: 0x10000000, ...SET },
  { name: "nt.access_mask.maximum_allowed", label: "Maximum allowed", mask: 0x2000000, ...SET },
  { name: "nt.access_mask.access_sacl", label: "Access SACL", mask: 0x800000, ...SET },
];
const STANDARD_BITS: readonly BitSpec[] = [
  { name: "nt.access_mask.synchronise", label: "Synchronise", mask: 0x100000, ...SET },
  { name: "nt.access_mask.write_owner", label: "Write owner", mask: 0x80000, ...SET },
  { name: "nt.access_mask.write_dac", label: "Write DAC", mask: 0x40000, ...SET },
  { name: "nt.access_mask.read_control", label: "Read control", mask: 0x20000, ...SET },
  { name: "nt.access_mask.delete", label: "Delete", mask: 0x10000, ...SET },
];
const SPECIFIC_BITS: readonly BitSpec[] = Array.from({ length: 16 }, (_, i) => ({
  name: `nt.access_mask.specific_${15 - i}`,
  label: `Specific access, bit ${15 - i}`,
  mask: 1 << (15 - i),
  ...SET,
}));

export const ACE_TYPES: Readonly<Record<number, string>> = {
  0: "Access Allowed",
  1: "Access Denied",
  2: "System Audit",
  3: "System Alarm",
  4: "Allowed Compound",
  5: "Allowed Object",
  6: "Denied Object",
  7: "Audit Object",
  8: "Alarm Object",
  9: "Allowed Callback",
  10: "Denied Callback",
  11: "Allowed Callback Object",
  12: "Denied Callback Object",
  13: "Audit Callback",
  14: "Alarm Callback",
  15: "Audit Callback Object",
  16: "Alarm Callback Object",
  17: "Mandatory label",
  18: "Resource Attribute",
  19: "Scoped Policy ID",
};

const OBJECT_ACES = new Set([5, 6, 7, 8, 11, 12, 15, 16]);

/**
 * A bitmask whose summary is Wireshark's "0x05, Long A, Long B Short A, Short B" form (the
 * `nt.ace.flags` style: set bits by label, then again by their short names).
 */
function altBitmask(
  f: Fields,
  name: string,
  label: string,
  size: 1 | 2 | 4,
  bits: readonly BitSpec[],
): number {
  const at = f.c.pos;
  const v = f.uintRaw(size);
  if (f.light) return v;
  const n = Fields.bitmaskNode(
    name,
    label,
    v,
    size,
    at,
    bits.map((b) => ({ ...b, short: undefined })),
  );
  const set = bits.filter((b) => (v & b.mask) !== 0);
  const show = hexN(v, size * 2);
  n.label = clip(
    set.length
      ? `${label}: ${show}, ${set.map((b) => b.label).join(", ")} ${set.map((b) => b.short ?? b.label).join(", ")}`
      : `${label}: ${show}`,
  );
  f.add(n);
  return v;
}

/** Text node (PDML `name=""`) holding bit fields of a value at `at`. */
function bitGroup(
  name: string,
  label: string,
  v: number,
  at: number,
  size: number,
  bits: readonly BitSpec[],
): FieldNode {
  const n = node(name, label, "", "", at, size, FieldFlag.Text);
  n.children = Fields.bitmaskNode("", "", v, size, at, bits).children;
  return n;
}

/** The generic `nt.access_mask` ("Access required") with generic/standard/specific groups. */
export function ntAccessMask(f: Fields): number {
  const at = f.c.pos;
  const v = f.uintRaw(4);
  if (f.light) return v;
  const show = hexN(v, 8);
  const n = node("nt.access_mask", `Access required: ${show}`, show, v, at, 4);
  n.children = [
    bitGroup(
      "smbcmp.nt.access_mask.generic",
      `Generic rights: ${hexN((v & 0xf0000000) >>> 0, 8)}`,
      v,
      at,
      4,
      GENERIC_BITS,
    ),
    bitGroup(
      "smbcmp.nt.access_mask.standard",
      `Standard rights: ${hexN(v & 0x00ff0000, 8)}`,
      v,
      at,
      4,
      STANDARD_BITS,
    ),
    bitGroup(
      "smbcmp.nt.access_mask.specific",
      `Specific rights: ${hexN(v & 0xffff, 8)}`,
      v,
      at,
      4,
      SPECIFIC_BITS,
    ),
  ];
  f.add(n);
  return v;
}

/** One ACE at the cursor (MS-DTYP 2.4.4); the cursor ends after AceSize bytes. */
export function ace(f: Fields): void {
  const c = f.c;
  const at = c.pos;
  const size = c.peekU16(at + 2);
  f.tree(
    "smbcmp.nt.ace",
    "NT ACE: ",
    (n) => {
      n.flags = FieldFlag.Text;
      const type = f.uint("nt.ace.type", "Type", 1, { vals: ACE_TYPES });
      const flags = altBitmask(f, "nt.ace.flags", "NT ACE Flags", 1, ACE_FLAG_BITS);
      f.uint("nt.ace.size", "Size", 2);
      if (size < 4 || !c.has(size - 4, at + 4)) {
        f.text("nt.ace_extends_beyond_data", "ACE Extends beyond end of data");
        f.malformed("ACE extends beyond end of data");
        c.pos = c.end;
        return;
      }
      // Like Wireshark, fields are read even when they run past AceSize (bounded by the ACL);
      // the next ACE still starts AceSize bytes on.
      const mask = ntAccessMask(f);
      if (OBJECT_ACES.has(type)) {
        f.tree("smbcmp.nt.ace.object", "ACE Object", (o) => {
          o.flags = FieldFlag.Text;
          const of = altBitmask(f, "nt.ace.object.flags", "ACE Object Flags", 4, ACE_OBJECT_FLAG_BITS);
          if (of & 1) f.guid("nt.ace.object.guid", "GUID");
          if (of & 2) f.guid("nt.ace.object.inherited_guid", "Inherited GUID");
        });
      }
      const s = sid(f, "SID");
      n.label = `NT ACE: ${sidDisplay(s)}, flags ${hexN(flags, 2)}, ${ACE_TYPES[type] ?? "Unknown"}, mask ${hexN(mask, 8)}`;
      c.pos = at + size;
    },
    size,
  );
}

/** An ACL (MS-DTYP 2.4.5) at the cursor; `label` is e.g. `NT User (DACL) ACL`. */
export function acl(f: Fields, label: string): void {
  const c = f.c;
  const at = c.pos;
  const size = c.peekU16(at + 2);
  f.tree(
    "smbcmp.nt.acl",
    label,
    (n) => {
      n.flags = FieldFlag.Text;
      f.uint("nt.acl.revision", "Revision", 2, { vals: { 2: "NT4", 4: "AD" } });
      f.uint("nt.acl.size", "Size", 2);
      const count = f.uint("nt.acl.num_aces", "Num ACEs", 4);
      // ACE fields may run past the ACL (as Wireshark reads them) but each ACE starts where the
      // previous one's AceSize says; a broken ACE is flagged and the walk goes on.
      const aclEnd = Math.min(c.end, at + Math.max(8, size));
      for (let i = 0; i < count && c.pos < aclEnd; i++) {
        if (!c.has(4)) {
          f.text("nt.ace_extends_beyond_data", "ACE Extends beyond end of data");
          break;
        }
        const aceAt = c.pos;
        const aceSize = c.peekU16(aceAt + 2);
        try {
          ace(f);
        } catch (e) {
          if (!(e instanceof ShortRead)) throw e;
          f.text("nt.ace_extends_beyond_data", "ACE Extends beyond end of data");
        }
        if (aceSize < 4) break;
        c.pos = aceAt + aceSize;
      }
      c.pos = Math.min(c.end, at + Math.max(8, size));
    },
    size,
  );
}

/**
 * A self-relative security descriptor of `len` bytes at the cursor (offsets are from its start),
 * as the "NT Security Descriptor" text node. The cursor ends `len` bytes on; malformed content
 * becomes a flagged node, never an exception past the descriptor.
 */
export function securityDescriptor(f: Fields, len: number): void {
  const c = f.c;
  const at = c.pos;
  // Never before `at`: a cursor already past the data must not step back or make a negative length.
  const end = Math.max(at, Math.min(c.end, at + len));
  f.tree(
    "smbcmp.nt.sec_desc",
    "NT Security Descriptor",
    (n) => {
      n.flags = FieldFlag.Text;
      try {
        f.within(at, end - at, () => {
          f.uint("nt.sec_desc.revision", "Revision", 2);
          f.bitmask("nt.sec_desc.type", "Type", 2, SD_TYPE_BITS);
          const oOwner = f.uint("nt.offset_to_owner_sid", "Offset to owner SID", 4);
          const oGroup = f.uint("nt.offset_to_group_sid", "Offset to group SID", 4);
          const oSacl = f.uint("nt.offset_to_sacl", "Offset to SACL", 4);
          const oDacl = f.uint("nt.offset_to_dacl", "Offset to DACL", 4);
          const part = (off: number, fn: () => void) => {
            if (!off) return;
            if (off >= end - at) {
              f.text("nt.item_offset.out_of_range", "Item offset is out of range");
              return;
            }
            f.c.pos = at + off;
            try {
              fn();
            } catch (e) {
              if (!(e instanceof ShortRead)) throw e;
              f.malformed("security descriptor item truncated", e.at);
            }
          };
          part(oOwner, () => sid(f, "Owner"));
          part(oGroup, () => sid(f, "Group"));
          part(oSacl, () => acl(f, "NT System (SACL) ACL"));
          part(oDacl, () => acl(f, "NT User (DACL) ACL"));
        });
      } catch (e) {
        if (!(e instanceof ShortRead)) throw e;
        f.malformed("security descriptor truncated", e.at);
      }
      c.pos = end;
    },
    end - at,
  );
}
