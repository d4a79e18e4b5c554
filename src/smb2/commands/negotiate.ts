/**
 * SMB2 NEGOTIATE (MS-SMB2 2.2.3, 2.2.4) with all SMB 3.1.1 negotiate contexts (2.2.3.1). The first
 * pass records the dialect, cipher, signing algorithm and compression algorithms per connection.
 */

import { createHash } from "node:crypto";
import { securityBlob } from "../../auth/spnego.js";
import type { BitSpec, Fields } from "../../dissect/fields.js";
import { Fields as F } from "../../dissect/fields.js";
import { MsgFlag } from "../../trace/types.js";
import type { Smb2Command, Smb2Msg } from "../dissect.js";
import { bufferCode, CAPABILITY_BITS, hexChild, SEC_MODE_BITS } from "../header.js";
import { olbNodes } from "./tree-connect.js";

export const DIALECTS: Readonly<Record<number, string>> = {
  514: "SMB 2.0.2",
  528: "SMB 2.1",
  767: "SMB2 wildcard",
  546: "SMB 2.2.2 (deprecated; should be 3.0)",
  548: "SMB 2.2.4 (deprecated; should be 3.0)",
  768: "SMB 3.0",
  770: "SMB 3.0.2",
  784: "SMB 3.1.0 (deprecated; should be 3.1.1)",
  785: "SMB 3.1.1",
};

export const CONTEXT_TYPES: Readonly<Record<number, string>> = {
  1: "SMB2_PREAUTH_INTEGRITY_CAPABILITIES",
  2: "SMB2_ENCRYPTION_CAPABILITIES",
  3: "SMB2_COMPRESSION_CAPABILITIES",
  5: "SMB2_NETNAME_NEGOTIATE_CONTEXT_ID",
  6: "SMB2_TRANSPORT_CAPABILITIES",
  7: "SMB2_RDMA_TRANSFORM_CAPABILITIES",
  8: "SMB2_SIGNING_CAPABILITIES",
  256: "SMB2_POSIX_EXTENSIONS_CAPABILITIES",
};

export const HASH_ALGS: Readonly<Record<number, string>> = { 1: "SHA-512" };
export const CIPHERS: Readonly<Record<number, string>> = {
  1: "AES-128-CCM",
  2: "AES-128-GCM",
  3: "AES-256-CCM",
  4: "AES-256-GCM",
};
export const SIGNING_ALGS: Readonly<Record<number, string>> = {
  0: "HMAC-SHA256",
  1: "AES-CMAC",
  2: "AES-GMAC",
};
export const COMPRESSION_ALGS: Readonly<Record<number, string>> = {
  0: "None",
  1: "LZNT1",
  2: "LZ77",
  3: "LZ77+Huffman",
  4: "Pattern_V1",
};
const TRANSPORT_FLAGS: Readonly<Record<number, string>> = { 1: "SMB2_ACCEPT_TRANSPORT_LEVEL_SECURITY" };
const RDMA_TRANSFORMS: Readonly<Record<number, string>> = { 0: "None", 1: "Encryption", 2: "Signing" };

const COMP_FLAG_BITS: readonly BitSpec[] = [
  { name: "smb2.negotiate_context.comp_alg_flags.chained", label: "Chained", mask: 0x1 },
  { name: "smb2.negotiate_context.comp_alg_flags.reserved", label: "Reserved", mask: 0xfffffffe, hex: true },
];

interface Negotiated {
  cipher?: number;
  signing?: number;
  compression?: number[];
}

/**
 * Wireshark's "Preauth Hash" (smb2.preauth_hash), shown on NEGOTIATE and SESSION_SETUP messages for
 * every dialect: SHA-512 chained over the messages (MS-SMB2 3.2.5.2). A NEGOTIATE request restarts
 * the connection chain; a session starts from the connection's, and its final success response is
 * not hashed (failures are). Computed in the first pass (capture order), looked up afterwards.
 */
interface PreauthView {
  conn: Map<number, Buffer>;
  ses: Map<string, Buffer>;
  shown: Map<string, Buffer>;
}
const preauthViews = new WeakMap<object, PreauthView>();

function pview(m: Smb2Msg): PreauthView {
  let v = preauthViews.get(m.ctx.state);
  if (!v) {
    v = { conn: new Map(), ses: new Map(), shown: new Map() };
    preauthViews.set(m.ctx.state, v);
  }
  return v;
}

const sha512 = (a: Buffer, b: Buffer): Buffer => createHash("sha512").update(a).update(b).digest();
const ZERO64 = Buffer.alloc(64);

export type PreauthStep = "negotiate-request" | "negotiate-response" | "session-request" | "session-response";

/** Updates (first pass) and shows the preauth hash of this message as the body's first field. */
export function preauthHash(f: Fields, m: Smb2Msg, step: PreauthStep): void {
  const v = pview(m);
  const key = `${m.ctx.frame}:${m.h.at}`;
  if (m.ctx.first) {
    const msg = f.c.buf.subarray(m.h.at, m.end);
    const conn = m.ctx.conn;
    const ses = `${conn}:${m.h.sesId}`;
    let h: Buffer | undefined;
    if (step === "negotiate-request") h = sha512(ZERO64, msg);
    else if (step === "negotiate-response")
      h = m.rec.frame ? sha512(v.conn.get(conn) ?? ZERO64, msg) : undefined;
    else if (step === "session-request") {
      const base = (m.h.sesId && v.ses.get(ses)) || v.conn.get(conn) || ZERO64;
      h = sha512(base, msg);
      m.rec.extra = { ...m.rec.extra, preauth: h };
    } else {
      const base = (m.rec.extra?.preauth as Buffer | undefined) ?? v.ses.get(ses);
      h = base && m.h.status !== 0 ? sha512(base, msg) : base;
    }
    if (h) {
      if (step.startsWith("negotiate")) v.conn.set(conn, h);
      else v.ses.set(ses, h);
      v.shown.set(key, h);
    }
  }
  const h = v.shown.get(key);
  if (h && !f.light) f.add(F.bytesNode("smb2.preauth_hash", "Preauth Hash", h, m.h.at));
}

function request(f: Fields, m: Smb2Msg): void {
  preauthHash(f, m, "negotiate-request");
  bufferCode(f);
  const count = f.uint("smb2.dialect_count", "Dialect count", 2);
  f.bitmask("smb2.sec_mode", "Security mode", 1, SEC_MODE_BITS);
  f.c.skip(1); // 16-bit SecurityMode; Wireshark shows the low byte
  f.opaque("smb2.reserved", "Reserved", 2);
  f.bitmask("smb2.capabilities", "Capabilities", 4, CAPABILITY_BITS);
  f.guid("smb2.client_guid", "Client Guid");
  const ctxOff = f.uint("smb2.negotiate_context.offset", "NegotiateContextOffset", 4, { base: "hex" });
  const ctxCount = f.uint("smb2.negotiate_context.count", "NegotiateContextCount", 2);
  f.opaque("smb2.reserved", "Reserved", 2);
  const dialects: number[] = [];
  for (let i = 0; i < count; i++)
    dialects.push(f.uint("smb2.dialect", "Dialect", 2, { base: "hex", vals: DIALECTS }));
  m.info.detail = dialects.map((d) => DIALECTS[d] ?? d.toString(16)).join(",");
  if (ctxCount && dialects.includes(0x311)) contexts(f, m, ctxOff, ctxCount);
}

function response(f: Fields, m: Smb2Msg): void {
  preauthHash(f, m, "negotiate-response");
  bufferCode(f);
  f.bitmask("smb2.sec_mode", "Security mode", 1, SEC_MODE_BITS);
  f.c.skip(1); // SecurityMode is 16 bits in the response; Wireshark shows the low byte
  const dialect = f.uint("smb2.dialect", "Dialect", 2, { base: "hex", vals: DIALECTS });
  const ctxCount = f.uint("smb2.negotiate_context.count", "NegotiateContextCount", 2);
  f.guid("smb2.server_guid", "Server Guid");
  f.bitmask("smb2.capabilities", "Capabilities", 4, CAPABILITY_BITS);
  f.uint("smb2.max_trans_size", "Max Transaction Size", 4);
  f.uint("smb2.max_read_size", "Max Read Size", 4);
  f.uint("smb2.max_write_size", "Max Write Size", 4);
  f.filetime("smb2.current_time", "Current Time");
  f.filetime("smb2.boot_time", "Boot Time");
  const offAt = f.c.pos;
  const off = f.c.u16();
  const lenAt = f.c.pos;
  const len = f.c.u16();
  olbNodes(f, offAt, off, lenAt, len);
  const blobEnd = f.c.pos + 4;
  blob(f, m.h.at + off, len);
  f.c.seek(blobEnd - 4);
  const ctxOff = f.uint("smb2.negotiate_context.offset", "NegotiateContextOffset", 4, { base: "hex" });
  m.info.detail = DIALECTS[dialect] ?? dialect.toString(16);
  const neg = dialect === 0x311 && ctxCount ? contexts(f, m, ctxOff, ctxCount) : {};
  if (m.ctx.first && m.h.status === 0 && dialect !== 0x02ff) {
    const c = m.ctx.state.connection(m.ctx.conn);
    c.dialect = dialect;
    if (neg.cipher !== undefined) c.cipher = neg.cipher;
    else if (dialect >= 0x300 && dialect < 0x311) c.cipher = 0x1; // 3.0/3.0.2: AES-128-CCM
    if (neg.signing !== undefined) c.signingAlgo = neg.signing;
    if (neg.compression) c.compression = neg.compression;
  }
}

/** The security blob at [at, at+len) as `smb2.security_blob` with its GSS-API subtree. */
export function blob(f: Fields, at: number, len: number): ReturnType<typeof securityBlob> {
  let res: ReturnType<typeof securityBlob> = {};
  if (!len) {
    if (!f.light) f.add(F.bytesNode("smb2.security_blob", "Security Blob", Buffer.alloc(0), f.c.pos));
    return res;
  }
  if (!f.c.has(1, at)) {
    f.malformed("security blob outside the message", at);
    return res;
  }
  const n = Math.min(len, f.c.end - at);
  const raw = f.c.buf.subarray(at, at + n);
  const shown = F.bytesNode("smb2.security_blob", "Security Blob", raw, at);
  f.within(at, n, () =>
    f.tree(
      "smb2.security_blob",
      shown.label,
      () => {
        res = securityBlob(f);
      },
      n,
      shown.show,
      shown.value,
    ),
  );
  if (n < len) f.malformed("security blob truncated", at + n);
  return res;
}

function contexts(f: Fields, m: Smb2Msg, off: number, count: number): Negotiated {
  const neg: Negotiated = {};
  let p = m.h.at + off;
  for (let i = 0; i < count; i++) {
    // Arithmetic, not `& ~7`: the offset is a u32 from the wire and 32-bit masks go negative.
    p = m.h.at + Math.ceil((p - m.h.at) / 8) * 8;
    if (!f.c.has(8, p)) {
      f.malformed("negotiate context outside the message", p);
      m.info.flags |= MsgFlag.Malformed;
      break;
    }
    const type = f.c.buf.readUInt16LE(p);
    const len = f.c.buf.readUInt16LE(p + 2);
    const total = Math.min(8 + len, f.c.end - p);
    f.within(p, total, () =>
      f.tree(
        "smbcmp.smb2.negotiate_context",
        `Negotiate Context: ${CONTEXT_TYPES[type] ?? "Unknown"} `,
        () => {
          f.uint("smb2.negotiate_context.type", "Type", 2, { base: "hex", vals: CONTEXT_TYPES });
          f.uint("smb2.negotiate_context.data_length", "DataLength", 2);
          f.opaque("smb2.reserved", "Reserved", 4);
          contextData(f, type, len, neg);
        },
        total,
      ),
    );
    p += 8 + len;
  }
  return neg;
}

function contextData(f: Fields, type: number, len: number, neg: Negotiated): void {
  switch (type) {
    case 0x1: {
      const n = f.uint("smb2.negotiate_context.hash_alg_count", "HashAlgorithmCount", 2);
      const salt = f.uint("smb2.negotiate_context.salt_length", "SaltLength", 2);
      for (let i = 0; i < n; i++)
        f.uint("smb2.negotiate_context.hash_algorithm", "HashAlgorithm", 2, { base: "hex", vals: HASH_ALGS });
      if (salt) f.bytes("smb2.negotiate_context.salt", "Salt", salt);
      return;
    }
    case 0x2: {
      const n = f.uint("smb2.negotiate_context.cipher_count", "CipherCount", 2);
      for (let i = 0; i < n; i++) {
        const c = f.uint("smb2.negotiate_context.cipher_id", "CipherId", 2, { base: "hex", vals: CIPHERS });
        if (i === 0) neg.cipher = c;
      }
      return;
    }
    case 0x3: {
      const n = f.uint("smb2.negotiate_context.comp_alg_count", "CompressionAlgorithmCount", 2);
      f.c.skip(2); // Padding
      f.bitmask("smb2.negotiate_context.comp_alg_flags", "Flags", 4, COMP_FLAG_BITS);
      hexChild(f, "smb2.negotiate_context.comp_alg_flags.reserved", 8);
      neg.compression = [];
      for (let i = 0; i < n; i++)
        neg.compression.push(
          f.uint("smb2.negotiate_context.comp_alg_id", "CompressionAlgorithmId", 2, {
            base: "hex",
            vals: COMPRESSION_ALGS,
          }),
        );
      return;
    }
    case 0x5:
      f.utf16("smb2.negotiate_context.netname", "Netname", len);
      return;
    case 0x6:
      f.uint("smb2.negotiate_context.transport_flags", "Flags", 4, { base: "hex", vals: TRANSPORT_FLAGS });
      return;
    case 0x7: {
      const n = f.uint("smb2.negotiate_context.rdma_transform_count", "TransformCount", 2);
      f.uint("smb2.negotiate_context.rdma_transform_reserved1", "Reserved1", 2, { base: "hex" });
      f.uint("smb2.negotiate_context.rdma_transform_reserved2", "Reserved2", 4, { base: "hex" });
      for (let i = 0; i < n; i++)
        f.uint("smb2.negotiate_context.rdma_transform_id", "RDMATransformId", 2, {
          base: "hex",
          vals: RDMA_TRANSFORMS,
        });
      return;
    }
    case 0x8: {
      const n = f.uint("smb2.negotiate_context.signing_alg_count", "SigningAlgorithmCount", 2);
      for (let i = 0; i < n; i++) {
        const s = f.uint("smb2.negotiate_context.signing_id", "SigningAlgorithmId", 2, {
          base: "hex",
          vals: SIGNING_ALGS,
        });
        if (i === 0) neg.signing = s;
      }
      return;
    }
    case 0x100:
      f.opaque("smb2.negotiate_context.posix_reserved", "POSIX Reserved", len);
      return;
    default:
      if (len) f.bytes("smbcmp.smb2.negotiate_context.data", "Data", len);
  }
}

export const negotiate: Smb2Command = { request, response };
