/**
 * SMB2/3 cryptography for a passive observer (pure functions plus one per-connection tracker; only
 * node:crypto is used). Typical use by the trace pipeline, per TCP connection:
 *
 *   const t = new PreauthTracker();
 *   for each SMB2 message in order (each compounded message alone; decrypted ones too):
 *     t.feed(raw)                       // or t.feed(raw, {cmd, isResponse, status, sesId, messageId})
 *   when a transform PDU (isTransform(pdu)) of session S arrives and a session key K is known:
 *     const keys = deriveKeys(t.dialect, K, t.sessionHash(S), t.cipherId)   // SessionKeys
 *     decryptTransform(pdu, fromClient ? keys.serverInKey : keys.serverOutKey, t.cipherId)
 *       -> {ok:true, plain} | {ok:false, error}        (never throws)
 *     decryptAnyDirection(pdu, {serverIn, serverOut}, cipherId?)   // direction (and cipher) unknown,
 *       or with serverIn/serverOut straight from a key source (KeyEntry) instead of deriveKeys
 *   verifySignature(oneMessage, t.signingAlgo, keys.signingKey) -> "good" | "bad"
 *   With a KeyEntry from src/keys (session key and/or explicit keys):
 *     resolveSessionKeys(entry, t.dialect, t.sessionHash(S), t.cipherId) -> ResolvedKeys
 *       {signingKey?, serverInKey?, serverOutKey?, applicationKey?, note?}; explicit keys win.
 *
 * API:
 *   deriveKeys(dialect, sessionKey, preauthHash | undefined, cipherId): SessionKeys
 *       { signingKey, serverInKey (client→server), serverOutKey (server→client), applicationKey };
 *       throws only for 3.1.1 without a 64-byte preauth hash. sp800108(ki, label, context, bits).
 *   class PreauthTracker { feed(raw, meta?); sessionHash(sesId: bigint); connectionHash();
 *       partialSessionHash(sesId); isBinding(sesId); dialect; cipherId; signingAlgo; compressionAlgos;
 *       compressionChained }  (a binding's hash gives only that channel's signing key; encryption keys
 *       come from the connection that established the session)
 *   parseTransformHeader(buf) -> {ok, value: TransformHeader} | {ok:false, error}; isTransform(buf)
 *   decryptTransform(pdu, key, cipherId): DecryptResult; decryptAnyDirection(pdu, keys, cipherId?)
 *   computeSignature(msg, algo, key, opts?): Buffer (throws on short input);
 *   verifySignature(msg, algo, key, opts?): "good" | "bad"; defaultSigningAlgo(dialect)
 *   aesCmac(key, msg): RFC 4493 AES-CMAC.
 *   Constants: Dialect, Cipher (1 AES-128-CCM, 2 AES-128-GCM, 3 AES-256-CCM, 4 AES-256-GCM),
 *   SigningAlgo (0 HMAC-SHA256, 1 AES-CMAC, 2 AES-GMAC), cipherNames.
 */
export { aesCmac } from "./cmac.js";
export { Cipher, cipherNames, Dialect, SigningAlgo, type SigningAlgoId } from "./constants.js";
export { deriveKeys, type SessionKeys, sp800108 } from "./kdf.js";
export { headerMeta, type MessageMeta, PreauthTracker } from "./preauth.js";
export { type KeyMaterial, type ResolvedKeys, resolveSessionKeys } from "./session.js";
export { computeSignature, defaultSigningAlgo, type SignOptions, verifySignature } from "./signing.js";
export {
  type DecryptAnyResult,
  type DecryptResult,
  type DirectionKeys,
  decryptAnyDirection,
  decryptTransform,
  isTransform,
  parseTransformHeader,
  TAG_MISMATCH,
  type TransformHeader,
} from "./transform.js";
