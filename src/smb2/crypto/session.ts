/** Combining a key source's material (src/keys KeyEntry) with what the capture negotiated. */
import { Dialect } from "./constants.js";
import { deriveKeys } from "./kdf.js";

export interface KeyMaterial {
  sessionKey?: Buffer;
  serverIn?: Buffer;
  serverOut?: Buffer;
  signingKey?: Buffer;
}

export interface ResolvedKeys {
  signingKey?: Buffer;
  serverInKey?: Buffer;
  serverOutKey?: Buffer;
  applicationKey?: Buffer;
  /** Why some keys could not be derived (e.g. 3.1.1 without the session setup in the capture). */
  note?: string;
}

/**
 * Keys for one session: explicit ServerIn/ServerOut/Signing keys win; the others are derived from
 * the session key when the dialect (and for 3.1.1 the preauth hash) allows. Never throws.
 */
export function resolveSessionKeys(
  km: KeyMaterial,
  dialect: number,
  preauthHash: Buffer | undefined,
  cipherId: number,
): ResolvedKeys {
  const out: ResolvedKeys = {};
  if (km.sessionKey) {
    if (dialect === 0) out.note = "dialect unknown (no NEGOTIATE in the capture): keys not derived";
    else if (dialect === Dialect.SMB311 && preauthHash?.length !== 64) {
      out.note = "SMB 3.1.1 preauth hash unknown (SESSION_SETUP not in the capture): keys not derived";
    } else {
      const k = deriveKeys(dialect, km.sessionKey, preauthHash, cipherId);
      out.signingKey = k.signingKey;
      out.applicationKey = k.applicationKey;
      if (k.serverInKey.length) out.serverInKey = k.serverInKey;
      if (k.serverOutKey.length) out.serverOutKey = k.serverOutKey;
    }
  }
  if (km.serverIn) out.serverInKey = km.serverIn;
  if (km.serverOut) out.serverOutKey = km.serverOut;
  if (km.signingKey) out.signingKey = km.signingKey;
  return out;
}
