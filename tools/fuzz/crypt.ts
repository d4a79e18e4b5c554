/**
 * Re-encryption for the fuzzer: with the keys of a seed capture (smbcmp key file: sesid, session
 * key, ServerIn, ServerOut), an SMB3 TRANSFORM_HEADER PDU (MS-SMB2 2.2.41) is decrypted, its
 * plaintext mutated and encrypted again with a valid tag, so mutations reach the decrypted path.
 */
import { createCipheriv, createDecipheriv, type DecipherCCM, type DecipherGCM } from "node:crypto";

/** The ServerIn/ServerOut keys of a key file (third and fourth fields). */
export function transformKeys(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fs = raw
      .replace(/#.*/, "")
      .trim()
      .split(/[\s,]+/);
    for (const h of fs.slice(2, 4))
      if (/^([0-9a-f]{32}|[0-9a-f]{64})$/i.test(h)) out.push(Buffer.from(h, "hex"));
  }
  return out;
}

type Mode = "gcm" | "ccm";

function algo(key: Buffer, mode: Mode): string {
  return `aes-${key.length * 8}-${mode}`;
}

/** Plaintext and the key/mode that opened `pdu` (a whole transform PDU), or undefined. */
export function decryptTransform(
  pdu: Buffer,
  keys: Buffer[],
): { plain: Buffer; key: Buffer; mode: Mode } | undefined {
  if (pdu.length < 52 || pdu.readUInt32LE(0) !== 0x424d53fd) return undefined;
  const tag = pdu.subarray(4, 20);
  const aad = pdu.subarray(20, 52);
  const ct = pdu.subarray(52);
  for (const key of keys)
    for (const mode of ["gcm", "ccm"] as const) {
      try {
        const nonce = pdu.subarray(20, mode === "gcm" ? 32 : 31);
        let d: DecipherGCM | DecipherCCM;
        if (mode === "gcm") {
          const g = createDecipheriv(algo(key, mode) as "aes-128-gcm", key, nonce, { authTagLength: 16 });
          g.setAuthTag(tag);
          g.setAAD(aad);
          d = g;
        } else {
          const c = createDecipheriv(algo(key, mode) as "aes-128-ccm", key, nonce, { authTagLength: 16 });
          c.setAuthTag(tag);
          c.setAAD(aad, { plaintextLength: ct.length });
          d = c;
        }
        const plain = Buffer.concat([d.update(ct), d.final()]);
        return { plain, key, mode };
      } catch {
        // wrong key or mode
      }
    }
  return undefined;
}

/** `header` (the original 52 bytes) around `plain`, encrypted with a fresh valid tag. */
export function encryptTransform(header: Buffer, plain: Buffer, key: Buffer, mode: Mode): Buffer {
  const h = Buffer.from(header.subarray(0, 52));
  h.writeUInt32LE(plain.length, 36);
  const nonce = h.subarray(20, mode === "gcm" ? 32 : 31);
  const c =
    mode === "gcm"
      ? createCipheriv(algo(key, mode) as "aes-128-gcm", key, nonce, { authTagLength: 16 })
      : createCipheriv(algo(key, mode) as "aes-128-ccm", key, nonce, { authTagLength: 16 });
  if (mode === "ccm") c.setAAD(h.subarray(20, 52), { plaintextLength: plain.length });
  else c.setAAD(h.subarray(20, 52));
  const ct = Buffer.concat([c.update(plain), c.final()]);
  c.getAuthTag().copy(h, 4);
  return Buffer.concat([h, ct]);
}
