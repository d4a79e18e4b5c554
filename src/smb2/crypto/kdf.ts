/**
 * SMB 3.x key derivation (MS-SMB2 3.1.4.2): NIST SP800-108 KDF in counter mode with HMAC-SHA256,
 * r = 32. Only one PRF block is ever needed for L = 128 and L = 256, but the loop is general.
 */
import { createHmac } from "node:crypto";
import { Dialect, is256 } from "./constants.js";

export interface SessionKeys {
  /** Key for SMB2 header signatures (128 bits; the session key itself for SMB 2.0.2/2.1). */
  signingKey: Buffer;
  /** Client→server encryption key ("ServerIn"); empty for SMB 2.x, which has no encryption. */
  serverInKey: Buffer;
  /** Server→client encryption key ("ServerOut"); empty for SMB 2.x. */
  serverOutKey: Buffer;
  applicationKey: Buffer;
}

/** SP800-108 counter-mode KDF: K(i) = HMAC(Ki, [i]32 || Label || 0x00 || Context || [L]32). */
export function sp800108(ki: Buffer, label: Buffer, context: Buffer, lBits: number): Buffer {
  const out: Buffer[] = [];
  const lBuf = Buffer.alloc(4);
  lBuf.writeUInt32BE(lBits);
  const blocks = Math.ceil(lBits / 256);
  for (let i = 1; i <= blocks; i++) {
    const iBuf = Buffer.alloc(4);
    iBuf.writeUInt32BE(i);
    out.push(
      createHmac("sha256", ki)
        .update(iBuf)
        .update(label)
        .update(Buffer.of(0))
        .update(context)
        .update(lBuf)
        .digest(),
    );
  }
  return Buffer.concat(out).subarray(0, lBits / 8);
}

/** Labels and contexts carry their terminating NUL as the spec's sizes say (e.g. "SmbSign\0" = 8). */
const z = (s: string): Buffer => Buffer.from(s + "\0", "latin1");

/** Session.SessionKey: the first 16 bytes of the GSS key, right-padded with zeros (3.2.1.3). */
function key16(sessionKey: Buffer): Buffer {
  const k = Buffer.alloc(16);
  sessionKey.copy(k, 0, 0, Math.min(16, sessionKey.length));
  return k;
}

/**
 * Derives the session's keys. `dialect` is the negotiated DialectRevision (0x0202 ... 0x0311);
 * `preauthHash` (64 bytes) is required for 3.1.1 and ignored before; `cipherId` selects L = 256 and the
 * full session key as Ki for the encryption keys of AES-256-CCM/GCM (ids 3/4).
 * Throws only on caller errors (3.1.1 without a preauth hash).
 */
export function deriveKeys(
  dialect: number,
  sessionKey: Buffer,
  preauthHash: Buffer | undefined,
  cipherId: number,
): SessionKeys {
  const sk = key16(sessionKey);
  if (dialect < Dialect.SMB300 || dialect === Dialect.Wildcard) {
    return {
      signingKey: sk,
      serverInKey: Buffer.alloc(0),
      serverOutKey: Buffer.alloc(0),
      applicationKey: sk,
    };
  }
  // AES-256 ciphers derive 256-bit encryption keys from the full key (Session.FullSessionKey).
  const encKi = is256(cipherId) ? sessionKey : sk;
  const encL = is256(cipherId) ? 256 : 128;
  if (dialect === Dialect.SMB311) {
    if (preauthHash?.length !== 64) {
      throw new Error("SMB 3.1.1 key derivation needs the 64-byte session preauth integrity hash");
    }
    return {
      signingKey: sp800108(sk, z("SMBSigningKey"), preauthHash, 128),
      serverInKey: sp800108(encKi, z("SMBC2SCipherKey"), preauthHash, encL),
      serverOutKey: sp800108(encKi, z("SMBS2CCipherKey"), preauthHash, encL),
      applicationKey: sp800108(sk, z("SMBAppKey"), preauthHash, 128),
    };
  }
  return {
    signingKey: sp800108(sk, z("SMB2AESCMAC"), z("SmbSign"), 128),
    serverInKey: sp800108(encKi, z("SMB2AESCCM"), z("ServerIn "), encL),
    serverOutKey: sp800108(encKi, z("SMB2AESCCM"), z("ServerOut"), encL),
    applicationKey: sp800108(sk, z("SMB2APP"), z("SmbRpc"), 128),
  };
}
