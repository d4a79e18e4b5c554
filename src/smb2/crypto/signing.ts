/** SMB2 message signature verification (MS-SMB2 3.1.4.1, 3.1.5.1). */
import { createCipheriv, createHmac } from "node:crypto";
import { aesCmac } from "./cmac.js";
import { SigningAlgo, type SigningAlgoId } from "./constants.js";

export const SMB2_HEADER_SIZE = 64;
const SIG_OFFSET = 48;
const FLAG_RESPONSE = 0x00000001;
const CMD_CANCEL = 0x000c;

export interface SignOptions {
  /** AES-GMAC nonce role bit; default: the header's SMB2_FLAGS_SERVER_TO_REDIR. */
  isResponse?: boolean;
  /** AES-GMAC nonce cancel bit; default: command == CANCEL. */
  isCancel?: boolean;
}

/**
 * Computes the 16-byte signature of one SMB2 message (header + body, without the following
 * compounded messages; callers slice at NextCommand). The signature field is treated as zero.
 */
export function computeSignature(
  msg: Buffer,
  algo: SigningAlgoId,
  key: Buffer,
  opts: SignOptions = {},
): Buffer {
  if (msg.length < SMB2_HEADER_SIZE) throw new Error(`SMB2 message too short to sign: ${msg.length} bytes`);
  const m = Buffer.from(msg);
  m.fill(0, SIG_OFFSET, SIG_OFFSET + 16);
  switch (algo) {
    case SigningAlgo.HMACSHA256:
      return createHmac("sha256", key).update(m).digest().subarray(0, 16);
    case SigningAlgo.AESCMAC:
      return aesCmac(key, m);
    case SigningAlgo.AESGMAC: {
      // Nonce: MessageId (8 bytes LE), then a 32-bit field with bit 0 = role (server) and bit 1 = cancel.
      const nonce = Buffer.alloc(12);
      m.copy(nonce, 0, 24, 32);
      const isResponse = opts.isResponse ?? (m.readUInt32LE(16) & FLAG_RESPONSE) !== 0;
      const isCancel = opts.isCancel ?? m.readUInt16LE(12) === CMD_CANCEL;
      nonce.writeUInt32LE((isResponse ? 1 : 0) | (isCancel ? 2 : 0), 8);
      const algoName = key.length === 32 ? "aes-256-gcm" : "aes-128-gcm";
      const c = createCipheriv(algoName, key, nonce);
      c.setAAD(m);
      c.final();
      return c.getAuthTag();
    }
    default:
      throw new Error(`unknown signing algorithm ${String(algo)}`);
  }
}

/** "good" when the message's signature field matches; "bad" otherwise (including malformed input). */
export function verifySignature(
  msg: Buffer,
  algo: SigningAlgoId,
  key: Buffer,
  opts: SignOptions = {},
): "good" | "bad" {
  try {
    const expected = computeSignature(msg, algo, key, opts);
    return expected.equals(msg.subarray(SIG_OFFSET, SIG_OFFSET + 16)) ? "good" : "bad";
  } catch {
    return "bad";
  }
}

/** The signing algorithm a dialect uses when no SMB2_SIGNING_CAPABILITIES context chose one. */
export function defaultSigningAlgo(dialect: number): SigningAlgoId {
  return dialect >= 0x0300 && dialect !== 0x02ff ? SigningAlgo.AESCMAC : SigningAlgo.HMACSHA256;
}
