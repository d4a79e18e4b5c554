/** SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41) parsing and decryption (3.1.4.3 / 3.2.5.1.1.1). */
import { createDecipheriv } from "node:crypto";
import { Cipher, is256, isCcm } from "./constants.js";

export const TRANSFORM_PROTOCOL_ID = 0x424d53fd; // "\xfdSMB" read little-endian
export const TRANSFORM_HEADER_SIZE = 52;

export interface TransformHeader {
  signature: Buffer;
  nonce: Buffer;
  originalSize: number;
  reserved: number;
  /** "EncryptionAlgorithm" in 3.0/3.0.2 (1 = AES-128-CCM), "Flags" in 3.1.1 (1 = Encrypted). */
  flags: number;
  /** Session id as an unsigned 64-bit number. */
  sessionId: bigint;
  /** The raw 8 session id bytes (as Wireshark's uat wants them in hex). */
  sessionIdBytes: Buffer;
  /** Bytes 20..52, authenticated but not encrypted. */
  aad: Buffer;
  /** Everything after the header (normally exactly `originalSize` bytes). */
  ciphertext: Buffer;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };
export type DecryptResult = { ok: true; plain: Buffer } | { ok: false; error: string };

export const TAG_MISMATCH = "authentication tag mismatch: wrong key?";

export function isTransform(buf: Buffer): boolean {
  return buf.length >= 4 && buf.readUInt32LE(0) === TRANSFORM_PROTOCOL_ID;
}

export function parseTransformHeader(buf: Buffer): ParseResult<TransformHeader> {
  if (!isTransform(buf)) return { ok: false, error: "not a transform header (no \\xfdSMB)" };
  if (buf.length < TRANSFORM_HEADER_SIZE) {
    return {
      ok: false,
      error: `transform header truncated: ${buf.length} of ${TRANSFORM_HEADER_SIZE} bytes`,
    };
  }
  const originalSize = buf.readUInt32LE(36);
  return {
    ok: true,
    value: {
      signature: buf.subarray(4, 20),
      nonce: buf.subarray(20, 36),
      originalSize,
      reserved: buf.readUInt16LE(40),
      flags: buf.readUInt16LE(42),
      sessionId: buf.readBigUInt64LE(44),
      sessionIdBytes: buf.subarray(44, 52),
      aad: buf.subarray(20, 52),
      ciphertext: buf.subarray(TRANSFORM_HEADER_SIZE),
    },
  };
}

function algoName(cipher: number, keyLen: number): string | undefined {
  const bits = is256(cipher) ? 256 : 128;
  if (keyLen !== bits / 8) return undefined;
  return `aes-${bits}-${isCcm(cipher) ? "ccm" : "gcm"}`;
}

/**
 * Decrypts one transform PDU (the NBSS payload starting with \xfdSMB) with `key` and `cipherId`
 * (1..4). Never throws: bad input, a wrong key or a wrong cipher become `{ok:false, error}`.
 */
export function decryptTransform(pdu: Buffer, key: Buffer, cipherId: number): DecryptResult {
  const p = parseTransformHeader(pdu);
  if (!p.ok) return p;
  const h = p.value;
  if (cipherId < Cipher.AES128CCM || cipherId > Cipher.AES256GCM) {
    return { ok: false, error: `unknown cipher id ${cipherId}` };
  }
  const algo = algoName(cipherId, key.length);
  if (!algo) return { ok: false, error: `key of ${key.length} bytes does not fit cipher id ${cipherId}` };
  if (h.ciphertext.length < h.originalSize) {
    return {
      ok: false,
      error: `encrypted data truncated: ${h.ciphertext.length} of ${h.originalSize} bytes`,
    };
  }
  const ct = h.ciphertext.subarray(0, h.originalSize);
  try {
    if (isCcm(cipherId)) {
      const d = createDecipheriv(algo as "aes-128-ccm", key, h.nonce.subarray(0, 11), { authTagLength: 16 });
      d.setAuthTag(h.signature);
      d.setAAD(h.aad, { plaintextLength: ct.length });
      const plain = d.update(ct);
      d.final();
      return { ok: true, plain };
    }
    const d = createDecipheriv(algo as "aes-128-gcm", key, h.nonce.subarray(0, 12), { authTagLength: 16 });
    d.setAuthTag(h.signature);
    d.setAAD(h.aad);
    const plain = Buffer.concat([d.update(ct), d.final()]);
    return { ok: true, plain };
  } catch {
    return { ok: false, error: TAG_MISMATCH };
  }
}

export interface DirectionKeys {
  /** Client→server key. */
  serverIn?: Buffer;
  /** Server→client key. */
  serverOut?: Buffer;
}

export type DecryptAnyResult =
  | { ok: true; plain: Buffer; direction: "c2s" | "s2c"; cipherId: number }
  | { ok: false; error: string };

/**
 * Tries both directions' keys (for when the packet direction is unknown) and, when `cipherId` is
 * undefined, every cipher the key length allows. The AEAD tag makes a false success practically
 * impossible.
 */
export function decryptAnyDirection(pdu: Buffer, keys: DirectionKeys, cipherId?: number): DecryptAnyResult {
  const p = parseTransformHeader(pdu);
  if (!p.ok) return p;
  let lastError = "no key available";
  const tries: ["c2s" | "s2c", Buffer | undefined][] = [
    ["c2s", keys.serverIn],
    ["s2c", keys.serverOut],
  ];
  for (const [direction, key] of tries) {
    if (!key || key.length === 0) continue;
    const ciphers =
      cipherId !== undefined
        ? [cipherId]
        : key.length === 32
          ? [Cipher.AES256GCM, Cipher.AES256CCM]
          : [Cipher.AES128GCM, Cipher.AES128CCM];
    for (const c of ciphers) {
      const r = decryptTransform(pdu, key, c);
      if (r.ok) return { ok: true, plain: r.plain, direction, cipherId: c };
      lastError = r.error;
    }
  }
  return { ok: false, error: lastError };
}
