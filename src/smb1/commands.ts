/** SMB1 command dissectors (MS-CIFS 2.2.4, MS-SMB 2.2.4), registered by command code. */

import { type BitSpec, Fields } from "../dissect/fields.js";
import { hexN } from "../dissect/format.js";
import { FieldFlag, node } from "../dissect/tree.js";
import { smbFileTimes } from "../smb2/info/fscc.js";
import {
  accessMask,
  andx,
  bcc,
  bounded,
  createFlags,
  createOptions,
  dosDateTime,
  escInfo,
  escShow,
  FILE_ATTR16_BITS,
  fidHex,
  fidNode,
  fileAttributes,
  fileOf,
  gen,
  namedBits,
  plainBits,
  relabel,
  reserved,
  securityBlobNode,
  shareAccess,
  smbString,
  utime,
  wct,
} from "./common.js";
import { type Smb1Command, type Smb1Msg, sum } from "./dissect.js";
import { CREATE_ACTION, CREATE_DISPOSITION, FILE_TYPE, IMPERSONATION, OPLOCK_LEVEL } from "./names.js";
import { pipeRpc } from "./pipe.js";
import type { Smb1CreateParams } from "./state.js";
import { ntTransact, trans, trans2 } from "./trans.js";

/** Reads the words as raw bytes when the count is not one this dissector knows. */
function rawWords(f: Fields, w: number): void {
  if (w > 0) f.bytes("smb.unknown_data", "Unknown Data", Math.min(2 * w, f.c.remaining));
}

/** Byte count plus any bytes not otherwise dissected. */
function bccRaw(f: Fields): void {
  if (!f.c.has(2)) return;
  const { n } = bcc(f);
  if (n > 0) f.bytes("smb.unknown_data", "Unknown Data", Math.min(n, f.c.remaining));
}

/** Responses with WCT 0 (errors): word count and byte count only. */
/** Reads WCT; a word count the command does not define is shown raw (words and bytes): -1. */
function words(f: Fields, counts: readonly number[]): number {
  const w = wct(f);
  if (counts.includes(w)) return w;
  rawWords(f, w);
  bccRaw(f);
  return -1;
}

/** `words`, then the AndX block (whose next command the chain walk follows). */
function andxWords(f: Fields, m: Smb1Msg, counts: readonly number[]): number {
  const w = words(f, counts);
  if (w < 0) return w;
  setNext(f, m, f.c.pos - 1);
  andx(f);
  return w;
}

function emptyBody(f: Fields): void {
  wct(f);
  bccRaw(f);
}

/** Moves the cursor to `end` (the end of the byte block) if it is not there yet. */
function toEnd(f: Fields, end: number): void {
  if (f.c.pos < end) f.c.pos = Math.min(end, f.c.end);
}

function setNext(f: Fields, m: Smb1Msg, at: number): void {
  const b = f.c.buf;
  if (at + 5 <= f.c.end) m.next = { cmd: b[at + 1]!, offset: b.readUInt16LE(at + 3) };
}

/** Wireshark repeats a request's FID in the response only when it tracks that FID. */
function known(m: Smb1Msg, fid: number): boolean {
  const r = fileOf(m, fid);
  return r !== undefined && !(r.failed && m.ctx.frame > (r.closeFrame ?? r.openFrame));
}

/** The response carries an error (NT severity error, or any DOS error class). */
export function isError(m: Smb1Msg): boolean {
  return m.h.ntError ? m.h.status >>> 30 === 3 : m.h.errClass !== 0;
}

function bytesText(n: number): string {
  return n === 1 ? "1 byte" : `${n} bytes`;
}

export const CAP_BITS: readonly BitSpec[] = [
  cap(
    "raw_mode",
    "Raw Mode",
    0x1,
    "Read Raw and Write Raw are supported",
    "Read Raw and Write Raw are not supported",
  ),
  cap(
    "mpx_mode",
    "MPX Mode",
    0x2,
    "Read Mpx and Write Mpx are supported",
    "Read Mpx and Write Mpx are not supported",
  ),
  cap("unicode", "Unicode", 0x4, "Unicode strings are supported", "Unicode strings are not supported"),
  cap("large_files", "Large Files", 0x8, "Large files are supported", "Large files are not supported"),
  cap("nt_smbs", "NT SMBs", 0x10, "NT SMBs are supported", "NT SMBs are not supported"),
  cap(
    "rpc_remote_apis",
    "RPC Remote APIs",
    0x20,
    "RPC remote APIs are supported",
    "RPC remote APIs are not supported",
  ),
  cap(
    "nt_status",
    "NT Status Codes",
    0x40,
    "NT status codes are supported",
    "NT status codes are not supported",
  ),
  cap(
    "level_2_oplocks",
    "Level 2 Oplocks",
    0x80,
    "Level 2 oplocks are supported",
    "Level 2 oplocks are not supported",
  ),
  cap(
    "lock_and_read",
    "Lock and Read",
    0x100,
    "Lock and Read is supported",
    "Lock and Read is not supported",
  ),
  cap("nt_find", "NT Find", 0x200, "NT Find is supported", "NT Find is not supported"),
  cap("dfs", "Dfs", 0x1000, "Dfs is supported", "Dfs is not supported"),
  cap(
    "infolevel_passthru",
    "Infolevel Passthru",
    0x2000,
    "NT information level request passthrough is supported",
    "NT information level request passthrough is not supported",
  ),
  cap(
    "large_readx",
    "Large ReadX",
    0x4000,
    "Large Read andX is supported",
    "Large Read andX is not supported",
  ),
  cap(
    "large_writex",
    "Large WriteX",
    0x8000,
    "Large Write andX is supported",
    "Large Write andX is not supported",
  ),
  cap("lwio", "LWIO", 0x10000, "LWIO ioctl/fsctl is supported", "LWIO ioctl/fsctl is not supported"),
  cap("unix", "UNIX", 0x800000, "UNIX extensions are supported", "UNIX extensions are not supported"),
  cap(
    "compressed_data",
    "Compressed Data",
    0x2000000,
    "Compressed data transfer is supported",
    "Compressed data transfer is not supported",
  ),
  cap(
    "dynamic_reauth",
    "Dynamic Reauth",
    0x20000000,
    "Dynamic Reauth is supported",
    "Dynamic Reauth is not supported",
  ),
  cap(
    "extended_security",
    "Extended Security",
    0x80000000,
    "Extended security exchanges are supported",
    "Extended security exchanges are not supported",
  ),
];

function cap(n: string, label: string, mask: number, t: string, fl: string): BitSpec {
  return { name: `smb.server_cap.${n}`, label, mask, t, f: fl };
}

function capabilities(f: Fields): number {
  return f.bitmask("smb.server_cap", "Capabilities", 4, CAP_BITS);
}

// ---------------------------------------------------------------- negotiate (0x72)

function negotiateRequest(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  rawWords(f, w);
  const { end } = bcc(f);
  const names: string[] = [];
  f.tree(
    "smbcmp.smb.dialects",
    "Requested Dialects",
    () => {
      while (f.c.pos < end) {
        const at = f.c.pos;
        let p = at + 1;
        while (p < end && f.c.buf[p] !== 0) p++;
        const name = f.c.buf.subarray(at + 1, p).toString("latin1");
        names.push(name);
        f.tree(
          "smb.dialect",
          `Dialect: ${name}`,
          () => {
            f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
            f.within(at + 1, end - at - 1, () =>
              smbString(f, m, "smb.dialect.name", "Name", { unicode: false }),
            );
            f.c.pos = Math.min(end, p + 1);
          },
          Math.min(end, p + 1) - at,
          name,
          name,
        );
        f.c.pos = Math.min(end, p + 1);
      }
    },
    0,
  );
  m.rec.dialects = names;
  if (m.ctx.first) m.ctx.state.dialects.set(m.ctx.conn, names);
}

const BUFFER_FORMAT: Readonly<Record<number, string>> = {
  1: "Data Block",
  2: "Dialect",
  3: "Pathname",
  4: "ASCII",
  5: "Variable Block",
};

const SM_BITS: readonly BitSpec[] = [
  { name: "smb.sm.mode", label: "Mode", mask: 0x1, t: "USER security mode", f: "SHARE security mode" },
  {
    name: "smb.sm.password",
    label: "Password",
    mask: 0x2,
    t: "ENCRYPTED password. Use challenge/response",
    f: "PLAINTEXT password",
  },
  {
    name: "smb.sm.signatures",
    label: "Signatures",
    mask: 0x4,
    t: "Security signatures ENABLED",
    f: "Security signatures NOT enabled",
  },
  {
    name: "smb.sm.sig_required",
    label: "Sig Req",
    mask: 0x8,
    t: "Security signatures REQUIRED",
    f: "Security signatures NOT required",
  },
];

const RM_BITS: readonly BitSpec[] = [
  {
    name: "smb.rm.read",
    label: "Read Raw",
    mask: 0x1,
    t: "Read Raw is supported",
    f: "Read Raw is not supported",
  },
  {
    name: "smb.rm.write",
    label: "Write Raw",
    mask: 0x2,
    t: "Write Raw is supported",
    f: "Write Raw is not supported",
  },
];

function timezone(f: Fields): void {
  const at = f.c.pos;
  f.c.need(2);
  const v = f.c.buf.readInt16LE(at);
  f.c.pos += 2;
  if (!f.light)
    f.add(node("smb.server_timezone", `Server Time Zone: ${v} min from UTC`, String(v), v, at, 2));
}

function negotiateResponse(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  const dialects = m.rec.dialects ?? m.ctx.state.dialects.get(m.ctx.conn);
  const idxAt = f.c.pos;
  if (w === 0) {
    bccRaw(f);
    return;
  }
  const idx = f.uint("smb.dialect.index", "Selected Index", 2);
  if (w === 17) {
    relabel(f, `Selected Index: ${idx}: ${dialects?.[idx] ?? "unknown"}`);
    f.bitmask("smb.sm", "Security Mode", 1, SM_BITS);
    f.uint("smb.max_mpx_count", "Max Mpx Count", 2);
    f.uint("smb.max_vcs", "Max VCs", 2);
    f.uint("smb.max_bufsize", "Max Buffer Size", 4);
    f.uint("smb.max_raw", "Max Raw Buffer", 4);
    f.uint("smb.session_key", "Session Key", 4, { base: "hex" });
    const caps = capabilities(f);
    f.filetime("smb.system.time", "System Time");
    timezone(f);
    const clen = f.uint("smb.challenge_length", "Challenge Length", 1);
    const { n, end } = bcc(f);
    if (caps & 0x80000000) {
      if (n >= 16) {
        // Wireshark shows this GUID in wire (big-endian) byte order.
        const g = f.c.buf.subarray(f.c.pos, f.c.pos + 16).toString("hex");
        const s = `${g.slice(0, 8)}-${g.slice(8, 12)}-${g.slice(12, 16)}-${g.slice(16, 20)}-${g.slice(20)}`;
        const at = f.c.pos;
        f.c.skip(16);
        if (!f.light) f.add(node("smb.server_guid", `Server GUID: ${s}`, s, s, at, 16));
      }
      if (end > f.c.pos) securityBlobNode(f, end - f.c.pos);
    } else {
      if (clen > 0) f.bytes("smb.challenge", "Challenge", Math.min(clen, end - f.c.pos));
      bounded(f, end, () => {
        if (f.c.remaining > 0) smbString(f, m, "smb.primary_domain", "Primary Domain");
        if (f.c.remaining > 0) smbString(f, m, "smb.server", "Server");
      });
    }
    toEnd(f, end);
  } else if (w === 13) {
    relabel(f, `Selected Index: ${idx}, ${lanmanDialect(dialects?.[idx])}`);
    f.bitmask("smb.sm", "Security Mode", 2, SM_BITS);
    f.uint("smb.max_bufsize", "Max Buffer Size", 2);
    f.uint("smb.max_mpx_count", "Max Mpx Count", 2);
    f.uint("smb.max_vcs", "Max VCs", 2);
    f.bitmask("smb.rm", "Raw Mode", 2, RM_BITS);
    relabel(f, `Raw Mode: ${hexN(f.c.buf.readUInt16LE(f.c.pos - 2), 4)}`);
    f.uint("smb.session_key", "Session Key", 4, { base: "hex" });
    dosDateTime(f, "smb.server_date_time", "Server Date and Time", true);
    timezone(f);
    const clen = f.uint("smb.challenge_length", "Challenge Length", 2);
    reserved(f, 2);
    const { end } = bcc(f);
    if (clen > 0) f.bytes("smb.challenge", "Challenge", Math.min(clen, end - f.c.pos));
    bounded(f, end, () => {
      if (f.c.remaining > 0) smbString(f, m, "smb.primary_domain", "Primary Domain", { unicode: false });
    });
    toEnd(f, end);
  } else {
    relabel(f, `Selected Index: ${idx}: ${dialects?.[idx] ?? "unknown"}`);
    f.c.pos = idxAt + 2;
    rawWords(f, w - 1);
    bccRaw(f);
  }
}

function lanmanDialect(name: string | undefined): string {
  switch (name) {
    case "PC NETWORK PROGRAM 1.0":
      return "PC NETWORK PROGRAM 1.0";
    case "LANMAN1.0":
    case "MICROSOFT NETWORKS 3.0":
      return "Greater than CORE PROTOCOL and up to LANMAN1.0";
    case "LM1.2X002":
    case "DOS LM1.2X002":
    case "LANMAN2.1":
    case "DOS LANMAN2.1":
    case "Samba":
      return "Greater than CORE PROTOCOL and up to LANMAN2.1";
    default:
      return "Greater than CORE PROTOCOL and up to LANMAN2.1";
  }
}

// ---------------------------------------------------------------- session setup (0x73)

/** NTLMSSP message inside a (possibly SPNEGO-wrapped) security blob: Info-column text. */
export function ntlmsspSummary(blob: Buffer): string {
  const sig = blob.indexOf("NTLMSSP\0", 0, "latin1");
  if (sig < 0 || sig + 12 > blob.length) return "";
  const b = blob.subarray(sig);
  const type = b.readUInt32LE(8);
  if (type === 1) return ", NTLMSSP_NEGOTIATE";
  if (type === 2) return ", NTLMSSP_CHALLENGE";
  if (type !== 3) return "";
  if (b.length < 64) return ", NTLMSSP_AUTH";
  const flags = b.readUInt32LE(60);
  const str = (off: number): string => {
    const len = b.readUInt16LE(off);
    const at = b.readUInt32LE(off + 4);
    if (!len || at + len > b.length) return "";
    return flags & 1
      ? b.subarray(at, at + (len & ~1)).toString("utf16le")
      : b.subarray(at, at + len).toString("latin1");
  };
  return `, NTLMSSP_AUTH, User: ${str(28)}\\${str(36)}`;
}

function sessionSetupRequest(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [10, 12, 13]);
  if (w < 0) return;
  f.uint("smb.max_buf", "Max Buffer", 2);
  f.uint("smb.max_mpx_count", "Max Mpx Count", 2);
  f.uint("smb.vc", "VC Number", 2);
  f.uint("smb.session_key", "Session Key", 4, { base: "hex" });
  if (w === 12) {
    const blen = f.uint("smb.security_blob_len", "Security Blob Length", 2);
    reserved(f, 4);
    capabilities(f);
    const { end } = bcc(f);
    sum(m, securityBlobNode(f, Math.min(blen, end - f.c.pos)));
    bounded(f, end, () => {
      if (f.c.remaining > 0) smbString(f, m, "smb.native_os", "Native OS");
      if (f.c.remaining > 0) smbString(f, m, "smb.native_lanman", "Native LAN Manager");
      if (f.c.remaining > 0) smbString(f, m, "smb.primary_domain", "Primary Domain");
    });
    toEnd(f, end);
    return;
  }
  let apw: number;
  let upw = 0;
  if (w === 13) {
    apw = f.uint("smb.ansi_pwlen", "ANSI Password Length", 2);
    upw = f.uint("smb.unicode_pwlen", "Unicode Password Length", 2);
    reserved(f, 4);
    capabilities(f);
  } else {
    apw = f.uint("smb.pwlen", "Password Length", 2);
    reserved(f, 4);
  }
  const { end } = bcc(f);
  let account: string | undefined;
  let domain = "";
  bounded(f, end, () => {
    if (w === 13) {
      if (apw) f.bytes("smb.ansi_password", "ANSI Password", Math.min(apw, f.c.remaining));
      if (upw) f.bytes("smb.unicode_password", "Unicode Password", Math.min(upw, f.c.remaining));
    } else if (apw) f.bytes("smb.password", "Password", Math.min(apw, f.c.remaining));
    if (f.c.remaining > 0) account = smbString(f, m, "smb.account", "Account");
    if (f.c.remaining > 0) domain = smbString(f, m, "smb.primary_domain", "Primary Domain");
    if (f.c.remaining > 0) smbString(f, m, "smb.native_os", "Native OS");
    if (f.c.remaining > 0) smbString(f, m, "smb.native_lanman", "Native LAN Manager");
  });
  toEnd(f, end);
  // tshark names an empty account (a null session) "anonymous".
  if (account !== undefined) sum(m, account ? `, User: ${domain}\\${account}` : ", User: anonymous");
}

const ACTION_BITS: readonly BitSpec[] = [
  {
    name: "smb.setup.action.guest",
    label: "Guest",
    mask: 0x1,
    t: "Logged in as GUEST",
    f: "Not logged in as GUEST",
  },
];

function sessionSetupResponse(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [3, 4]);
  if (w < 0) return;
  f.bitmask("smb.setup.action", "Action", 2, ACTION_BITS);
  let blen = 0;
  if (w === 4) blen = f.uint("smb.security_blob_len", "Security Blob Length", 2);
  const { end } = bcc(f);
  if (w === 4) {
    sum(m, securityBlobNode(f, Math.min(blen, end - f.c.pos)));
  }
  bounded(f, end, () => {
    if (f.c.remaining > 0) smbString(f, m, "smb.native_os", "Native OS");
    if (f.c.remaining > 0) smbString(f, m, "smb.native_lanman", "Native LAN Manager");
    if (f.c.remaining > 0) smbString(f, m, "smb.primary_domain", "Primary Domain");
  });
  toEnd(f, end);
}

// ---------------------------------------------------------------- tree connect (0x75)

const CONNECT_FLAGS: readonly BitSpec[] = [
  {
    name: "smb.connect.flags.dtid",
    label: "Disconnect TID",
    mask: 0x1,
    t: "DISCONNECT TID",
    f: "Do NOT disconnect TID",
  },
  {
    name: "smb.connect.flags.extendedsig",
    label: "Extended Signature",
    mask: 0x4,
    t: "Extended Signature",
    f: "NOT Extended Signature",
  },
  {
    name: "smb.connect.flags.extendedresp",
    label: "Extended Response",
    mask: 0x8,
    t: "Extended Response",
    f: "NOT Extended Response",
  },
];

const CSC: Readonly<Record<number, string>> = {
  0: "Automatic file-to-file reintegration NOT permitted",
  1: "Automatic file-to-file reintegration permitted",
  2: "All files may be cached",
  3: "Offline caching NOT allow for the share",
};

const SUPPORT_BITS: readonly BitSpec[] = [
  {
    name: "smb.connect.support.search",
    label: "Search Bits",
    mask: 0x1,
    t: "Exclusive search bits supported",
    f: "Exclusive search bits not supported",
  },
  {
    name: "smb.connect.support.dfs",
    label: "In Dfs",
    mask: 0x2,
    t: "Share is in Dfs",
    f: "Share isn't in Dfs",
  },
  { name: "smb.connect.support.cscmask", label: "CSC Mask", mask: 0xc, vals: CSC },
  {
    name: "smb.connect.support.uniqfilename",
    label: "Unique File Name",
    mask: 0x10,
    t: "Client allowed to cache share namespaces",
    f: "Client NOT allowed to cache share namespaces",
  },
  {
    name: "smb.connect.support.extendedsig",
    label: "Extended Signatures",
    mask: 0x20,
    t: "Extended signature",
    f: "NOT extended signature",
  },
];

function treeConnectRequest(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [4]);
  if (w < 0) return;
  f.bitmask("smb.connect.flags", "Flags", 2, CONNECT_FLAGS);
  const pw = f.uint("smb.pwlen", "Password Length", 2);
  const { end } = bcc(f);
  let path = "";
  bounded(f, end, () => {
    // An empty password still shows (as <MISSING>).
    f.bytes("smb.password", "Password", Math.min(pw, f.c.remaining));
    if (f.c.remaining > 0) path = smbString(f, m, "smb.path", "Path");
    if (f.c.remaining > 0) smbString(f, m, "smb.service", "Service", { unicode: false });
  });
  toEnd(f, end);
  m.rec.path = path;
  m.rec.extra = { reqTid: m.h.tid };
  m.info.path = path;
  sum(m, `, Path: ${path}`);
}

function treeConnectResponse(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [3, 7]);
  if (w < 0) {
    // Wireshark maps the TID of any answer, an error too: later uses of it show this frame.
    mapTree(m, "");
    return;
  }
  const sup = f.bitmask("smb.connect.support", "Optional Support", 2, SUPPORT_BITS);
  if (!f.light) {
    const n = f.nodes[f.nodes.length - 1]!;
    const parts: string[] = [];
    if (sup & 1) parts.push("Search Bits");
    if (sup & 2) parts.push("In Dfs");
    parts.push(`CSC Mask: ${CSC[(sup >> 2) & 3]}`);
    if (sup & 0x10) parts.push("Unique File Name");
    if (sup & 0x20) parts.push("Extended Signatures");
    n.label = `Optional Support: ${hexN(sup, 4)}, ${parts.join(", ")}`;
  }
  if (w === 7) {
    f.tree("smbcmp.smb.max_share_access", "Maximal Share Access Rights", () => accessMask(f));
    f.tree("smbcmp.smb.guest_max_share_access", "Guest Maximal Share Access Rights", () => accessMask(f));
  }
  const { end } = bcc(f);
  let service = "";
  bounded(f, end, () => {
    if (f.c.remaining > 0) service = smbString(f, m, "smb.service", "Service", { unicode: false });
    if (f.c.remaining > 0) smbString(f, m, "smb.native_fs", "Native File System");
  });
  toEnd(f, end);
  mapTree(m, service);
}

/** Records the tree a Tree Connect AndX response maps its TID to (first pass). */
function mapTree(m: Smb1Msg, service: string): void {
  if (!m.ctx.first || !m.pdu.frame) return;
  const t = { tid: m.h.tid, path: m.rec.path ?? "", mappedIn: m.ctx.frame, service };
  m.ctx.state.addTree(m.ctx.conn, t);
  // Wireshark also files the tree under the TID the request carried (0xffff), so that TID
  // displays the latest tree connected with it.
  const reqTid = m.rec.extra?.reqTid as number | undefined;
  if (reqTid === 0xffff && reqTid !== m.h.tid) m.ctx.state.addTree(m.ctx.conn, { ...t, tid: reqTid });
}

// ---------------------------------------------------------------- NT create (0xa2)

export const SECURITY_FLAGS: readonly BitSpec[] = [
  {
    name: "smb.security.flags.context_tracking",
    label: "Context Tracking",
    mask: 0x1,
    t: "Security tracking mode is DYNAMIC",
    f: "Security tracking mode is STATIC",
  },
  {
    name: "smb.security.flags.effective_only",
    label: "Effective Only",
    mask: 0x2,
    t: "ONLY ENABLED aspects of the client's security context are available",
    f: "ALL aspects of the client's security context are available",
  },
];

function ntCreateRequest(f: Fields, m: Smb1Msg): void {
  createdFid(f, m);
  const w = andxWords(f, m, [24]);
  if (w < 0) return;
  reserved(f, 1);
  const nlen = f.uint("smb.file_name_len", "File Name Len", 2);
  const create = ntCreateCore(f);
  f.uint("smb.impersonation.level", "Impersonation", 4, { vals: IMPERSONATION });
  f.bitmask("smb.security.flags", "Security Flags", 1, SECURITY_FLAGS);
  const { end } = bcc(f);
  let name = "";
  bounded(f, end, () => {
    name = smbString(f, m, "smb.file", "File Name", { len: undefined });
    if (f.c.remaining > 0) f.bytes("smb.extra_byte_parameters", "Extra byte parameters", f.c.remaining);
  });
  toEnd(f, end);
  void nlen;
  m.rec.path = name;
  m.rec.extra = { ...m.rec.extra, ...create };
  m.info.path = name;
  m.info.detail = CREATE_DISPOSITION[create.disposition]?.split(" ")[0] ?? String(create.disposition);
  sum(m, `, Path: ${name}`);
}

/**
 * The create parameters NT Create AndX and NT Trans create share (flags through create options),
 * which Wireshark repeats under every later use of the FID.
 */
export function ntCreateCore(f: Fields): Smb1CreateParams {
  const flags = createFlags(f);
  f.uint("smb.rfid", "Root FID", 4, { base: "hex" });
  const access = accessMask(f);
  f.u64("smb.alloc_size64", "Allocation Size");
  const attrs = fileAttributes(f);
  const share = shareAccess(f);
  const disposition = f.uint("smb.create.disposition", "Disposition", 4, { vals: CREATE_DISPOSITION });
  const options = createOptions(f);
  return { flags, access, attrs, share, disposition, options };
}

const IPC_STATE_BITS: readonly BitSpec[] = [
  {
    name: "smb.ipc_state.nonblocking",
    label: "Nonblocking",
    mask: 0x8000,
    t: "Reads/writes return immediately if no data available",
    f: "Reads/writes block if no data available",
  },
  {
    name: "smb.ipc_state.endpoint",
    label: "Endpoint",
    mask: 0x4000,
    vals: { 0: "Consumer end of pipe", 1: "Server end of pipe" },
  },
  {
    name: "smb.ipc_state.pipe_type",
    label: "Pipe Type",
    mask: 0x0c00,
    vals: { 0: "Byte stream pipe", 1: "Message pipe" },
  },
  {
    name: "smb.ipc_state.read_mode",
    label: "Read Mode",
    mask: 0x0300,
    vals: { 0: "Read pipe as a byte stream", 1: "Read messages from pipe" },
  },
  { name: "smb.ipc_state.icount", label: "Icount", mask: 0x00ff },
];

export function ipcState(f: Fields): void {
  const v = f.bitmask("smb.ipc_state", "IPC State", 2, IPC_STATE_BITS);
  if (f.light) return;
  const n = f.nodes[f.nodes.length - 1]!;
  const ep = (v >> 14) & 1 ? "Server end of pipe" : "Consumer end of pipe";
  const pt = ((v >> 10) & 3) === 1 ? "Message pipe" : ((v >> 10) & 3) === 0 ? "Byte stream pipe" : "Unknown";
  const rm =
    ((v >> 8) & 3) === 1
      ? "Read messages from pipe"
      : ((v >> 8) & 3) === 0
        ? "Read pipe as a byte stream"
        : "Unknown";
  const parts: string[] = [];
  if (v & 0x8000) parts.push("Nonblocking");
  parts.push(`Endpoint: ${ep}`, `Pipe Type: ${pt}`, `Read Mode: ${rm}`);
  n.label = `IPC State: ${hexN(v, 4)}, ${parts.join(", ")}`;
}

/**
 * The create parameters a create request recorded, if its record is one: a hostile capture can
 * pair a create response with another command's request.
 */
function createParams(m: Smb1Msg): Smb1CreateParams | undefined {
  const x = m.rec.extra as Partial<Smb1CreateParams> | undefined;
  const keys = ["flags", "access", "attrs", "share", "options", "disposition"] as const;
  return x && keys.every((k) => typeof x[k] === "number") ? (x as Smb1CreateParams) : undefined;
}

/** Records the FID a create response returns, with the request's name and create parameters. */
export function registerOpen(m: Smb1Msg, fid: number, bare = false): void {
  if (!m.ctx.first || !m.pdu.frame) return;
  const x = createParams(m);
  const t = m.ctx.state.tree(m.ctx.conn, m.h.tid, m.ctx.frame, m.ctx.first);
  m.ctx.state.addFile(m.ctx.conn, {
    tid: m.h.tid,
    fid,
    name: m.rec.path ?? "",
    openFrame: m.ctx.frame,
    create: x,
    pipe: t?.service === "IPC",
    bare,
  });
  m.rec.extra = { ...m.rec.extra, respFid: fid };
}

/**
 * Times, attributes, sizes and type of newly opened `fid` (NT Create AndX, NT Trans create); a
 * directory is recorded as one.
 */
export function openResult(f: Fields, m: Smb1Msg, fid: number): void {
  smbFileTimes(f);
  fileAttributes(f);
  f.u64("smb.alloc_size64", "Allocation Size");
  f.u64("smb.end_of_file", "End Of File");
  f.uint("smb.file_type", "File Type", 2, { vals: FILE_TYPE });
  ipcState(f);
  const dir = f.uint("smb.is_directory", "Is Directory", 1, {
    vals: { 0: "This is NOT a directory", 1: "This is a DIRECTORY" },
  });
  if (dir && m.ctx.first && m.pdu.frame) {
    const r = fileOf(m, fid);
    if (r) r.dir = true;
  }
}

function ntCreateResponse(f: Fields, m: Smb1Msg): void {
  if (f.c.has(1) && f.c.peekU8() === 0 && m.pdu.frame) {
    // An error response has no FID; Wireshark still records FID 0 for the request's name,
    // opened and closed in this frame.
    if (m.ctx.first)
      m.ctx.state.addFile(m.ctx.conn, {
        tid: m.h.tid,
        fid: 0,
        name: m.rec.path ?? "",
        openFrame: m.ctx.frame,
        closeFrame: m.ctx.frame,
        create: createParams(m),
        failed: true,
      });
    fidNode(f, m, { generated: 0 });
    sum(m, ", FID: 0x0000");
    emptyBody(f);
    return;
  }
  const w = andxWords(f, m, [34, 42, 50]);
  if (w < 0) return;
  f.uint("smb.oplock.level", "Oplock level", 1, { vals: OPLOCK_LEVEL });
  const fid = f.c.peekU16();
  registerOpen(m, fid);
  fidNode(f, m, { full: true });
  f.uint("smb.create.action", "Create action", 4, { vals: CREATE_ACTION });
  openResult(f, m, fid);
  if (w >= 42) {
    f.guid("smb.volume_guid", "Volume GUID");
    f.u64("smb.create.file_id_64b", "Server unique 64-bit file ID", { base: "hex" });
    f.tree("smbcmp.smb.max_access", "Maximal Access Rights", () => accessMask(f));
    f.tree("smbcmp.smb.guest_max_access", "Guest Maximal Access Rights", () => accessMask(f));
  }
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

// ---------------------------------------------------------------- open AndX (0x2d)

export const OPEN_FLAGS: readonly BitSpec[] = [
  {
    name: "smb.open.flags.add_info",
    label: "Additional Info",
    mask: 0x1,
    t: "Additional information requested",
    f: "Additional information not requested",
  },
  {
    name: "smb.open.flags.ex_oplock",
    label: "Exclusive Oplock",
    mask: 0x2,
    t: "Exclusive oplock requested",
    f: "Exclusive oplock not requested",
  },
  {
    name: "smb.open.flags.batch_oplock",
    label: "Batch Oplock",
    mask: 0x4,
    t: "Batch oplock requested",
    f: "Batch oplock not requested",
  },
];

/** TRANS2_OPEN2's flags: Open AndX's, and whether the EAs' total length is wanted (MS-CIFS 2.2.6.1.1). */
export const OPEN2_FLAGS: readonly BitSpec[] = [
  ...OPEN_FLAGS,
  {
    name: "smb.open.flags.ealen",
    label: "Total EA Len",
    mask: 0x8,
    t: "Total length of EAs requested",
    f: "Total length of EAs not requested",
  },
];

/** AccessMode of Open AndX (MS-CIFS 2.2.4.41.1): access, sharing, locality, caching, write-through. */
export const ACCESS_MODE: readonly BitSpec[] = [
  {
    name: "smb.access.writethrough",
    label: "Writethrough",
    mask: 0x4000,
    t: "Write through enabled",
    f: "Write through disabled",
  },
  {
    name: "smb.access.caching",
    label: "Caching",
    mask: 0x1000,
    t: "Do not cache this file",
    f: "Caching permitted on this file",
  },
  {
    name: "smb.access.locality",
    label: "Locality",
    mask: 0x0700,
    vals: {
      0: "Locality of reference unknown",
      1: "Mainly sequential access",
      2: "Mainly random access",
      3: "Random access with some locality",
    },
  },
  {
    name: "smb.access.sharing",
    label: "Sharing Mode",
    mask: 0x0070,
    vals: {
      0: "Compatibility mode",
      1: "Deny read/write/execute (exclusive)",
      2: "Deny write",
      3: "Deny read/execute",
      4: "Deny none",
    },
  },
  {
    name: "smb.access.mode",
    label: "Access Mode",
    mask: 0x0007,
    vals: {
      0: "Open for reading",
      1: "Open for writing",
      2: "Open for reading and writing",
      3: "Open for execute",
    },
  },
];

export const OPEN_FUNCTION: readonly BitSpec[] = [
  {
    name: "smb.open.function.create",
    label: "Create",
    mask: 0x10,
    t: "Create file if it does not exist",
    f: "Fail if file does not exist",
  },
  {
    name: "smb.open.function.open",
    label: "Open",
    mask: 0x3,
    vals: { 0: "Fail if file exists", 1: "Open file if it exists", 2: "Truncate file if it exists" },
  },
];

export const OPEN_ACTION: readonly BitSpec[] = [
  {
    name: "smb.open.action.lock",
    label: "Exclusive Open",
    mask: 0x8000,
    t: "File is currently opened only by this user",
    f: "File is opened by another user (or mode not supported by server)",
  },
  {
    name: "smb.open.action.open",
    label: "Open Action",
    mask: 0x3,
    vals: {
      0: "No action taken?",
      1: "The file existed and was opened",
      2: "The file did not exist but was created",
      3: "The file existed and was truncated",
    },
  },
];

/**
 * The FID a create request's response returned, as Wireshark's second pass shows it in the
 * request: with what it knows of that FID at the request (an earlier open of the same number),
 * else a bare generated `FID: 0x…`.
 */
export function createdFid(f: Fields, m: Smb1Msg): void {
  const fid = m.rec.extra?.respFid as number | undefined;
  if (fid === undefined || m.ctx.first) return;
  if (known(m, fid)) {
    fidNode(f, m, { generated: fid });
    return;
  }
  if (f.light) return;
  const show = hexN(fid, 4);
  f.add(node("smb.fid", `FID: ${show}`, show, fid, -1, 0, FieldFlag.Generated));
}

/**
 * Records the FID an Open AndX or core open/create response returns. Wireshark lists (zero) NT
 * create parameters under such a FID too; `bare`: neither name nor parameters (Create Temporary).
 */
function coreOpened(m: Smb1Msg, fid: number, bare = false, attrs = 0): void {
  if (!m.ctx.first || !m.pdu.frame) return;
  const t = m.ctx.state.tree(m.ctx.conn, m.h.tid, m.ctx.frame, m.ctx.first);
  m.ctx.state.addFile(m.ctx.conn, {
    tid: m.h.tid,
    fid,
    name: m.rec.path ?? "",
    openFrame: m.ctx.frame,
    create: { flags: 0, access: 0, attrs, share: 0, options: 0, disposition: 0 },
    pipe: t?.service === "IPC",
    bare,
  });
  m.rec.extra = { ...m.rec.extra, respFid: fid };
}

function openAndxRequest(f: Fields, m: Smb1Msg): void {
  createdFid(f, m);
  const w = andxWords(f, m, [15]);
  if (w < 0) return;
  f.bitmask("smb.open.flags", "Flags", 2, OPEN_FLAGS);
  namedBits(f, "smb.access.desired", "Desired Access", 2, ACCESS_MODE);
  searchAttributes(f);
  fileAttributes(f, 2);
  utime(f, "smb.create.time", "Created");
  namedBits(f, "smb.open.function", "Open Function", 2, OPEN_FUNCTION);
  f.uint("smb.alloc_size", "Allocation Size", 4);
  timeout(f);
  reserved(f, 4);
  const { end } = bcc(f);
  let name = "";
  bounded(f, end, () => {
    name = smbString(f, m, "smb.file", "File Name");
  });
  toEnd(f, end);
  m.rec.path = name;
  m.info.path = name;
  sum(m, `, Path: ${name}`);
}

/** What an Open AndX or TRANS2_OPEN2 response says of the open: access granted, file type, IPC state, action taken. */
export function openOutcome(f: Fields): void {
  namedBits(f, "smb.access.granted", "Granted Access", 2, ACCESS_MODE);
  f.uint("smb.file_type", "File Type", 2, { vals: FILE_TYPE });
  ipcState(f);
  namedBits(f, "smb.open.action", "Action", 2, OPEN_ACTION);
}

function openAndxResponse(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [15, 19]);
  if (w < 0) return;
  const fid = f.c.peekU16();
  coreOpened(m, fid);
  fidNode(f, m, { full: true });
  fileAttributes(f, 2);
  utime(f, "smb.last_write.time", "Last Write");
  f.uint("smb.file_size", "File Size", 4);
  openOutcome(f);
  f.uint("smb.server_fid", "Server FID", 4, { base: "hex" });
  reserved(f, 2);
  if (w === 19) {
    // MS-SMB 2.2.4.1.2: the extended response adds the maximal access rights.
    f.tree("smbcmp.smb.max_access", "Maximal Access Rights", () => accessMask(f));
    f.tree("smbcmp.smb.guest_max_access", "Guest Maximal Access Rights", () => accessMask(f));
  }
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

// ---------------------------------------------------------------- read / write AndX

function rw(f: Fields, offset: number, len: number): void {
  if (f.light) return;
  f.add(gen("smb.file.rw.offset", "File Offset", offset));
  f.add(gen("smb.file.rw.length", "File RW Length", len));
}

function readAndxRequest(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [10, 12]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  let off = f.uint("smb.offset", "Offset", 4);
  const lo = f.uint("smb.maxcount_low", "Max Count Low", 2);
  f.uint("smb.mincount", "Min Count", 2);
  // 0xffffffff here is a timeout (MS-SMB 2.2.4.2.1), not a count: Wireshark shows no field.
  const hiRaw = f.c.has(4) ? f.c.peekU32() : 0;
  let hi = 0;
  if (hiRaw === 0xffffffff) f.c.skip(4);
  else hi = f.uint("smb.maxcount_high", "Max Count High (multiply with 64K)", 4);
  f.uint("smb.remaining", "Remaining", 2);
  if (w === 12) off += f.uint("smb.offset_high", "High Offset", 4) * 2 ** 32;
  const len = lo + (hi & 0xffff) * 65536;
  rw(f, off, len);
  bccRaw(f);
  m.rec.offset = off;
  m.rec.extra = { len };
  sum(m, `, FID: ${hexN(fid, 4)}, ${bytesText(len)} at offset ${off}`);
}

function isPipe(m: Smb1Msg, fid: number | undefined): boolean {
  if (fid === undefined) return false;
  const r = fileOf(m, fid);
  if (r?.pipe !== undefined) return r.pipe;
  return m.ctx.state.tree(m.ctx.conn, m.h.tid, m.ctx.frame, m.ctx.first)?.service === "IPC";
}

function readAndxResponse(f: Fields, m: Smb1Msg): void {
  const fid = m.rec.fid;
  if (fid !== undefined) fidNode(f, m, { generated: fid });
  const w = andxWords(f, m, [12]);
  if (w < 0) {
    if (fid !== undefined && known(m, fid)) sum(m, `, FID: ${hexN(fid, 4)}`);
    return;
  }
  const reqLen = (m.rec.extra?.len as number | undefined) ?? 0;
  if (m.rec.offset !== undefined) rw(f, m.rec.offset, reqLen);
  f.uint("smb.remaining", "Remaining", 2);
  f.uint("smb.dcm", "Data Compaction Mode", 2);
  reserved(f, 2);
  const lo = f.uint("smb.data_len_low", "Data Length Low", 2);
  const doff = f.uint("smb.data_offset", "Data Offset", 2);
  const hi = f.uint("smb.data_len_high", "Data Length High (multiply with 64K)", 4);
  reserved(f, 6);
  const { end } = bcc(f);
  const len = lo + (hi & 0xffff) * 65536;
  const dat = m.h.at + doff;
  if (dat > f.c.pos && dat <= f.c.end) f.bytes("smb.padding", "Padding", dat - f.c.pos);
  const avail = Math.min(len, f.c.end - f.c.pos);
  if (avail > 0 && !isPipe(m, fid)) f.bytes("smb.file_data", "File Data", avail);
  else if (avail > 0) {
    pipeRpc(f, m, fid, f.c.pos, avail);
    f.c.skip(avail);
  }
  toEnd(f, end);
  sum(m, `${fid !== undefined && known(m, fid) ? `, FID: ${hexN(fid, 4)}` : ""}, ${bytesText(len)}`);
}

const WRITE_MODE: readonly BitSpec[] = [
  {
    name: "smb.write.mode.message_start",
    label: "Message Start",
    mask: 0x8,
    t: "This is the START of a MESSAGE (pipe)",
    f: "This is NOT the start of a message (pipe)",
  },
  {
    name: "smb.write.mode.raw",
    label: "Write Raw",
    mask: 0x4,
    t: "Use WriteRawNamedPipe (pipe)",
    f: "DON'T use WriteRawNamedPipe (pipe)",
  },
  {
    name: "smb.write.mode.return_remaining",
    label: "Return Remaining",
    mask: 0x2,
    t: "RETURN remaining (pipe/dev)",
    f: "DON'T return remaining (pipe/dev)",
  },
  {
    name: "smb.write.mode.write_through",
    label: "Write Through",
    mask: 0x1,
    t: "WRITE THROUGH requested",
    f: "Write through not requested",
  },
];

function writeAndxRequest(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [12, 14]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  let off = f.uint("smb.offset", "Offset", 4);
  reserved(f, 4);
  plainBits(f, "smb.write.mode", "Write Mode", 2, WRITE_MODE);
  f.uint("smb.remaining", "Remaining", 2);
  const hi = f.uint("smb.data_len_high", "Data Length High (multiply with 64K)", 2);
  const lo = f.uint("smb.data_len_low", "Data Length Low", 2);
  const doff = f.uint("smb.data_offset", "Data Offset", 2);
  if (w === 14) off += f.uint("smb.offset_high", "High Offset", 4) * 2 ** 32;
  const len = lo + hi * 65536;
  rw(f, off, len);
  const { end } = bcc(f);
  const dat = m.h.at + doff;
  if (dat > f.c.pos && dat <= f.c.end) f.bytes("smb.padding", "Padding", dat - f.c.pos);
  const avail = Math.min(len, f.c.end - f.c.pos);
  if (avail > 0 && !isPipe(m, fid)) f.bytes("smb.file_data", "File Data", avail);
  else if (avail > 0) {
    pipeRpc(f, m, fid, f.c.pos, avail);
    f.c.skip(avail);
  }
  toEnd(f, end);
  m.rec.offset = off;
  m.rec.extra = { len };
  sum(m, `, FID: ${hexN(fid, 4)}, ${bytesText(len)} at offset ${off}`);
}

function writeAndxResponse(f: Fields, m: Smb1Msg): void {
  const fid = m.rec.fid;
  if (fid !== undefined) fidNode(f, m, { generated: fid });
  const w = andxWords(f, m, [6]);
  if (w < 0) {
    if (fid !== undefined && known(m, fid)) sum(m, `, FID: ${hexN(fid, 4)}`);
    return;
  }
  if (m.rec.offset !== undefined) rw(f, m.rec.offset, (m.rec.extra?.len as number | undefined) ?? 0);
  const lo = f.uint("smb.count_low", "Count Low", 2);
  f.uint("smb.remaining", "Remaining", 2);
  const hi = f.uint("smb.count_high", "Count High (multiply with 64K)", 2);
  reserved(f, 2);
  bccRaw(f);
  sum(
    m,
    `${fid !== undefined && known(m, fid) ? `, FID: ${hexN(fid, 4)}` : ""}, ${bytesText(lo + hi * 65536)}`,
  );
}

// ---------------------------------------------------------------- close (0x04), flush (0x05)

function closeRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [3]);
  if (w < 0) return;
  const fid = f.c.peekU16();
  closing(m, fid);
  fidNode(f, m);
  utime(f, "smb.last_write.time", "Last Write");
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

/** Records the frame that closes `fid` (Wireshark's "Closed in": the latest close request). */
function closing(m: Smb1Msg, fid: number): void {
  if (!m.ctx.first) return;
  const r = fileOf(m, fid);
  if (r) r.closeFrame = m.ctx.frame;
}

function fidResponse(f: Fields, m: Smb1Msg): void {
  const fid = m.rec.fid;
  // Error responses (no words) do not repeat the FID.
  if (fid !== undefined && known(m, fid)) {
    fidNode(f, m, { generated: fid });
    sum(m, `, FID: ${hexN(fid, 4)}`);
  }
  emptyBody(f);
}

function fidRequest(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  if (w < 1) {
    bccRaw(f);
    return;
  }
  const fid = fidNode(f, m);
  rawWords(f, w - 1);
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

// ---------------------------------------------------------------- locking AndX (0x24)

const LOCK_TYPE: readonly BitSpec[] = [
  {
    name: "smb.lock.type.large",
    label: "Large Files",
    mask: 0x10,
    t: "Large file locking format requested",
    f: "Large file locking format not requested",
  },
  {
    name: "smb.lock.type.cancel",
    label: "Cancel",
    mask: 0x8,
    t: "Cancel outstanding lock request",
    f: "Don't cancel outstanding lock request",
  },
  {
    name: "smb.lock.type.change",
    label: "Change",
    mask: 0x4,
    t: "Change lock type",
    f: "Don't change lock type",
  },
  {
    name: "smb.lock.type.oplock_release",
    label: "Oplock Break",
    mask: 0x2,
    t: "This is an oplock break notification/response",
    f: "This is not an oplock break notification/response",
  },
  {
    name: "smb.lock.type.shared",
    label: "Shared",
    mask: 0x1,
    t: "This is a shared lock",
    f: "This is an exclusive lock",
  },
];

const LOCK_OPLOCK: Readonly<Record<number, string>> = {
  0: "Client is not holding oplock on this file",
  1: "Level 2 oplock currently held by client",
};

export function timeout(f: Fields): void {
  const v = f.uint("smb.timeout", "Timeout", 4);
  let text: string;
  if (v === 0) text = "Return immediately (0)";
  else if (v === 0xffffffff) text = "Wait indefinitely (-1)";
  else if (v === 0xfffffffe) text = "Default timeout (-2)";
  else text = `${(v / 1000).toString()} second${v === 1000 ? "" : "s"}`;
  relabel(f, `Timeout: ${text}`);
}

function lockingRequest(f: Fields, m: Smb1Msg): void {
  const w = andxWords(f, m, [8]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  const type = f.bitmask("smb.lock.type", "Lock Type", 1, LOCK_TYPE);
  const oplock = f.uint("smb.locking.oplock.level", "Oplock Level", 1, { vals: LOCK_OPLOCK });
  timeout(f);
  const nu = f.uint("smb.locking.num_unlocks", "Number of Unlocks", 2);
  const nl = f.uint("smb.locking.num_locks", "Number of Locks", 2);
  const { end } = bcc(f);
  const large = (type & 0x10) !== 0;
  const lockList: LockRange[] = [];
  const unlockList: LockRange[] = [];
  const ranges = (title: string, item: string, n: number) => {
    if (!n) return;
    f.tree(`smbcmp.smb.${title.toLowerCase()}`, title, () => {
      for (let i = 0; i < n; i++)
        f.tree(`smbcmp.smb.${item.toLowerCase()}`, item, () => {
          const pid = f.uint("smb.pid", "Process ID", 2);
          if (!large) {
            // Wireshark names the 32-bit range fields like the core commands' and does not repeat
            // them under the response.
            f.uint("smb.offset", "Offset", 4);
            f.uint("smb.count", "Count", 4);
            return;
          }
          reserved(f, 2);
          const oh = f.c.peekU32();
          const ol = f.c.peekU32(f.c.pos + 4);
          const off = lockU64(f, "smb.lock.offset", "Offset", oh, ol, 8);
          const lh = f.c.peekU32();
          const ll = f.c.peekU32(f.c.pos + 4);
          const len = lockU64(f, "smb.lock.length", "Length", lh, ll, 8);
          (item === "Lock" ? lockList : unlockList).push({ pid, off: off.toString(), len: len.toString() });
        });
    });
  };
  bounded(f, end, () => {
    ranges("Unlocks", "Unlock", nu);
    ranges("Locks", "Lock", nl);
  });
  toEnd(f, end);
  // tshark repeats no lock parameters under the (error) response to an oplock break release.
  if (!(type & 0x2))
    m.rec.extra = { lock: { type, oplock, nu, nl, locks: lockList, unlocks: unlockList } satisfies LockInfo };
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

interface LockRange {
  pid: number;
  off: string;
  len: string;
}

interface LockInfo {
  type: number;
  oplock: number;
  nu: number;
  nl: number;
  locks: LockRange[];
  unlocks: LockRange[];
}

/** A 64-bit value stored as high then low 32-bit halves (large lock ranges). */
function lockU64(f: Fields, name: string, label: string, hi: number, lo: number, size: number): bigint {
  const at = f.c.pos;
  f.c.skip(size);
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  if (!f.light) f.add(node(name, `${label}: ${v}`, v.toString(), v.toString(), at, size));
  return v;
}

/** Wireshark repeats the request's lock parameters under the response's Lock Type. */
function lockSummaryNode(f: Fields, x: LockInfo): void {
  if (f.light) return;
  const n = Fields.bitmaskNode("smb.lock.type", "Lock Type", x.type, 1, -1, LOCK_TYPE);
  n.label = `Lock Type: ${hexN(x.type, 2)}`;
  n.flags = FieldFlag.Generated;
  const kids = n.children!;
  const u = (name: string, label: string, v: number, vals?: Readonly<Record<number, string>>) =>
    kids.push(node(name, Fields.uintLabel(label, v, 1, { vals }), String(v), v, -1, 0, FieldFlag.Generated));
  u("smb.locking.oplock.level", "Oplock Level", x.oplock, LOCK_OPLOCK);
  u("smb.locking.num_unlocks", "Number of Unlocks", x.nu);
  u("smb.locking.num_locks", "Number of Locks", x.nl);
  const list = (title: string, ranges: LockRange[]) => {
    const t = node(
      `smbcmp.smb.${title.toLowerCase()}`,
      title,
      "",
      "",
      -1,
      0,
      FieldFlag.Generated | FieldFlag.Text,
    );
    t.children = [];
    for (const r of ranges) {
      t.children.push(gen("smb.pid", "Process ID", r.pid));
      t.children.push(node("smb.lock.offset", `Offset: ${r.off}`, r.off, r.off, -1, 0, FieldFlag.Generated));
      t.children.push(node("smb.lock.length", `Length: ${r.len}`, r.len, r.len, -1, 0, FieldFlag.Generated));
    }
    kids.push(t);
  };
  list("Locks", x.locks);
  list("Unlocks", x.unlocks);
  f.add(n);
}

function lockingResponse(f: Fields, m: Smb1Msg): void {
  const fid = m.rec.fid;
  if (fid !== undefined) fidNode(f, m, { generated: fid });
  const lk = m.rec.extra?.lock as LockInfo | undefined;
  if (lk) lockSummaryNode(f, lk);
  const w = wct(f);
  if (w === 2) {
    setNext(f, m, f.c.pos - 1);
    andx(f);
  } else rawWords(f, w);
  bccRaw(f);
  if (fid !== undefined) sum(m, `, FID: ${hexN(fid, 4)}`);
}

// ---------------------------------------------------------------- small commands

function echoRequest(f: Fields): void {
  const w = wct(f);
  if (w === 1) f.uint("smb.echo.count", "Echo Count", 2);
  else rawWords(f, w);
  const { n } = bcc(f);
  if (n > 0) f.bytes("smb.echo.data", "Echo Data", Math.min(n, f.c.remaining));
}

function echoResponse(f: Fields): void {
  const w = wct(f);
  if (w === 1) f.uint("smb.echo.seq_num", "Echo Seq Num", 2);
  else rawWords(f, w);
  const { n } = bcc(f);
  if (n > 0) f.bytes("smb.echo.data", "Echo Data", Math.min(n, f.c.remaining));
}

function andxOnly(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  if (w >= 2) {
    setNext(f, m, f.c.pos - 1);
    andx(f);
    rawWords(f, w - 2);
  } else rawWords(f, w);
  bccRaw(f);
}

/** Commands whose byte block is a buffer format byte plus a path name. */
function pathCommand(fieldName: string, label: string, summaryLabel: string, words?: (f: Fields) => void) {
  return (f: Fields, m: Smb1Msg): void => {
    const w = wct(f);
    if (words && w > 0) words(f);
    else rawWords(f, w);
    const { end } = bcc(f);
    let name = "";
    bounded(f, end, () => {
      if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
      if (f.c.remaining > 0) name = smbString(f, m, fieldName, label);
    });
    toEnd(f, end);
    m.rec.path = name;
    m.info.path = name;
    sum(m, `, ${summaryLabel}: ${name}`);
  };
}

const SEARCH_ATTR: readonly BitSpec[] = [
  {
    name: "smb.search.attribute.read_only",
    label: "Read Only",
    mask: 0x1,
    t: "Include READ ONLY files in search results",
    f: "Do NOT include read only files in search results",
  },
  {
    name: "smb.search.attribute.hidden",
    label: "Hidden",
    mask: 0x2,
    t: "Include HIDDEN files in search results",
    f: "Do NOT include hidden files in search results",
  },
  {
    name: "smb.search.attribute.system",
    label: "System",
    mask: 0x4,
    t: "Include SYSTEM files in search results",
    f: "Do NOT include system files in search results",
  },
  {
    name: "smb.search.attribute.volume",
    label: "Volume ID",
    mask: 0x8,
    t: "Include VOLUME IDs in search results",
    f: "Do NOT include volume IDs in search results",
  },
  {
    name: "smb.search.attribute.directory",
    label: "Directory",
    mask: 0x10,
    t: "Include DIRECTORIES in search results",
    f: "Do NOT include directories in search results",
  },
  {
    name: "smb.search.attribute.archive",
    label: "Archive",
    mask: 0x20,
    t: "Include ARCHIVE files in search results",
    f: "Do NOT include archive files in search results",
  },
];

export function searchAttributes(f: Fields): number {
  return f.bitmask("smb.search.attribute", "Search Attributes", 2, SEARCH_ATTR);
}

const NT_RENAME_LEVELS: Readonly<Record<number, string>> = {
  259: "Create Hard Link",
  260: "Rename File",
  261: "Move Cluster Information",
};

/** Rename (0x07, one word) and NT Rename (0xa5, four words: attributes, level, cluster count). */
function renameRequest(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  if (w === 1) searchAttributes(f);
  else if (w === 4 && m.cmd === 0xa5) {
    searchAttributes(f);
    const l = f.uint("smb.ntr_loi", "Level of Interest", 2, { vals: NT_RENAME_LEVELS });
    f.uint("smb.ntr_clu", "Cluster count", 4);
    m.info.detail = NT_RENAME_LEVELS[l] ?? String(l);
  } else rawWords(f, w);
  const { end } = bcc(f);
  let oldName = "";
  let newName = "";
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining > 0) oldName = smbString(f, m, "smb.old_file", "Old File Name");
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining > 0) newName = smbString(f, m, "smb.file", "File Name");
  });
  toEnd(f, end);
  m.info.path = oldName;
  m.rec.path = oldName;
  m.rec.extra = { newName };
  sum(m, `, Old Name: ${oldName}, New Name: ${newName}`);
}

/** Commands Wireshark shows undecoded (IOCTL): the words and bytes as two raw fields. */
function wordsAndBytes(f: Fields): void {
  const w = wct(f);
  if (w > 0) f.bytes("smb.word_parameters", "Word parameters", Math.min(2 * w, f.c.remaining));
  if (!f.c.has(2)) return;
  const { n } = bcc(f);
  if (n > 0) f.bytes("smb.byte_parameters", "Byte parameters", Math.min(n, f.c.remaining));
}

/** Responses to path commands repeat the request's names (generated). */
function pathResponse(f: Fields, m: Smb1Msg): void {
  // tshark repeats the names for Rename but not for NT Rename.
  if (!f.light && m.pdu.frame && m.rec.path !== undefined && m.cmd !== 0xa5) {
    const add = (name: string, label: string, v: string) => {
      const e = escShow(v);
      f.add(node(name, `${label}: ${escInfo(v)}`, e, e, -1, 0, FieldFlag.Generated));
    };
    const nn = m.rec.extra?.newName as string | undefined;
    if (nn !== undefined) {
      add("smb.old_file", "Old File Name", m.rec.path);
      add("smb.file", "File Name", nn);
    } else add("smb.file", "File Name", m.rec.path);
  }
  emptyBody(f);
}

function queryInformationResponse(f: Fields): void {
  const w = words(f, [10]);
  if (w < 0) return;
  fileAttributes(f, 2);
  utime(f, "smb.last_write.time", "Last Write");
  f.uint("smb.file_size", "File Size", 4);
  reserved(f, 10);
  bccRaw(f);
}

function treeDisconnectRequest(f: Fields, m: Smb1Msg): void {
  emptyBody(f);
  void m;
}

function ntCancelRequest(f: Fields, m: Smb1Msg): void {
  const r = m.ctx.state.requests.get(m.ctx.state.requestKey(m.ctx.conn, m.h.pid, m.h.mid));
  if (r && r.frame !== m.ctx.frame && !f.light) f.add(gen("smb.cancel_to", "Cancel to", r.frame));
  emptyBody(f);
}

function findClose2(f: Fields, m: Smb1Msg): void {
  const w = wct(f);
  if (w === 1) f.uint("smb.search_id", "Search ID", 2, { base: "hex" });
  else rawWords(f, w);
  bccRaw(f);
  void m;
}

// ---------------------------------------------------------------- core file commands

/** Open (0x02) response (MS-CIFS 2.2.4.3.2): the FID and what the open found. */
function openResponse(f: Fields, m: Smb1Msg): void {
  const w = words(f, [7]);
  if (w < 0) return;
  const fid = f.c.peekU16();
  coreOpened(m, fid);
  fidNode(f, m, { full: true });
  fileAttributes(f, 2);
  utime(f, "smb.last_write.time", "Last Write");
  f.uint("smb.file_size", "File Size", 4);
  namedBits(f, "smb.access.granted", "Granted Access", 2, ACCESS_MODE);
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

/** Create (0x03) and Create New (0x0f) responses: the FID only. */
function createResponse(f: Fields, m: Smb1Msg): void {
  const w = words(f, [1]);
  if (w < 0) return;
  const fid = f.c.peekU16();
  // Wireshark keeps the request's attributes with the FID.
  coreOpened(m, fid, false, (m.rec.extra?.attrs as number | undefined) ?? 0);
  fidNode(f, m, { full: true });
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

/** Create Temporary (0x0e) response: the FID and the name the server chose. */
function createTempResponse(f: Fields, m: Smb1Msg): void {
  const w = words(f, [1]);
  if (w < 0) return;
  const fid = f.c.peekU16();
  coreOpened(m, fid, true);
  fidNode(f, m, { full: true });
  const { end } = bcc(f);
  bounded(f, end, () => {
    // MS-CIFS puts a buffer format before the name; Samba sends the bare name.
    if (f.c.remaining > 0 && f.c.peekU8() === 4)
      f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    // An OEM name, whatever the Unicode flag says.
    if (f.c.remaining > 0) smbString(f, m, "smb.file", "File Name", { unicode: false });
  });
  toEnd(f, end);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

/** The FID a response repeats from its request (when Wireshark tracks it); for the Info column. */
function requestFid(f: Fields, m: Smb1Msg): string {
  const fid = m.rec.fid;
  if (fid === undefined) return "";
  fidNode(f, m, { generated: fid });
  return known(m, fid) ? `, FID: ${hexN(fid, 4)}` : "";
}

/** Read (0x0a) and Lock and Read (0x13) requests (MS-CIFS 2.2.4.11.1, 2.2.4.20.1). */
function readRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [5]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  const len = f.uint("smb.count", "Count", 2);
  const off = f.uint("smb.offset", "Offset", 4);
  f.uint("smb.remaining", "Remaining", 2);
  bccRaw(f);
  m.rec.offset = off;
  m.rec.extra = { len };
  sum(m, `, FID: ${hexN(fid, 4)}, ${bytesText(len)} at offset ${off}`);
}

/** Their responses: a count and a data block; Read also repeats the request's range. */
function readResponse(f: Fields, m: Smb1Msg): void {
  const info = requestFid(f, m);
  const w = words(f, [5]);
  if (w >= 0) {
    f.uint("smb.count", "Count", 2);
    reserved(f, 8);
    dataBlock(f);
    if (m.cmd === 0x0a && m.rec.offset !== undefined)
      rw(f, m.rec.offset, (m.rec.extra?.len as number | undefined) ?? 0);
  }
  sum(m, info);
}

/** A data buffer (MS-CIFS 2.2.1.2: buffer format 1, length, bytes) filling the byte block. */
function dataBlock(f: Fields): void {
  const { end } = bcc(f);
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining <= 0) return;
    const n = f.uint("smb.data_len", "Data Length", 2);
    if (n > 0) f.bytes("smb.file_data", "File Data", Math.min(n, f.c.remaining));
  });
  toEnd(f, end);
}

/** Write (0x0b) and Write and Unlock (0x14) requests (MS-CIFS 2.2.4.12.1, 2.2.4.21.1). */
function writeRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [5]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  const len = f.uint("smb.count", "Count", 2);
  const off = f.uint("smb.offset", "Offset", 4);
  rw(f, off, len);
  f.uint("smb.remaining", "Remaining", 2);
  dataBlock(f);
  m.rec.offset = off;
  m.rec.extra = { len };
  sum(m, `, FID: ${hexN(fid, 4)}, ${bytesText(len)} at offset ${off}`);
}

function writeResponse(f: Fields, m: Smb1Msg): void {
  const info = requestFid(f, m);
  const w = words(f, [1]);
  if (w < 0) {
    sum(m, info);
    return;
  }
  const n = f.uint("smb.count", "Count", 2);
  if (m.rec.offset !== undefined) rw(f, m.rec.offset, (m.rec.extra?.len as number | undefined) ?? 0);
  bccRaw(f);
  sum(m, `${info}, ${bytesText(n)}`);
}

/** Lock (0x0c) and Unlock (0x0d) Byte Range requests: a 32-bit count and offset. */
function byteRangeRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [5]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  f.uint("smb.count", "Count", 4);
  f.uint("smb.offset", "Offset", 4);
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

const SEEK_MODE: Readonly<Record<number, string>> = {
  0: "From Start Of File",
  1: "From Current Position",
  2: "From End Of File",
};

function seekRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [4]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  f.uint("smb.seek_mode", "Seek Mode", 2, { vals: SEEK_MODE });
  f.uint("smb.offset", "Offset", 4);
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

function seekResponse(f: Fields, m: Smb1Msg): void {
  sum(m, requestFid(f, m));
  const w = words(f, [2]);
  if (w < 0) return;
  f.uint("smb.offset", "Offset", 4);
  bccRaw(f);
}

/** Read Raw (0x1a) request; its response is raw data outside SMB. */
function readRawRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [8, 10]);
  if (w < 0) return;
  const fid = fidNode(f, m);
  f.uint("smb.offset", "Offset", 4);
  f.uint("smb.maxcount", "Max Count", 2);
  f.uint("smb.mincount", "Min Count", 2);
  timeout(f);
  reserved(f, 2);
  if (w === 10) f.uint("smb.offset_high", "High Offset", 4);
  bccRaw(f);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

/** Write and Close (0x2c, MS-CIFS 2.2.4.40.1): a write, then the FID is closed. */
function writeCloseRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [6, 12]);
  if (w < 0) return;
  const fid = f.c.peekU16();
  closing(m, fid);
  fidNode(f, m);
  const n = f.uint("smb.count", "Count", 2);
  f.uint("smb.offset", "Offset", 4);
  utime(f, "smb.last_write.time", "Last Write");
  if (w === 12) reserved(f, 12);
  const { end } = bcc(f);
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.bytes("smb.padding", "Padding", 1);
    f.bytes("smb.file_data", "File Data", Math.min(n, f.c.remaining));
  });
  toEnd(f, end);
  sum(m, `, FID: ${hexN(fid, 4)}`);
}

function countResponse(f: Fields, m: Smb1Msg): void {
  sum(m, requestFid(f, m));
  const w = words(f, [1]);
  if (w < 0) return;
  f.uint("smb.count", "Count", 2);
  bccRaw(f);
}

/** Query Information2 (0x23) response (MS-CIFS 2.2.4.31.2): DOS times, sizes, attributes. */
function queryInfo2Response(f: Fields, m: Smb1Msg): void {
  sum(m, requestFid(f, m));
  const w = words(f, [11]);
  if (w < 0) return;
  const t = (name: string, label: string) =>
    dosDateTime(f, `smb.${name}.time`, label, false, {
      time: `smb.${name}.smb.time`,
      date: `smb.${name}.smb.date`,
    });
  t("create", "Created");
  t("access", "Last Access");
  t("last_write", "Last Write");
  f.uint("smb.data_size", "Data Size", 4);
  f.uint("smb.alloc_size", "Allocation Size", 4);
  fileAttributes(f, 2);
  bccRaw(f);
}

/** Set Information (0x09) request (MS-CIFS 2.2.4.10.1): attributes and time for a path. */
function setInformationRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [8]);
  if (w < 0) return;
  fileAttributes(f, 2);
  utime(f, "smb.last_write.time", "Last Write");
  reserved(f, 10);
  const { end } = bcc(f);
  let name = "";
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining > 0) name = smbString(f, m, "smb.file", "File Name");
    if (f.c.remaining > 0) f.bytes("smb.extra_byte_parameters", "Extra byte parameters", f.c.remaining);
  });
  toEnd(f, end);
  m.rec.path = name;
  m.info.path = name;
  sum(m, `, Path: ${name}`);
}

// ---------------------------------------------------------------- search, find (0x81-0x84)

/**
 * SMB_Resume_Key (MS-CIFS 2.2.4.58.1): a reserved byte, the server's 16 bytes of state (an 8.3
 * name, then for Find a find ID byte) and the client's 4 bytes. Wireshark splits the server state
 * like this, and keeps Search's 5 bytes after the name as one cookie.
 */
function resumeKey(f: Fields, m: Smb1Msg): void {
  f.tree("smbcmp.smb.resume_key", "Resume Key", () => {
    reserved(f, 1);
    smbString(f, m, "smb.file", "File Name", { unicode: false, len: 11 });
    if (m.cmd === 0x81) f.bytes("smb.resume.server.cookie", "Server Cookie", 5);
    else {
      f.uint("smb.resume.find_id", "Find ID", 1, { base: "hex" });
      f.bytes("smb.resume.server.cookie", "Server Cookie", 4);
    }
    f.bytes("smb.resume.client.cookie", "Client Cookie", 4);
  });
}

function openWords(f: Fields): void {
  namedBits(f, "smb.access.desired", "Desired Access", 2, ACCESS_MODE);
  searchAttributes(f);
}

/** Create (0x03) and Create New (0x0f) requests: attributes, creation time, path. */
function createRequest(f: Fields, m: Smb1Msg): void {
  createdFid(f, m);
  pathCommand("smb.file", "File Name", "Path", (f) => {
    m.rec.extra = { ...m.rec.extra, attrs: fileAttributes(f, 2) };
    utime(f, "smb.create.time", "Created");
  })(f, m);
}

function createTempWords(f: Fields): void {
  reserved(f, 2);
  utime(f, "smb.create.time", "Created");
}

/** A create request shows the FID its response returned, before its words. */
function withCreatedFid(fn: (f: Fields, m: Smb1Msg) => void) {
  return (f: Fields, m: Smb1Msg): void => {
    createdFid(f, m);
    fn(f, m);
  };
}

/** Search, Find, Find Unique and Find Close requests (MS-CIFS 2.2.4.58.1-2.2.4.61.1) share a layout. */
function searchRequest(f: Fields, m: Smb1Msg): void {
  const w = words(f, [2]);
  if (w < 0) return;
  f.uint("smb.maxcount", "Max Count", 2);
  searchAttributes(f);
  const { end } = bcc(f);
  let name = "";
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining > 0) name = smbString(f, m, "smb.file", "File Name");
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining > 0 && f.uint("smb.resume.key_len", "Resume Key Length", 2) > 0) resumeKey(f, m);
  });
  toEnd(f, end);
  if (name) m.info.path = name;
  sum(m, `, File: ${name}`);
}

/** Their responses: a count of 43-byte SMB_Directory_Information entries (MS-CIFS 2.2.4.58.2). */
function searchResponse(f: Fields, m: Smb1Msg): void {
  const w = words(f, [1]);
  if (w < 0) return;
  const count = f.uint("smb.count", "Count", 2);
  const { end } = bcc(f);
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining <= 0) return;
    const len = f.uint("smb.data_len", "Data Length", 2);
    bounded(f, Math.min(f.c.end, f.c.pos + len), () => {
      for (let i = 0; i < count && f.c.remaining > 0; i++)
        f.tree("smbcmp.smb.dir_info", "Directory Information", () => {
          resumeKey(f, m);
          f.bitmask("smb.file_attribute", "File Attributes", 1, FILE_ATTR16_BITS);
          dosDateTime(f, "smb.last_write.time", "Last Write", true, {
            time: "smb.last_write.smb.time",
            date: "smb.last_write.smb.date",
          });
          f.uint("smb.file_size", "File Size", 4);
          smbString(f, m, "smb.file", "File Name", { unicode: false, len: 13 });
        });
    });
  });
  toEnd(f, end);
}

/** Find Close response (MS-CIFS 2.2.4.61.2): its one word, which Wireshark shows as reserved. */
function findCloseResponse(f: Fields): void {
  const w = words(f, [1]);
  if (w < 0) return;
  reserved(f, 2);
  const { end } = bcc(f);
  bounded(f, end, () => {
    if (f.c.remaining > 0) f.uint("smb.buffer_format", "Buffer Format", 1, { vals: BUFFER_FORMAT });
    if (f.c.remaining > 0) f.uint("smb.data_len", "Data Length", 2);
  });
  toEnd(f, end);
}

export const COMMANDS: Readonly<Record<number, Smb1Command>> = {
  0: { request: pathCommand("smb.dir_name", "Directory", "Directory"), response: pathResponse },
  1: { request: pathCommand("smb.dir_name", "Directory", "Directory"), response: pathResponse },
  2: {
    request: withCreatedFid(pathCommand("smb.file", "File Name", "Path", openWords)),
    response: openResponse,
  },
  3: {
    request: createRequest,
    response: createResponse,
  },
  15: {
    request: createRequest,
    response: createResponse,
  },
  14: {
    request: withCreatedFid(pathCommand("smb.dir_name", "Directory", "Path", createTempWords)),
    response: createTempResponse,
  },
  4: { request: closeRequest, response: fidResponse },
  9: { request: setInformationRequest, response: (f) => emptyBody(f) },
  10: { request: readRequest, response: readResponse },
  11: { request: writeRequest, response: writeResponse },
  12: { request: byteRangeRequest, response: fidResponse },
  13: { request: byteRangeRequest, response: fidResponse },
  18: { request: seekRequest, response: seekResponse },
  19: { request: readRequest, response: readResponse },
  20: { request: writeRequest, response: writeResponse },
  26: { request: readRawRequest },
  35: { request: fidRequest, response: queryInfo2Response },
  44: { request: writeCloseRequest, response: countResponse },
  5: { request: fidRequest, response: fidResponse },
  6: {
    request: pathCommand("smb.file", "File Name", "Path", searchAttributes),
    response: pathResponse,
  },
  7: { request: renameRequest, response: pathResponse },
  165: { request: renameRequest, response: pathResponse },
  8: { request: pathCommand("smb.file", "File Name", "Path"), response: queryInformationResponse },
  16: { request: pathCommand("smb.dir_name", "Directory", "Directory"), response: pathResponse },
  36: { request: lockingRequest, response: lockingResponse },
  39: { request: wordsAndBytes, response: wordsAndBytes },
  194: { request: fidRequest, response: fidResponse },
  37: trans,
  38: trans,
  43: { request: echoRequest, response: echoResponse },
  45: { request: openAndxRequest, response: openAndxResponse },
  46: { request: readAndxRequest, response: readAndxResponse },
  47: { request: writeAndxRequest, response: writeAndxResponse },
  50: trans2,
  51: trans2,
  52: { request: findClose2, response: (f) => emptyBody(f) },
  129: { request: searchRequest, response: searchResponse },
  130: { request: searchRequest, response: searchResponse },
  131: { request: searchRequest, response: searchResponse },
  132: { request: searchRequest, response: findCloseResponse },
  113: { request: treeDisconnectRequest, response: (f) => emptyBody(f) },
  114: { request: negotiateRequest, response: negotiateResponse },
  115: { request: sessionSetupRequest, response: sessionSetupResponse },
  116: { request: andxOnly, response: andxOnly },
  117: { request: treeConnectRequest, response: treeConnectResponse },
  160: ntTransact,
  161: ntTransact,
  162: { request: ntCreateRequest, response: ntCreateResponse },
  164: { request: ntCancelRequest },
};

export { FieldFlag, fidHex };
