import assert from "node:assert/strict";
import { createCipheriv, randomBytes } from "node:crypto";
import { test } from "node:test";
import {
  decryptAnyDirection,
  decryptTransform,
  parseTransformHeader,
} from "../../src/smb2/crypto/transform.js";

/** Builds a transform PDU with node's AEAD directly (nonce/AAD layout per MS-SMB2 3.1.4.3). */
function encrypt(plain: Buffer, key: Buffer, cipher: 1 | 2 | 3 | 4, sesId = 0x1122334455667788n): Buffer {
  const ccm = cipher === 1 || cipher === 3;
  const hdr = Buffer.alloc(52);
  hdr.write("\xfdSMB", 0, "latin1");
  const nonce = randomBytes(ccm ? 11 : 12);
  nonce.copy(hdr, 20);
  hdr.writeUInt32LE(plain.length, 36);
  hdr.writeUInt16LE(1, 42);
  hdr.writeBigUInt64LE(sesId, 44);
  const algo = `aes-${key.length * 8}-${ccm ? "ccm" : "gcm"}` as "aes-128-gcm";
  const c = createCipheriv(algo, key, nonce, { authTagLength: 16 });
  c.setAAD(hdr.subarray(20, 52), { plaintextLength: plain.length });
  const ct = Buffer.concat([c.update(plain), c.final()]);
  c.getAuthTag().copy(hdr, 4);
  return Buffer.concat([hdr, ct]);
}

test("round trip through all four ciphers, tamper detection", () => {
  const plain = Buffer.concat([Buffer.from("fe534d42", "hex"), randomBytes(200)]);
  for (const cipher of [1, 2, 3, 4] as const) {
    const key = randomBytes(cipher >= 3 ? 32 : 16);
    const pdu = encrypt(plain, key, cipher);
    const r = decryptTransform(pdu, key, cipher);
    assert.ok(r.ok);
    assert.deepEqual(r.plain, plain);
    for (const at of [4, 25, 40, 44, 60]) {
      const bad = Buffer.from(pdu);
      bad[at]! ^= 1;
      assert.deepEqual(decryptTransform(bad, key, cipher), {
        ok: false,
        error: "authentication tag mismatch: wrong key?",
      });
    }
    const any = decryptAnyDirection(pdu, { serverIn: randomBytes(key.length), serverOut: key });
    assert.ok(any.ok && any.direction === "s2c" && any.cipherId === cipher);
  }
});

test("bad input never throws", () => {
  const key = randomBytes(16);
  const pdu = encrypt(Buffer.alloc(100, 1), key, 2);
  assert.equal(decryptTransform(Buffer.alloc(0), key, 2).ok, false);
  assert.match((decryptTransform(pdu.subarray(0, 30), key, 2) as { error: string }).error, /truncated/);
  assert.match((decryptTransform(pdu.subarray(0, 120), key, 2) as { error: string }).error, /truncated/);
  assert.match((decryptTransform(pdu, key, 9) as { error: string }).error, /unknown cipher/);
  assert.match((decryptTransform(pdu, randomBytes(5), 2) as { error: string }).error, /does not fit/);
  assert.match(
    (decryptTransform(Buffer.from("fe534d42", "hex"), key, 2) as { error: string }).error,
    /not a transform/,
  );
  assert.equal(decryptAnyDirection(pdu, {}).ok, false);
  for (let i = 0; i < 200; i++) decryptTransform(randomBytes(i), key, 1 + (i % 4));
  const h = parseTransformHeader(pdu);
  assert.ok(h.ok && h.value.sessionId === 0x1122334455667788n && h.value.originalSize === 100);
  assert.equal(h.ok && h.value.sessionIdBytes.toString("hex"), "8877665544332211");
});
