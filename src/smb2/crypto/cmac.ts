/** AES-CMAC (RFC 4493) on top of node:crypto's AES-CBC with a zero IV (a CBC-MAC is its last block). */
import { createCipheriv } from "node:crypto";

const ZERO16 = Buffer.alloc(16);

function aesAlgo(key: Buffer, mode: "ecb" | "cbc"): string {
  if (key.length === 16) return `aes-128-${mode}`;
  if (key.length === 24) return `aes-192-${mode}`;
  if (key.length === 32) return `aes-256-${mode}`;
  throw new Error(`AES key must be 16, 24 or 32 bytes, got ${key.length}`);
}

/** Doubling in GF(2^128) with the RFC 4493 constant Rb = 0x87. */
function dbl(b: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 15; i++) out[i] = ((b[i]! << 1) | (b[i + 1]! >> 7)) & 0xff;
  out[15] = (b[15]! << 1) & 0xff;
  if (b[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

export function subkeys(key: Buffer): { k1: Buffer; k2: Buffer } {
  const ecb = createCipheriv(aesAlgo(key, "ecb"), key, null).setAutoPadding(false);
  const l = Buffer.concat([ecb.update(ZERO16), ecb.final()]);
  const k1 = dbl(l);
  return { k1, k2: dbl(k1) };
}

export function aesCmac(key: Buffer, msg: Buffer): Buffer {
  const { k1, k2 } = subkeys(key);
  const n = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const last = Buffer.alloc(16);
  const lastStart = (n - 1) * 16;
  msg.copy(last, 0, lastStart);
  if (!complete) last[msg.length - lastStart] = 0x80;
  const k = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) last[i]! ^= k[i]!;
  const cbc = createCipheriv(aesAlgo(key, "cbc"), key, ZERO16).setAutoPadding(false);
  cbc.update(msg.subarray(0, lastStart));
  const tail = Buffer.concat([cbc.update(last), cbc.final()]);
  return tail.subarray(tail.length - 16);
}
