/**
 * Per-connection SMB 3.1.1 preauthentication integrity tracking (MS-SMB2 3.2.5.2, 3.3.5.4, 3.3.5.5):
 * SHA-512 chains over NEGOTIATE and SESSION_SETUP messages, plus the negotiated dialect, cipher,
 * signing and compression algorithms, which key derivation and decryption need.
 */
import { createHash } from "node:crypto";
import {
  Cipher,
  Dialect,
  SigningAlgo,
  type SigningAlgoId,
  STATUS_MORE_PROCESSING_REQUIRED,
  STATUS_SUCCESS,
} from "./constants.js";

const CMD_NEGOTIATE = 0;
const CMD_SESSION_SETUP = 1;
const CAP_ENCRYPTION = 0x40;
const MAX_PENDING = 1024;

export interface MessageMeta {
  cmd: number;
  isResponse: boolean;
  status: number;
  sesId: bigint;
  messageId: bigint;
}

/** Reads the fields the tracker needs from an SMB2 header; undefined when it is not one. */
export function headerMeta(raw: Buffer): MessageMeta | undefined {
  if (raw.length < 64 || raw.readUInt32BE(0) !== 0xfe534d42) return undefined;
  return {
    cmd: raw.readUInt16LE(12),
    isResponse: (raw.readUInt32LE(16) & 1) !== 0,
    status: raw.readUInt32LE(8),
    messageId: raw.readBigUInt64LE(24),
    sesId: raw.readBigUInt64LE(40),
  };
}

interface SessionState {
  hash: Buffer;
  /** Set on the STATUS_SUCCESS response: the hash to use for the KDF, frozen from then on. */
  final?: Buffer;
}

function sha512(...parts: Buffer[]): Buffer {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
}

export class PreauthTracker {
  /** Negotiated DialectRevision (0 until the negotiate response is seen). */
  dialect = 0;
  /** Negotiated cipher id (0 = none; 3.0/3.0.2 with encryption capability = AES-128-CCM). */
  cipherId: number = Cipher.None;
  signingAlgo: SigningAlgoId = SigningAlgo.HMACSHA256;
  /** Compression algorithm ids from SMB2_COMPRESSION_CAPABILITIES, and whether chaining was agreed. */
  compressionAlgos: number[] = [];
  compressionChained = false;
  /** Preauth hash algorithm ids offered/selected (1 = SHA-512). */
  preauthAlgo = 0;

  private connHash: Buffer = Buffer.alloc(64);
  private sessions = new Map<bigint, SessionState>();
  /** First-leg SESSION_SETUP requests carry SessionId 0; the response assigns it. Keyed by MessageId. */
  private pending = new Map<bigint, Buffer>();
  private bindings = new Set<bigint>();

  /** Feeds one SMB2 message (header included, the message alone if compounded) in connection order. */
  feed(raw: Buffer, meta: MessageMeta | undefined = headerMeta(raw)): void {
    if (!meta) return;
    if (meta.cmd === CMD_NEGOTIATE) {
      if (!meta.isResponse) {
        this.connHash = sha512(Buffer.alloc(64), raw);
      } else {
        this.connHash = sha512(this.connHash, raw);
        this.parseNegotiateResponse(raw);
      }
      return;
    }
    if (meta.cmd !== CMD_SESSION_SETUP) return;
    if (!meta.isResponse) {
      const s = meta.sesId === 0n ? undefined : this.sessions.get(meta.sesId);
      if (s?.final) return; // re-authentication: the keys stay those of the first authentication
      // SMB2_SESSION_FLAG_BINDING: a new channel of a session established on another connection.
      if (raw.length > 66 && raw[66]! & 1 && meta.sesId !== 0n) this.bindings.add(meta.sesId);
      const base = s ? s.hash : this.connHash;
      const h = sha512(base, raw);
      if (meta.sesId === 0n) {
        // Unanswered first legs (a capture cut short, or a flood) must not grow without bound.
        if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as bigint);
        this.pending.set(meta.messageId, h);
      } else this.sessions.set(meta.sesId, { hash: h });
      return;
    }
    const pend = this.pending.get(meta.messageId);
    if (pend) this.pending.delete(meta.messageId);
    let s = this.sessions.get(meta.sesId);
    if (s?.final) return;
    if (pend) {
      s = { hash: pend };
      this.sessions.set(meta.sesId, s);
    }
    if (!s) return;
    if (meta.status === STATUS_MORE_PROCESSING_REQUIRED) s.hash = sha512(s.hash, raw);
    else if (meta.status === STATUS_SUCCESS) s.final = s.hash;
    else this.sessions.delete(meta.sesId);
  }

  /** The connection preauth hash (after NEGOTIATE). */
  connectionHash(): Buffer {
    return this.connHash;
  }

  /**
   * The session's preauth hash for the KDF, once its SESSION_SETUP completed with STATUS_SUCCESS
   * (undefined before, or when the dialect is not 3.1.1).
   */
  sessionHash(sesId: bigint): Buffer | undefined {
    if (this.dialect !== Dialect.SMB311) return undefined;
    return this.sessions.get(sesId)?.final;
  }

  /**
   * True when this connection's SESSION_SETUP for `sesId` bound a new channel to an existing session:
   * its hash then gives only this channel's signing key; the encryption keys are those derived on the
   * connection that first established the session.
   */
  isBinding(sesId: bigint): boolean {
    return this.bindings.has(sesId);
  }

  /** The in-progress hash (for diagnostics, e.g. a capture that misses the final response). */
  partialSessionHash(sesId: bigint): Buffer | undefined {
    return this.sessions.get(sesId)?.hash;
  }

  private parseNegotiateResponse(raw: Buffer): void {
    try {
      const b = 64;
      if (raw.length < b + 64) return;
      this.dialect = raw.readUInt16LE(b + 4);
      const ctxCount = raw.readUInt16LE(b + 6);
      const caps = raw.readUInt32LE(b + 24);
      const ctxOffset = raw.readUInt32LE(b + 60);
      if (this.dialect === Dialect.SMB300 || this.dialect === Dialect.SMB302) {
        this.cipherId = caps & CAP_ENCRYPTION ? Cipher.AES128CCM : Cipher.None;
        this.signingAlgo = SigningAlgo.AESCMAC;
        return;
      }
      if (this.dialect !== Dialect.SMB311) {
        this.signingAlgo = SigningAlgo.HMACSHA256;
        return;
      }
      this.signingAlgo = SigningAlgo.AESCMAC;
      let off = ctxOffset;
      for (let i = 0; i < ctxCount && off + 8 <= raw.length; i++) {
        const type = raw.readUInt16LE(off);
        const len = raw.readUInt16LE(off + 2);
        const d = off + 8;
        if (d + len > raw.length) break;
        if (type === 1 && len >= 2 && raw.readUInt16LE(d) >= 1 && len >= 6) {
          this.preauthAlgo = raw.readUInt16LE(d + 4);
        } else if (type === 2 && len >= 4 && raw.readUInt16LE(d) >= 1) {
          this.cipherId = raw.readUInt16LE(d + 2);
        } else if (type === 3 && len >= 8) {
          const n = raw.readUInt16LE(d);
          this.compressionChained = (raw.readUInt32LE(d + 4) & 1) !== 0;
          this.compressionAlgos = [];
          for (let k = 0; k < n && 8 + 2 * k + 2 <= len; k++)
            this.compressionAlgos.push(raw.readUInt16LE(d + 8 + 2 * k));
        } else if (type === 8 && len >= 4 && raw.readUInt16LE(d) >= 1) {
          this.signingAlgo = raw.readUInt16LE(d + 2) as SigningAlgoId;
        }
        off = d + len;
        off = (off + 7) & ~7;
      }
    } catch {
      // A malformed negotiate response leaves the defaults: decryption then simply fails.
    }
  }
}
