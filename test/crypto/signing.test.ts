import assert from "node:assert/strict";
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { test } from "node:test";
import { aesCmac, subkeys } from "../../src/smb2/crypto/cmac.js";
import { SigningAlgo, type SigningAlgoId } from "../../src/smb2/crypto/constants.js";
import { deriveKeys } from "../../src/smb2/crypto/kdf.js";
import { PreauthTracker } from "../../src/smb2/crypto/preauth.js";
import { computeSignature, verifySignature } from "../../src/smb2/crypto/signing.js";
import { decryptTransform, isTransform } from "../../src/smb2/crypto/transform.js";
import { loadFixture, nbssMessages, splitCompound } from "./helpers.js";

const h = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

test("AES-CMAC: RFC 4493 section 4 test vectors", () => {
  const key = h("2b7e1516 28aed2a6 abf71588 09cf4f3c");
  const { k1, k2 } = subkeys(key);
  assert.equal(k1.toString("hex"), "fbeed618357133667c85e08f7236a8de");
  assert.equal(k2.toString("hex"), "f7ddac306ae266ccf90bc11ee46d513b");
  const m = h(
    "6bc1bee2 2e409f96 e93d7e11 7393172a ae2d8a57 1e03ac9c 9eb76fac 45af8e51" +
      "30c81c46 a35ce411 e5fbc119 1a0a52ef f69f2445 df4f9b17 ad2b417b e66c3710",
  );
  assert.equal(aesCmac(key, m.subarray(0, 0)).toString("hex"), "bb1d6929e95937287fa37d129b756746");
  assert.equal(aesCmac(key, m.subarray(0, 16)).toString("hex"), "070a16b46b4d4144f79bdd9dd04a287c");
  assert.equal(aesCmac(key, m.subarray(0, 40)).toString("hex"), "dfa66747de9ae63030ca32611497c827");
  assert.equal(aesCmac(key, m).toString("hex"), "51f0bebf7e3b9d92fc49741779363cfe");
});

/** GF(2^128) multiply per SP800-38D 6.3, on BigInts (bit 0 = the MSB of byte 0). */
function gfMul(x: bigint, y: bigint): bigint {
  const R = 0xe1n << 120n;
  let z = 0n;
  let v = y;
  for (let i = 127n; i >= 0n; i--) {
    if ((x >> i) & 1n) z ^= v;
    v = v & 1n ? (v >> 1n) ^ R : v >> 1n;
  }
  return z;
}
const big = (b: Buffer) => BigInt("0x" + (b.toString("hex") || "0"));

/** GMAC written from SP800-38D (GHASH over the AAD, no ciphertext) using only AES-ECB. */
function gmacReference(key: Buffer, nonce12: Buffer, aad: Buffer): Buffer {
  const ecb = (b: Buffer) => createCipheriv("aes-128-ecb", key, null).setAutoPadding(false).update(b);
  const H = big(ecb(Buffer.alloc(16)));
  let x = 0n;
  const padded = Buffer.concat([aad, Buffer.alloc((16 - (aad.length % 16)) % 16)]);
  for (let i = 0; i < padded.length; i += 16) x = gfMul(x ^ big(padded.subarray(i, i + 16)), H);
  x = gfMul(x ^ (BigInt(aad.length * 8) << 64n), H);
  const j0 = Buffer.concat([nonce12, h("00000001")]);
  const t = x ^ big(ecb(j0));
  return Buffer.from(t.toString(16).padStart(32, "0"), "hex");
}

function fakeMessage(flags: number, cmd: number, messageId: bigint, bodyLen: number): Buffer {
  const m = Buffer.concat([Buffer.alloc(64), randomBytes(bodyLen)]);
  m.writeUInt32BE(0xfe534d42, 0);
  m.writeUInt16LE(64, 4);
  m.writeUInt16LE(cmd, 12);
  m.writeUInt32LE(flags | 8, 16);
  m.writeBigUInt64LE(messageId, 24);
  return m;
}

test("signatures agree with independent computations (HMAC, CMAC, GMAC nonce layout)", () => {
  const key = randomBytes(16);
  for (const [flags, cmd, role, cancel] of [
    [0, 5, 0, 0],
    [1, 5, 1, 0],
    [0, 12, 0, 2],
    [1, 12, 1, 2],
  ] as const) {
    const m = fakeMessage(flags, cmd, 0x0102030405060708n, 37);
    const zeroed = Buffer.from(m);
    zeroed.fill(0, 48, 64);
    const nonce = Buffer.concat([h("0807060504030201"), Buffer.from([role | cancel, 0, 0, 0])]);
    const gmac = gmacReference(key, nonce, zeroed);
    assert.deepEqual(computeSignature(m, SigningAlgo.AESGMAC, key), gmac);
    gmac.copy(m, 48);
    assert.equal(verifySignature(m, SigningAlgo.AESGMAC, key), "good");
    assert.equal(verifySignature(m, SigningAlgo.AESGMAC, key, { isResponse: !(flags & 1) }), "bad");
    const hm = createHmac("sha256", key).update(zeroed).digest().subarray(0, 16);
    hm.copy(m, 48);
    assert.equal(verifySignature(m, SigningAlgo.HMACSHA256, key), "good");
    aesCmac(key, zeroed).copy(m, 48);
    assert.equal(verifySignature(m, SigningAlgo.AESCMAC, key), "good");
    m[70]! ^= 0x40;
    assert.equal(verifySignature(m, SigningAlgo.AESCMAC, key), "bad");
  }
  assert.equal(verifySignature(Buffer.alloc(10), SigningAlgo.AESCMAC, key), "bad");
  assert.equal(verifySignature(fakeMessage(0, 0, 0n, 0), 7 as SigningAlgoId, key), "bad");
});

const captures: [string, number, number][] = [
  // fixture, expected algorithm, minimum number of signed messages
  ["smb3.json", SigningAlgo.AESCMAC, 5],
  ["smb311.json", SigningAlgo.AESCMAC, 1],
  ["samba-gmacsign.json", SigningAlgo.AESGMAC, 20],
  ["samba-cmacsign311.json", SigningAlgo.AESCMAC, 20],
  ["samba-hmac210.json", SigningAlgo.HMACSHA256, 20],
  ["samba-aes256gcm.json", SigningAlgo.AESGMAC, 1],
];

for (const [name, algo, min] of captures) {
  test(`real signed messages verify: ${name}`, () => {
    const f = loadFixture(name);
    const msgs = nbssMessages(f);
    const tracker = new PreauthTracker();
    for (const m of msgs) if (!isTransform(m.data)) tracker.feed(m.data);
    assert.equal(tracker.signingAlgo, algo);
    const sesId = Buffer.from(f.sesid, "hex").readBigUInt64LE(0);
    const keys = deriveKeys(
      tracker.dialect,
      Buffer.from(f.key, "hex"),
      tracker.sessionHash(sesId),
      tracker.cipherId,
    );
    let good = 0;
    for (const m of msgs) {
      let data = m.data;
      if (isTransform(data)) {
        const r = decryptTransform(data, m.c2s ? keys.serverInKey : keys.serverOutKey, tracker.cipherId);
        if (!r.ok) continue;
        data = r.plain;
      }
      for (const msg of splitCompound(data)) {
        if (!(msg.readUInt32LE(16) & 8)) continue;
        assert.equal(verifySignature(msg, tracker.signingAlgo, keys.signingKey), "good", `frame ${m.frame}`);
        const bad = Buffer.from(msg);
        bad[bad.length - 1]! ^= 1;
        assert.equal(verifySignature(bad, tracker.signingAlgo, keys.signingKey), "bad");
        good++;
      }
    }
    assert.ok(good >= min, `${good} signed messages`);
  });
}
