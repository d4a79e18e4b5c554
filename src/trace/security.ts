/**
 * SMB3 transforms for the trace: decryption with keys from any key source (session keys are turned
 * into encryption keys with the dialect, cipher and preauth hash smbcmp saw in the capture), and
 * decompression. Tracks, per TCP connection, what the KDF needs.
 */
import { Cursor } from "../dissect/cursor.js";
import { Fields } from "../dissect/fields.js";
import { type FieldNode, node } from "../dissect/tree.js";
import { type KeyEntry, mergeEntries } from "../keys/index.js";
import { decompressTransform } from "../smb2/compression/index.js";
import {
  cipherNames,
  decryptAnyDirection,
  deriveKeys,
  PreauthTracker,
  parseTransformHeader,
  verifySignature,
} from "../smb2/crypto/index.js";
import { resolveSessionKeys } from "../smb2/crypto/session.js";
import { hex16, SMB2_HEADER_LEN, SMB2_MAGIC, SMB2_TRANSFORM_MAGIC } from "../smb2/header.js";
import type { PduCtx, TransformResult } from "./pdu.js";
import { MsgFlag } from "./types.js";

interface Derived {
  serverIn: Buffer;
  serverOut: Buffer;
  cipher?: number;
}

export interface SessionKeyStatus {
  sesId: string;
  conn: number;
  dialect?: number;
  cipher?: string;
  /** Key known for the session, and whether it opened at least one transform. */
  keyKnown: boolean;
  works?: boolean;
  source?: string;
  encryptedPdus: number;
  decrypted: number;
  errors: string[];
}

export class Security {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly trackers = new Map<number, PreauthTracker>();
  private readonly derived = new Map<string, Derived | string>();
  readonly status = new Map<string, SessionKeyStatus>();

  /**
   * Every distinct session key given per session id, in order: a channel bound to a session
   * (multichannel) signs with a key derived from its own authentication's session key.
   */
  private readonly sessionKeys = new Map<string, Buffer[]>();

  constructor(entries: KeyEntry[] = []) {
    for (const e of mergeEntries(entries)) this.keys.set(e.sesId, e);
    for (const e of entries) {
      if (!e.sessionKey) continue;
      const list = this.sessionKeys.get(e.sesId) ?? [];
      if (!list.some((k) => k.equals(e.sessionKey!))) list.push(e.sessionKey);
      this.sessionKeys.set(e.sesId, list);
    }
  }

  get hasKeys(): boolean {
    return this.keys.size > 0;
  }

  /** Feeds every plain SMB2 PDU of the first pass, in capture order (the preauth hash chain). */
  observe(data: Buffer, ctx: PduCtx): void {
    if (!ctx.first) return;
    let t = this.trackers.get(ctx.conn);
    if (!t) {
      t = new PreauthTracker();
      this.trackers.set(ctx.conn, t);
    }
    let at = 0;
    for (let guard = 0; guard < 256 && at + SMB2_HEADER_LEN <= data.length; guard++) {
      if (data.readUInt32LE(at) !== SMB2_MAGIC) break;
      const next = data.readUInt32LE(at + 20);
      const end = next && at + next <= data.length ? at + next : data.length;
      // Only NEGOTIATE (0) and SESSION_SETUP (1) take part in the chain: skip the rest unparsed.
      try {
        if (data.readUInt16LE(at + 12) <= 1) t.feed(data.subarray(at, end));
      } catch {
        // a malformed message cannot be part of a valid preauth chain: skip it
      }
      if (!next || end >= data.length) break;
      at = end;
    }
  }

  private keysFor(sesId: string, sesBig: bigint, conn: number): Derived | string {
    const cacheKey = `${conn}:${sesId}`;
    const hit = this.derived.get(cacheKey);
    if (hit) return hit;
    const e = this.keys.get(sesId);
    let r: Derived | string;
    const t = this.trackers.get(conn);
    if (!e) r = `no key for session 0x${sesId}`;
    else if (e.serverIn && e.serverOut)
      r = { serverIn: e.serverIn, serverOut: e.serverOut, cipher: t?.cipherId };
    else if (!e.sessionKey) r = `no session key for session 0x${sesId}`;
    else {
      // The encryption keys are the session's, derived where it was established (not where a
      // channel was bound to it: a binding's hash only gives that channel's signing key).
      const owner = this.owner(sesBig, conn);
      if (!owner || owner.dialect === undefined)
        r = `dialect of session 0x${sesId} unknown (negotiate not in the capture)`;
      else {
        try {
          const k = deriveKeys(
            owner.dialect,
            e.sessionKey,
            owner.dialect >= 0x311 ? owner.sessionHash(sesBig) : undefined,
            owner.cipherId ?? 1,
          );
          r = { serverIn: k.serverInKey, serverOut: k.serverOutKey, cipher: owner.cipherId };
        } catch (err) {
          r = `cannot derive keys for session 0x${sesId}: ${(err as Error).message}`;
        }
      }
    }
    this.derived.set(cacheKey, r);
    return r;
  }

  private readonly signing = new Map<string, { keys: Buffer[]; algo: number } | undefined>();

  /**
   * The tracker whose dialect (and for 3.1.1 preauth hash) gives the session's keys, this
   * connection's first: for 3.1.1, the one that established the session, not one where a channel
   * was bound to it (its hash gives that channel's signing key only).
   */
  private owner(sesBig: bigint, conn: number): PreauthTracker | undefined {
    const t = this.trackers.get(conn);
    return [t, ...this.trackers.values()].find(
      (x) =>
        x &&
        x.dialect !== undefined &&
        (x.dialect < 0x311 || (x.sessionHash(sesBig) !== undefined && !x.isBinding(sesBig))),
    );
  }

  /**
   * Verifies one SMB2 message's signature (HMAC-SHA256, AES-CMAC or AES-GMAC as negotiated):
   * "unknown" when the session's key is not known.
   */
  signatureStatus(msg: Buffer, sesBig: bigint, conn: number): "good" | "bad" | "unknown" {
    const sesId = hex16(sesBig);
    const cacheKey = `${conn}:${sesId}`;
    let k = this.signing.get(cacheKey);
    if (!this.signing.has(cacheKey)) {
      k = this.signingKeys(sesId, sesBig, conn);
      this.signing.set(cacheKey, k);
    }
    if (!k) return "unknown";
    const algo = k.algo as Parameters<typeof verifySignature>[1];
    return k.keys.some((key) => verifySignature(msg, algo, key) === "good") ? "good" : "bad";
  }

  /**
   * The keys a connection's messages of a session may be signed with. A channel bound to the
   * session (MS-SMB2 3.3.5.5.3) signs its binding requests with the session's key, then everything
   * with a key from the binding's own authentication (and for 3.1.1 this connection's preauth
   * hash): every session key given for the id is a candidate there.
   */
  private signingKeys(
    sesId: string,
    sesBig: bigint,
    conn: number,
  ): { keys: Buffer[]; algo: number } | undefined {
    const e = this.keys.get(sesId);
    if (!e) return undefined;
    const t = this.trackers.get(conn);
    const owner = this.owner(sesBig, conn);
    const keys: Buffer[] = [];
    if (e.signingKey) keys.push(e.signingKey);
    else if (owner?.dialect !== undefined) {
      const own = resolveSessionKeys(
        e,
        owner.dialect,
        owner.dialect >= 0x311 ? owner.sessionHash(sesBig) : undefined,
        owner.cipherId ?? 1,
      ).signingKey;
      if (own) keys.push(own);
    }
    if (!e.signingKey && t?.isBinding(sesBig) && t.dialect !== undefined && t.dialect >= 0x300)
      for (const sk of this.sessionKeys.get(sesId) ?? []) {
        const r = resolveSessionKeys({ sessionKey: sk }, t.dialect, t.sessionHash(sesBig), t.cipherId ?? 1);
        if (r.signingKey && !keys.some((k) => k.equals(r.signingKey!))) keys.push(r.signingKey);
      }
    const algoOf = t ?? owner;
    return keys.length && algoOf ? { keys, algo: algoOf.signingAlgo } : undefined;
  }

  private stat(sesId: string, conn: number): SessionKeyStatus {
    let s = this.status.get(sesId);
    if (!s) {
      const e = this.keys.get(sesId);
      const t = this.trackers.get(conn);
      s = {
        sesId,
        conn,
        dialect: t?.dialect,
        cipher: t?.cipherId ? cipherNames[t.cipherId] : undefined,
        keyKnown: !!e,
        source: e?.source,
        encryptedPdus: 0,
        decrypted: 0,
        errors: [],
      };
      this.status.set(sesId, s);
    }
    return s;
  }

  /** The TransformHandler of the trace. */
  readonly transform = (data: Buffer, ctx: PduCtx): TransformResult => {
    if (data.readUInt32LE(0) === SMB2_TRANSFORM_MAGIC) return this.decrypt(data, ctx);
    return this.decompress(data, ctx);
  };

  private decrypt(data: Buffer, ctx: PduCtx): TransformResult {
    const nodes: FieldNode[] = [];
    const f = new Fields(new Cursor(data), nodes, ctx.light);
    let sesBig = 0n;
    try {
      f.tree(
        "smbcmp.smb2.transform",
        "SMB2 Transform Header",
        () => {
          f.uint("smb2.protocol_id", "ProtocolId", 4, { base: "hex", be: true });
          f.opaque("smb2.header.transform.signature", "Signature", 16);
          f.opaque("smb2.header.transform.nonce", "Nonce", 16);
          f.uint("smb2.header.transform.msg_size", "Message size", 4);
          f.opaque("smb2.header.transform.reserved", "Reserved", 2);
          f.bitmask("smb2.header.transform.flags", "Flags", 2, [
            { name: "smb2.header.transform.flags.encrypted", label: "Encrypted", mask: 1 },
          ]);
          sesBig = f.u64("smb2.sesid", "Session Id", { base: "hex" });
        },
        52,
      );
    } catch {
      return { nodes, flag: MsgFlag.Encrypted, error: "transform header truncated" };
    }
    const hdr = parseTransformHeader(data);
    const sesId = hex16(sesBig);
    const st = ctx.first ? this.stat(sesId, ctx.conn) : undefined;
    if (st) st.encryptedPdus++;
    const keys = hdr.ok ? this.keysFor(sesId, sesBig, ctx.conn) : hdr.error;
    let error: string | undefined;
    let plain: Buffer | undefined;
    if (typeof keys === "string") error = keys;
    else {
      const r = decryptAnyDirection(
        data,
        { serverIn: keys.serverIn, serverOut: keys.serverOut },
        keys.cipher,
      );
      if (r.ok) plain = r.plain;
      else error = r.error;
    }
    if (st) {
      if (plain) {
        st.decrypted++;
        st.works = true;
      } else if (error && st.errors.length < 3 && !st.errors.includes(error)) st.errors.push(error);
      if (!plain && st.works === undefined && st.keyKnown) st.works = false;
    }
    if (!ctx.light) {
      // Decrypted: a node to hold the inner messages; else the ciphertext, as Wireshark shows it.
      if (plain)
        nodes.push(node("smbcmp.smb2.encrypted_data", "Decrypted SMB3", "", "", 52, data.length - 52));
      else nodes.push(Fields.bytesNode("smb2.header.transform.enc_data", "Data", data.subarray(52), 52));
    }
    return { nodes, plain, error, flag: plain ? MsgFlag.Decrypted : MsgFlag.Encrypted };
  }

  private decompress(data: Buffer, ctx: PduCtx): TransformResult {
    const nodes: FieldNode[] = [];
    const f = new Fields(new Cursor(data), nodes, ctx.light);
    try {
      f.tree("smbcmp.smb2.comp_transform", "SMB2 Compression Transform Header", () => {
        f.uint("smb2.protocol_id", "ProtocolId", 4, { base: "hex", be: true });
        f.uint("smb2.header.comp_transform.original_size", "OriginalSize", 4);
        f.uint("smb2.header.comp_transform.comp_alg", "CompressionAlgorithm", 2, { base: "hex" });
        f.uint("smb2.header.comp_transform.flags", "Flags", 2, { base: "hex" });
        f.uint("smb2.header.comp_transform.offset", "Offset", 4, { base: "hex" });
      });
    } catch {
      return { nodes, flag: MsgFlag.Compressed, error: "compression header truncated" };
    }
    const r = decompressTransform(data);
    if (!r.ok) return { nodes, flag: MsgFlag.Compressed, error: `decompression failed: ${r.error}` };
    return { nodes, plain: r.data, flag: MsgFlag.Compressed };
  }
}
