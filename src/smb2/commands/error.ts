/**
 * SMB2 ERROR Response (MS-SMB2 2.2.2): error context count, byte count and error data, with the
 * 3.1.1 error contexts (2.2.2.1), the symbolic link error response (2.2.2.2.1), the share redirect
 * context (2.2.2.2.2) and STATUS_BUFFER_TOO_SMALL's required size.
 */
import { Fields as F, type Fields } from "../../dissect/fields.js";
import type { Smb2Msg } from "../dissect.js";
import { bufferCode } from "../header.js";
import { COMMANDS } from "./index.js";
import { olbNodes } from "./tree-connect.js";

const STATUS_STOPPED_ON_SYMLINK = 0x8000002d;
const STATUS_BUFFER_TOO_SMALL = 0xc0000023;
const STATUS_BAD_NETWORK_NAME = 0xc00000cc;

export const ERROR_CONTEXT_IDS: Readonly<Record<number, string>> = {
  0: "ERROR_ID_DEFAULT",
  1919177299: "ERROR_ID_SHARE_REDIRECT",
};

export const REPARSE_TAGS: Readonly<Record<number, string>> = {
  0: "REPARSE_TAG_RESERVED_ZERO",
  1: "REPARSE_TAG_RESERVED_ONE",
  2684354563: "REPARSE_TAG_MOUNT_POINT",
  3221225476: "REPARSE_TAG_HSM",
  2147483653: "REPARSE_TAG_DRIVER_EXTENDER",
  2147483654: "REPARSE_TAG_HSM2",
  2147483655: "REPARSE_TAG_SIS",
  2147483658: "REPARSE_TAG_DFS",
  2147483659: "REPARSE_TAG_FILTER_MANAGER",
  2684354572: "REPARSE_TAG_SYMLINK",
  2147483666: "REPARSE_TAG_DFSR",
  2147483668: "REPARSE_TAG_NFS",
  2684354589: "REPARSE_TAG_LX_SYMLINK",
  2147483683: "REPARSE_TAG_AF_UNIX",
  2147483684: "REPARSE_TAG_LX_FIFO",
  2147483685: "REPARSE_TAG_LX_CHR",
  2147483686: "REPARSE_TAG_LX_BLK",
};

export function errorResponse(f: Fields, m: Smb2Msg): void {
  // Some commands show request details even on errors (GetInfo class/level, Find level and pattern).
  COMMANDS[m.h.cmd]?.errorPrefix?.(f, m);
  bufferCode(f);
  if (m.h.cmd === 16 && m.h.status === STATUS_BUFFER_TOO_SMALL && f.c.has(10)) {
    // Wireshark's GetInfo response shows only the size the output buffer needs.
    f.c.skip(6);
    f.uint("smb2.required_size", "Required Buffer Size", 4);
    return;
  }
  const ctxCount = f.uint("smb2.error.context_count", "Error Context Count", 1);
  f.uint("smb2.error.reserved", "Reserved", 1, { base: "hex" });
  const byteCount = f.uint("smb2.error.byte_count", "Byte Count", 4);
  if (!byteCount) {
    // ErrorData is one byte even when ByteCount is 0; Wireshark shows <MISSING> when it is absent.
    f.opaque("smb2.error.data", "Error Data", Math.min(1, f.c.remaining));
    return;
  }
  const len = Math.min(byteCount, f.c.remaining);
  dataNode(f, len, () => {
    if (ctxCount) errorContexts(f, m, ctxCount);
    else errorData(f, m.h.status, f.c.remaining, m);
  });
  if (len < byteCount) f.malformed("error data truncated");
}

/** `smb2.error.data` bytes with the decoded structure as its children. */
function dataNode(f: Fields, len: number, fn: () => void): void {
  const at = f.c.pos;
  const raw = f.c.buf.subarray(at, at + len);
  const shown = F.bytesNode("smb2.error.data", "Error Data", raw, at);
  f.within(at, len, () => f.tree("smb2.error.data", shown.label, fn, len, shown.show, shown.value));
  f.c.seek(at + len);
}

function errorData(f: Fields, status: number, len: number, m: Smb2Msg): void {
  if (status === STATUS_STOPPED_ON_SYMLINK && len >= 28) symlinkError(f, m);
  else if (status === STATUS_BUFFER_TOO_SMALL && len >= 4)
    f.uint("smb2.error.min_buf_length", "Minimum required buffer length", 4);
  else f.c.skip(len);
}

function errorContexts(f: Fields, m: Smb2Msg, count: number): void {
  for (let i = 0; i < count && f.c.has(8); i++) {
    const at = f.c.pos;
    const dlen = f.c.peekU32();
    const id = f.c.peekU32(at + 4);
    // Wireshark's Error Context item runs to the end of the error data.
    const raw = f.c.buf.subarray(at, f.c.end);
    const shown = F.bytesNode("smb2.error.context", "Error Context", raw, at);
    f.tree(
      "smb2.error.context",
      shown.label,
      () => {
        f.uint("smb2.error.context.length", "Type", 4);
        f.uint("smb2.error.context.id", "Type", 4, { base: "hex", vals: ERROR_CONTEXT_IDS });
        const n = Math.min(dlen, f.c.remaining);
        if (!n) return;
        dataNode(f, n, () => {
          if (id === 0x72645253 && m.h.status === STATUS_BAD_NETWORK_NAME) shareRedirect(f);
          else if (m.h.status === STATUS_STOPPED_ON_SYMLINK && n >= 28) symlinkError(f, m);
          else f.c.skip(n);
        });
      },
      raw.length,
      shown.show,
      shown.value,
    );
    // Each context is 8-byte aligned.
    // Arithmetic, not `& ~7`: ErrorDataLength is a u32 and a 32-bit mask would go negative.
    f.c.seek(Math.min(f.c.end, at + Math.ceil((8 + dlen) / 8) * 8));
  }
}

/** Symbolic Link Error Response (MS-SMB2 2.2.2.2.1); names are relative to PathBuffer. */
function symlinkError(f: Fields, _m: Smb2Msg): void {
  const start = f.c.pos;
  f.tree("smb2.symlink_error_response", "Symbolic Link Error Response", () => {
    f.uint("smb2.symlink.length", "SymLink Length", 4);
    f.uint("smb2.symlink.error_tag", "SymLink Error Tag", 4, { base: "hex" });
    f.uint("smb2.reparse_tag", "Reparse Tag", 4, { base: "hex", vals: REPARSE_TAGS });
    f.uint("smb2.reparse_data_length", "Reparse Data Length", 2);
    f.uint("smb2.symlink.unparsed_path_length", "Unparsed Path Length", 2);
    const d = start + 16;
    const subOff = f.c.u16();
    const subLen = f.c.u16();
    const prOff = f.c.u16();
    const prLen = f.c.u16();
    f.uint("smb2.symlink.flags", "Flags", 4);
    const buf = start + 28;
    for (const [name, label, off, len, descAt] of [
      ["smb2.symlink.substitute_name", "Substitute Name", subOff, subLen, d],
      ["smb2.symlink.print_name", "Print Name", prOff, prLen, d + 4],
    ] as const) {
      if (!len || !f.c.has(len, buf + off)) continue;
      const s = f.c.buf.subarray(buf + off, buf + off + (len & ~1)).toString("utf16le");
      f.within(buf + off, len, () =>
        f.tree(name, `${label}: ${s}`, () => olbNodes(f, descAt, off, descAt + 2, len), len, s, s),
      );
    }
  });
}

/** Share Redirect Error Context Response (MS-SMB2 2.2.2.2.2). */
function shareRedirect(f: Fields): void {
  const start = f.c.pos;
  f.tree("smb2.error.share_redirect", "Share Redirect", () => {
    f.uint("smb2.error.share_redirect.struct_size", "Struct Size", 4);
    f.uint("smb2.error.share_redirect.notif_type", "Notification Type", 4);
    const resOff = f.c.u32();
    const resLen = f.c.u32();
    f.uint("smb2.error.share_redirect.flags", "Flags", 2, { base: "hex" });
    f.uint("smb2.error.share_redirect.target_type", "Target Type", 2, { base: "hex" });
    const ips = f.uint("smb2.error.share_redirect.ip_count", "IP Addr Count", 4);
    const fam = f.c.has(4) ? f.c.peekU32() : 0;
    const famText = ips ? `, Family: ${fam} (0x${fam.toString(16).padStart(4, "0")})` : "";
    f.tree("smb2.error.share_redirect.ip_list", `IP Addr List${famText}`, () => {
      // MOVE_DST_IPADDR: Type(4) Reserved(4) IPv4/IPv6(16).
      for (let i = 0; i < ips && f.c.has(24); i++) {
        const type = f.c.u32();
        f.c.skip(4);
        const a = f.c.bytes(16);
        const text =
          type === 1
            ? Array.from(a.subarray(0, 4)).join(".")
            : a.toString("hex").replace(/(....)(?=.)/g, "$1:");
        f.text("smbcmp.smb2.error.share_redirect.ip", `IP: ${text}`, f.c.pos - 24, 24);
      }
    });
    if (resLen && f.c.has(resLen, start + resOff))
      f.within(start + resOff, resLen, () =>
        f.utf16("smb2.error.share_redirect.res_name", "Resource Name", resLen),
      );
  });
}
