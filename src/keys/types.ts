/** Key material for one SMB2 session, from any key source. */
export interface KeyEntry {
  /** The session id as a number in 16 hex digits, as Wireshark displays smb2.sesid (no "0x"). */
  sesId: string;
  /** The (GSS) session key, 16 or 32 bytes. */
  sessionKey?: Buffer;
  /** Client→server encryption key. */
  serverIn?: Buffer;
  /** Server→client encryption key. */
  serverOut?: Buffer;
  signingKey?: Buffer;
  /** Where it came from, e.g. "-k", "keys.txt:3", "samba log:120". */
  source: string;
}

export class KeyParseError extends Error {}

/**
 * Normalizes a session id written by a person or a tool:
 * - "0x000048009400003d" (a 0x-number, as Samba/Wireshark display it) -> the number;
 * - "3d00009400480000" (16 hex digits without 0x: the 8 wire bytes, as Wireshark's uat wants) -> LE;
 * - "3d 00 00 94 00 48 00 00" (a byte dump, as Samba and the Linux client print it) -> LE;
 * - decimal digits (as ksmbd prints "%llu") -> the number.
 * Returns 16 lowercase hex digits of the number, or undefined when it is none of these.
 */
export function normalizeSesId(text: string): string | undefined {
  const t = text.trim();
  let m = /^0x([0-9a-f]{1,16})$/i.exec(t);
  if (m) return m[1]!.toLowerCase().padStart(16, "0");
  const compact = t.replace(/[\s:-]/g, "");
  if (/^[0-9a-f]{16}$/i.test(compact) && (compact === t || /^([0-9a-f]{2}[\s:-]){7}[0-9a-f]{2}$/i.test(t))) {
    return sesIdFromWire(Buffer.from(compact, "hex"));
  }
  m = /^(\d{1,20})$/.exec(t);
  if (m) {
    const n = BigInt(m[1]!);
    if (n < 1n << 64n) return n.toString(16).padStart(16, "0");
  }
  return undefined;
}

/** The 8 wire bytes (little-endian) to the displayed number. */
export function sesIdFromWire(bytes: Buffer): string {
  return bytes.readBigUInt64LE(0).toString(16).padStart(16, "0");
}

export function sesIdToBigInt(sesId: string): bigint {
  return BigInt("0x" + sesId);
}

/** The 16 hex digits of the wire bytes, the form Wireshark's smb2_seskey_list uat takes. */
export function sesIdToWireHex(sesId: string): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(sesIdToBigInt(sesId));
  return b.toString("hex");
}

/** Parses a hex key ("0x" prefix, spaces and colons allowed); undefined when empty or not hex. */
export function parseHexKey(text: string): Buffer | undefined {
  const t = text.trim().replace(/^0x/i, "").replace(/[\s:]/g, "");
  if (t === "" || t.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(t)) return undefined;
  return Buffer.from(t, "hex");
}

/** Merges entries of the same session (later fields fill gaps; sources are joined). */
export function mergeEntries(entries: KeyEntry[]): KeyEntry[] {
  const by = new Map<string, KeyEntry>();
  for (const e of entries) {
    const old = by.get(e.sesId);
    if (!old) {
      by.set(e.sesId, { ...e });
      continue;
    }
    old.sessionKey ??= e.sessionKey;
    old.serverIn ??= e.serverIn;
    old.serverOut ??= e.serverOut;
    old.signingKey ??= e.signingKey;
    if (!old.source.split(", ").includes(e.source)) old.source += `, ${e.source}`;
  }
  return [...by.values()];
}
