/**
 * CIFS UNIX extensions (the Samba/Linux client protocol extension to SMB1): the 0x200-range
 * information levels of TRANS2 QUERY/SET_PATH_INFO, QUERY/SET_FILE_INFO, QUERY/SET_FS_INFO and
 * FIND_FIRST2/FIND_NEXT2. Field names are Wireshark's where tshark dissects the level; levels
 * tshark leaves undecoded (POSIX open/unlink, hard link, POSIX FS info, attribute flags) get
 * `smbcmp.smb.unix.*` names.
 */

import type { BitSpec, Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { sid } from "../dtyp/sid.js";
import { smbString } from "./common.js";
import type { Smb1Msg } from "./dissect.js";

/** Unix info levels (MS-CIFS leaves them to the CIFS UNIX extensions). */
export const UNIX_LEVEL = {
  basic: 0x200,
  link: 0x201,
  hardlink: 0x202,
  posixAcl: 0x204,
  xattr: 0x205,
  attrFlags: 0x206,
  posixLock: 0x208,
  posixOpen: 0x209,
  posixUnlink: 0x20a,
  info2: 0x20b,
} as const;

/** FS levels: QUERY_FS_INFO 0x200 (CIFS UNIX info), 0x201 (POSIX FS info), 0x202 (whoami). */
export const UNIX_FS_LEVEL = { info: 0x200, posixFs: 0x201, whoami: 0x202 } as const;

const FILE_TYPES: Readonly<Record<number, string>> = {
  0: "File",
  1: "Directory",
  2: "Symbolic link",
  3: "Character device",
  4: "Block device",
  5: "FIFO",
  6: "Socket",
};

const cap = (n: string, label: string, mask: number): BitSpec => ({
  name: `smb.unix.capability.${n}`,
  label,
  mask,
  t: "Set",
  f: "Not set",
});

const CAPABILITIES: readonly BitSpec[] = [
  cap("fcntl", "FCNTL Capability", 0x1),
  cap("posix_acl", "POSIX ACL Capability", 0x2),
  cap("ea", "EA Capability", 0x4),
  cap("attr", "Additional Attributes Capability", 0x8),
  cap("posix_paths", "POSIX Pathnames Capability", 0x10),
  cap("posix_path_ops", "POSIX Path Operations Capability", 0x20),
  cap("large_read", "Large Read Capability", 0x40),
  cap("large_write", "Large Write Capability", 0x80),
  cap("encryption", "Encryption Capability", 0x100),
  cap("mandatory_crypto", "Mandatory Encryption Capability", 0x200),
  cap("proxy", "Proxy Capability", 0x400),
];

const flag = (n: string, label: string, mask: number): BitSpec => ({
  name: `smb.unix_info2.file.flags.${n}`,
  label,
  mask,
});

const INFO2_FLAGS: readonly BitSpec[] = [
  flag("secure_delete", "Secure delete", 0x1),
  flag("enable_undelete", "Enable undelete", 0x2),
  flag("synchronous", "Synchronous", 0x4),
  flag("immutable", "Immutable", 0x8),
  flag("append_only", "Append-only", 0x10),
  flag("do_not_backup", "Do not backup", 0x20),
  flag("no_update_atime", "Don't update atime", 0x40),
  flag("hidden", "Hidden", 0x80),
];

const ACE_TYPES: Readonly<Record<number, string>> = {
  1: "User Obj",
  2: "User",
  4: "Group Obj",
  8: "Group",
  16: "Mask",
  32: "Other",
};

const ACE_PERMS: readonly BitSpec[] = [
  { name: "smb.posix_acl.ace_perms.read", label: "READ", mask: 0x4 },
  { name: "smb.posix_acl.ace_perms.write", label: "WRITE", mask: 0x2 },
  { name: "smb.posix_acl.ace_perms.execute", label: "EXECUTE", mask: 0x1 },
];

/** SMB_POSIX_PATH_OPEN flags (the Samba client's SMB_O_* values). */
const OPEN_FLAGS: readonly BitSpec[] = [
  { name: "smbcmp.smb.unix.open.rdonly", label: "O_RDONLY", mask: 0x1 },
  { name: "smbcmp.smb.unix.open.wronly", label: "O_WRONLY", mask: 0x2 },
  { name: "smbcmp.smb.unix.open.rdwr", label: "O_RDWR", mask: 0x4 },
  { name: "smbcmp.smb.unix.open.creat", label: "O_CREAT", mask: 0x10 },
  { name: "smbcmp.smb.unix.open.excl", label: "O_EXCL", mask: 0x20 },
  { name: "smbcmp.smb.unix.open.trunc", label: "O_TRUNC", mask: 0x40 },
  { name: "smbcmp.smb.unix.open.append", label: "O_APPEND", mask: 0x80 },
  { name: "smbcmp.smb.unix.open.sync", label: "O_SYNC", mask: 0x100 },
  { name: "smbcmp.smb.unix.open.directory", label: "O_DIRECTORY", mask: 0x200 },
  { name: "smbcmp.smb.unix.open.nofollow", label: "O_NOFOLLOW", mask: 0x400 },
  { name: "smbcmp.smb.unix.open.direct", label: "O_DIRECT", mask: 0x800 },
];

const REPLY_LEVELS: Readonly<Record<number, string>> = {
  512: "Query File Unix Basic",
  523: "Query File Unix Info2",
  65535: "No info level returned",
};

/** SMB_FILE_UNIX_BASIC (100 bytes). */
function basic(f: Fields): void {
  f.u64("smb.unix.file.size", "File size");
  f.u64("smb.unix.file.num_bytes", "Number of bytes");
  f.filetime("smb.unix.file.stime", "Last status change");
  f.filetime("smb.unix.file.atime", "Last access");
  f.filetime("smb.unix.file.mtime", "Last modification");
  f.u64("smb.unix.file.uid", "UID");
  f.u64("smb.unix.file.gid", "GID");
  f.uint("smb.unix.file.file_type", "File type", 4, { vals: FILE_TYPES });
  f.u64("smb.unix.file.dev_major", "Major device", { base: "hex" });
  f.u64("smb.unix.file.dev_minor", "Minor device", { base: "hex" });
  f.u64("smb.unix.file.unique_id", "Unique ID", { base: "hex" });
  f.u64("smb.unix.file.perms", "File permissions", { base: "hex" });
  f.u64("smb.unix.file.num_links", "Num links");
}

/** SMB_FILE_UNIX_INFO2 (116 bytes): basic, creation time, file flags and their mask. */
function info2(f: Fields): void {
  basic(f);
  f.filetime("smb.unix.file.crtime", "Creation time");
  flags32(f, "smb.unix_info2.file.flags", "Flags");
  flags32(f, "smb.unix_info2.file.flags_mask", "Flags mask");
}

/** A 32-bit bitmask whose parent label shows only the value (no flag names appended). */
function flags32(f: Fields, name: string, label: string): void {
  const v = f.bitmask(name, label, 4, INFO2_FLAGS);
  if (!f.light) f.nodes[f.nodes.length - 1]!.label = `${label}: ${hexN(v, 8)}`;
}

/** A UTF-16 or OEM string filling the rest of the block (link targets). */
function restString(f: Fields, m: Smb1Msg, name: string, label: string): string {
  if (f.c.remaining <= 0) return "";
  return smbString(f, m, name, label, { align: false });
}

function posixAcl(f: Fields): void {
  f.uint("smb.posix_acl.version", "Posix ACL version", 2);
  const nf = f.uint("smb.posix_acl.num_file_aces", "Number of file ACEs", 2);
  const nd = f.uint("smb.posix_acl.num_def_aces", "Number of default ACEs", 2);
  for (let i = 0; i < nf + nd && f.c.remaining >= 10; i++) {
    const at = f.c.pos;
    f.tree(
      "smbcmp.smb.posix_acl.ace",
      "ACE",
      () => {
        const t = f.uint("smb.posix_acl.ace_type", "ACE Type", 1, { vals: ACE_TYPES });
        f.bitmask("smb.posix_acl.ace_perms", "Permissions", 1, ACE_PERMS);
        // The 8-byte id: tshark shows its low 32 bits for the entry types that carry one.
        if (t === 1) f.uint("smb.posix_acl.ace_perms.owner_uid", "Owner UID", 4);
        else if (t === 2) f.uint("smb.posix_acl.ace_perms.uid", "UID", 4);
        else if (t === 4) f.uint("smb.posix_acl.ace_perms.owner_gid", "Owner GID", 4);
        else if (t === 8) f.uint("smb.posix_acl.ace_perms.gid", "GID", 4);
        else if (t !== 16 && t !== 32) f.text("smb.posix_acl.ace_type.unknown", "Unknown posix ace type");
        f.c.pos = at + 10;
      },
      10,
    );
  }
}

function posixOpenRequest(f: Fields): void {
  f.uint("smbcmp.smb.unix.open.oplock_flags", "Oplock flags", 4, { base: "hex" });
  f.bitmask("smbcmp.smb.unix.open.flags", "POSIX open flags", 4, OPEN_FLAGS);
  f.u64("smbcmp.smb.unix.open.perms", "Permissions", { base: "hex" });
  f.uint("smbcmp.smb.unix.open.reply_level", "Reply info level", 2, { base: "hex", vals: REPLY_LEVELS });
}

function posixOpenResponse(f: Fields): void {
  f.uint("smbcmp.smb.unix.open.oplock", "Oplock level", 2);
  f.uint("smb.fid", "FID", 2, { base: "hex" });
  f.uint("smbcmp.smb.unix.open.action", "Create action", 4);
  const lvl = f.uint("smbcmp.smb.unix.open.reply_level", "Reply info level", 2, {
    base: "hex",
    vals: REPLY_LEVELS,
  });
  f.opaque("smb.padding", "Padding", Math.min(2, f.c.remaining));
  if (lvl === UNIX_LEVEL.basic) basic(f);
  else if (lvl === UNIX_LEVEL.info2) info2(f);
}

/**
 * QUERY/SET path or file information data of a UNIX level. Returns false when `lvl` is not one;
 * whatever a known level leaves unread is for the caller to show raw.
 */
export function unixInfoData(f: Fields, m: Smb1Msg, lvl: number, set: boolean): boolean {
  switch (lvl) {
    case UNIX_LEVEL.basic:
      basic(f);
      return true;
    case UNIX_LEVEL.info2:
      info2(f);
      return true;
    case UNIX_LEVEL.link:
      restString(f, m, "smb.unix.file.link_dest", "Link destination");
      return true;
    case UNIX_LEVEL.hardlink:
      restString(f, m, "smbcmp.smb.unix.file.hardlink_target", "Hard link target");
      return true;
    case UNIX_LEVEL.posixAcl:
      posixAcl(f);
      return true;
    case UNIX_LEVEL.attrFlags:
      flags32(f, "smb.unix_info2.file.flags", "Flags");
      flags32(f, "smb.unix_info2.file.flags_mask", "Flags mask");
      return true;
    case UNIX_LEVEL.posixOpen:
      if (set) posixOpenRequest(f);
      else posixOpenResponse(f);
      return true;
    case UNIX_LEVEL.posixUnlink:
      if (set)
        f.uint("smbcmp.smb.unix.unlink.flags", "Unlink flags", 2, {
          vals: { 0: "File", 1: "Directory" },
        });
      return true;
    default:
      return false;
  }
}

/** QUERY_FS_INFO data (response) or SET_FS_INFO data (request) of a UNIX FS level. */
export function unixFsData(f: Fields, lvl: number): boolean {
  switch (lvl) {
    case UNIX_FS_LEVEL.info: {
      f.uint("smb.unix.major_version", "Major Version", 2);
      f.uint("smb.unix.minor_version", "Minor Version", 2);
      // A 64-bit field whose defined bits are all in the low word.
      const at = f.c.pos;
      f.c.need(8);
      const lo = f.c.buf.readUInt32LE(at);
      const hi = f.c.buf.readUInt32LE(at + 4);
      f.bitmask("smb.unix.capability", "Capabilities", 4, CAPABILITIES);
      f.c.pos = at + 8;
      if (!f.light) {
        const n = f.nodes[f.nodes.length - 1]!;
        const show = `0x${hi.toString(16).padStart(8, "0")}${lo.toString(16).padStart(8, "0")}`;
        n.label = `Capabilities: ${show}`;
        n.show = show;
        n.value = show;
        n.length = 8;
      }
      return true;
    }
    case UNIX_FS_LEVEL.posixFs:
      f.uint("smbcmp.smb.unix.fs.optimal_transfer_size", "Optimal transfer size", 4);
      f.uint("smbcmp.smb.unix.fs.block_size", "Block size", 4);
      f.u64("smbcmp.smb.unix.fs.total_blocks", "Total blocks");
      f.u64("smbcmp.smb.unix.fs.blocks_avail", "Blocks available");
      f.u64("smbcmp.smb.unix.fs.user_blocks_avail", "User blocks available");
      f.u64("smbcmp.smb.unix.fs.total_file_nodes", "Total file nodes");
      f.u64("smbcmp.smb.unix.fs.free_file_nodes", "Free file nodes");
      f.u64("smbcmp.smb.unix.fs.fs_identifier", "FS identifier", { base: "hex" });
      return true;
    case UNIX_FS_LEVEL.whoami: {
      f.uint("smb.unix.whoami.mapflags", "UNIX whoami mapping flags", 4);
      f.uint("smb.unix.whoami.mapflags_mask", "UNIX whoami mapping flags mask", 4);
      f.u64("smb.unix.file.uid", "UID");
      f.u64("smb.unix.file.gid", "GID");
      const ng = f.uint("smb.unix.whoami.num_gids", "Number of supplementary UNIX GIDs", 4);
      const ns = f.uint("smb.unix.whoami.num_sids", "Number of supplementary SIDs", 4);
      const sl = f.uint("smb.unix.whoami.sids_buflen", "Supplementary SIDs buffer length", 4);
      f.opaque("smb.reserved", "Reserved", Math.min(4, f.c.remaining));
      if (ng)
        f.tree("smbcmp.smb.unix.whoami.gids", "Supplementary UNIX GIDs", () => {
          for (let i = 0; i < ng && f.c.remaining >= 8; i++) f.u64("smb.unix.file.gid", "GID");
        });
      if (ns && sl) {
        const at = f.c.pos;
        const len = Math.min(sl, f.c.remaining);
        f.tree(
          "smbcmp.smb.unix.whoami.sids",
          "List of SIDs",
          () =>
            f.within(at, len, () => {
              for (let i = 0; i < ns && f.c.remaining >= 8; i++) sid(f);
            }),
          len,
        );
        f.c.pos = at + len;
      }
      return true;
    }
    default:
      return false;
  }
}

/** FIND_FIRST2/FIND_NEXT2 entries of the UNIX levels (0x202 basic, 0x20b info2). */
export function unixFindData(f: Fields, m: Smb1Msg, lvl: number): boolean {
  if (lvl !== UNIX_LEVEL.hardlink && lvl !== UNIX_LEVEL.info2) return false;
  for (let guard = 0; guard < 65536 && f.c.remaining >= 8; guard++) {
    const at = f.c.pos;
    const next = f.uint("smb.unix.find_file.next_offset", "Next entry offset", 4);
    f.uint("smb.unix.find_file.resume_key", "Resume key", 4);
    if (lvl === UNIX_LEVEL.info2) {
      info2(f);
      const l = f.uint("smb.unix.file.name_length", "File name length", 4);
      smbString(f, m, "smb.unix.file.name", "File name", { len: l, align: false });
    } else {
      basic(f);
      // FIND_FILE_UNIX names are NUL-terminated, up to the next entry.
      const end = next ? Math.min(f.c.end, at + next) : f.c.end;
      if (end > f.c.pos)
        smbString(f, m, "smb.unix.file.name", "File name", { len: end - f.c.pos, align: false });
    }
    if (!next) break;
    f.c.pos = at + next;
  }
  return true;
}
