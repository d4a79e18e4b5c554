import assert from "node:assert/strict";
import { test } from "node:test";
import { parseKeyArg } from "../../src/keys/index.js";
import { Cipher, Dialect, deriveKeys, resolveSessionKeys } from "../../src/smb2/crypto/index.js";

const sk = Buffer.from("28f2847263c83dc00621f742dd3f2e7b", "hex");

test("resolveSessionKeys: derives, lets explicit keys win, explains what it cannot do", () => {
  const entry = parseKeyArg(`3d00009400480000,${sk.toString("hex")}`);
  const d = deriveKeys(Dialect.SMB300, sk, undefined, Cipher.AES128CCM);
  const r = resolveSessionKeys(entry, Dialect.SMB300, undefined, Cipher.AES128CCM);
  assert.deepEqual(r.serverInKey, d.serverInKey);
  assert.deepEqual(r.signingKey, d.signingKey);
  assert.equal(r.note, undefined);
  const explicit = resolveSessionKeys(
    { sessionKey: sk, serverIn: Buffer.alloc(16, 1) },
    Dialect.SMB300,
    undefined,
    Cipher.AES128CCM,
  );
  assert.deepEqual(explicit.serverInKey, Buffer.alloc(16, 1));
  assert.deepEqual(explicit.serverOutKey, d.serverOutKey);
  const no311 = resolveSessionKeys(
    { sessionKey: sk, serverOut: Buffer.alloc(32, 2) },
    Dialect.SMB311,
    undefined,
    4,
  );
  assert.match(no311.note ?? "", /preauth hash unknown/);
  assert.equal(no311.serverInKey, undefined);
  assert.deepEqual(no311.serverOutKey, Buffer.alloc(32, 2));
  assert.match(resolveSessionKeys({ sessionKey: sk }, 0, undefined, 0).note ?? "", /dialect unknown/);
  const smb2 = resolveSessionKeys({ sessionKey: sk }, Dialect.SMB210, undefined, 0);
  assert.deepEqual(smb2.signingKey, sk);
  assert.equal(smb2.serverInKey, undefined);
});
