import assert from "node:assert/strict";
import { test } from "node:test";
import { Cipher, Dialect, SigningAlgo } from "../../src/smb2/crypto/constants.js";
import { deriveKeys } from "../../src/smb2/crypto/kdf.js";
import { PreauthTracker } from "../../src/smb2/crypto/preauth.js";
import {
  decryptAnyDirection,
  decryptTransform,
  isTransform,
  TAG_MISMATCH,
} from "../../src/smb2/crypto/transform.js";
import { loadFixture, nbssMessages } from "./helpers.js";

test("smb3.pcap (SMB 3.0, AES-128-CCM): every transform PDU decrypts to tshark's plaintext", () => {
  const f = loadFixture("smb3.json");
  const msgs = nbssMessages(f);
  const tracker = new PreauthTracker();
  for (const m of msgs) if (!isTransform(m.data)) tracker.feed(m.data);
  assert.equal(tracker.dialect, Dialect.SMB300);
  assert.equal(tracker.cipherId, Cipher.AES128CCM);
  assert.equal(tracker.signingAlgo, SigningAlgo.AESCMAC);
  const keys = deriveKeys(tracker.dialect, Buffer.from(f.key, "hex"), undefined, tracker.cipherId);
  let n = 0;
  for (const m of msgs) {
    if (!isTransform(m.data)) continue;
    const r = decryptTransform(m.data, m.c2s ? keys.serverInKey : keys.serverOutKey, tracker.cipherId);
    assert.ok(r.ok, `frame ${m.frame}: ${r.ok ? "" : r.error}`);
    assert.equal(r.plain.toString("hex"), f.decrypted[m.frame]![0], `frame ${m.frame}`);
    // The wrong direction's key must fail cleanly.
    const w = decryptTransform(m.data, m.c2s ? keys.serverOutKey : keys.serverInKey, tracker.cipherId);
    assert.deepEqual(w, { ok: false, error: TAG_MISMATCH });
    n++;
  }
  assert.equal(n, Object.keys(f.decrypted).length);
  assert.equal(n, 44);
});

test("smb311.pcap: preauth hash from the capture + session key alone -> keys -> decryption", () => {
  const f = loadFixture("smb311.json");
  const msgs = nbssMessages(f);
  const tracker = new PreauthTracker();
  for (const m of msgs) if (!isTransform(m.data)) tracker.feed(m.data);
  assert.equal(tracker.dialect, Dialect.SMB311);
  const sesId = Buffer.from(f.sesid, "hex").readBigUInt64LE(0);
  const hash = tracker.sessionHash(sesId);
  assert.ok(hash, "session hash available after STATUS_SUCCESS");
  assert.equal(hash.length, 64);
  const keys = deriveKeys(tracker.dialect, Buffer.from(f.key, "hex"), hash, tracker.cipherId);
  let n = 0;
  for (const m of msgs) {
    if (!isTransform(m.data)) continue;
    const r = decryptTransform(m.data, m.c2s ? keys.serverInKey : keys.serverOutKey, tracker.cipherId);
    assert.ok(r.ok, `frame ${m.frame}: ${r.ok ? "" : r.error}`);
    assert.equal(r.plain.toString("hex"), f.decrypted[m.frame]![0], `frame ${m.frame}`);
    const any = decryptAnyDirection(m.data, { serverIn: keys.serverInKey, serverOut: keys.serverOutKey });
    assert.ok(any.ok);
    assert.equal(any.direction, m.c2s ? "c2s" : "s2c");
    assert.equal(any.cipherId, tracker.cipherId);
    n++;
  }
  assert.equal(n, 28);
});

for (const [name, cipher, count] of [
  ["samba-aes128gcm", Cipher.AES128GCM, 32],
  ["samba-aes256gcm", Cipher.AES256GCM, 32],
  ["samba-aes256ccm", Cipher.AES256CCM, 32],
  ["samba-smb302enc", Cipher.AES128CCM, 36],
  ["samba-krb-aes256gcm", Cipher.AES256GCM, 24],
  ["samba-krb-aes256ccm", Cipher.AES256CCM, 24],
  ["samba-krb-aes128gcm", Cipher.AES128GCM, 24],
] as const) {
  test(`${name}: tracker + session key -> every PDU decrypts to tshark's plaintext`, () => {
    const f = loadFixture(`${name}.json`);
    const msgs = nbssMessages(f);
    const tracker = new PreauthTracker();
    for (const m of msgs) if (!isTransform(m.data)) tracker.feed(m.data);
    assert.equal(tracker.cipherId, cipher);
    const sesId = Buffer.from(f.sesid, "hex").readBigUInt64LE(0);
    const keys = deriveKeys(tracker.dialect, Buffer.from(f.key, "hex"), tracker.sessionHash(sesId), cipher);
    let n = 0;
    for (const m of msgs) {
      if (!isTransform(m.data)) continue;
      const r = decryptTransform(m.data, m.c2s ? keys.serverInKey : keys.serverOutKey, cipher);
      assert.ok(r.ok, `frame ${m.frame}: ${r.ok ? "" : r.error}`);
      assert.equal(r.plain.toString("hex"), f.decrypted[m.frame]![0], `frame ${m.frame}`);
      const any = decryptAnyDirection(m.data, { serverIn: keys.serverInKey, serverOut: keys.serverOutKey });
      assert.ok(any.ok && any.cipherId === cipher && any.direction === (m.c2s ? "c2s" : "s2c"));
      n++;
    }
    assert.equal(n, count);
  });
}
