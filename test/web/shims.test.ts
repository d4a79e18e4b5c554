/** The browser shims behave like the Node built-ins they stand in for (the engine relies on it). */
import assert from "node:assert/strict";
import * as nc from "node:crypto";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { Buffer as B } from "../../src/web/shims/buffer.js";
import * as wc from "../../src/web/shims/crypto.js";
import { sha512 } from "../../src/web/shims/crypto.js";
import { closeSync, fstatSync, openSync, readSync, registerFile } from "../../src/web/shims/fs.js";

test("Buffer shim: reads, writes, encodings, search, concat match node's Buffer", () => {
  const raw = randomBytes(64);
  raw.write("NTLMSSP\0", 20, "latin1");
  const b = B.from(raw);
  for (let o = 0; o <= 56; o += 3) {
    assert.equal(b.readUInt16LE(o), raw.readUInt16LE(o));
    assert.equal(b.readUInt16BE(o), raw.readUInt16BE(o));
    assert.equal(b.readUInt32LE(o), raw.readUInt32LE(o));
    assert.equal(b.readUInt32BE(o), raw.readUInt32BE(o));
    assert.equal(b.readInt32LE(o), raw.readInt32LE(o));
    assert.equal(b.readInt16LE(o), raw.readInt16LE(o));
    assert.equal(b.readBigUInt64LE(o), raw.readBigUInt64LE(o));
    assert.equal(b.readBigInt64LE(o), raw.readBigInt64LE(o));
  }
  assert.throws(() => b.readUInt32LE(61), RangeError);
  for (const enc of ["hex", "latin1", "utf16le", "base64", "ascii"] as const)
    assert.equal(b.toString(enc), raw.toString(enc), enc);
  assert.equal(b.toString("hex", 3, 9), raw.toString("hex", 3, 9));
  const sub = b.subarray(4, 12);
  assert.ok(sub instanceof B);
  assert.equal(sub.readUInt32LE(0), raw.readUInt32LE(4));
  assert.equal(b.indexOf("NTLMSSP\0", 0, "latin1"), 20);
  assert.equal(b.indexOf(B.from("NTLMSSP")), raw.indexOf(Buffer.from("NTLMSSP")));
  assert.equal(B.from("héllo wörld", "utf16le").toString("utf16le"), "héllo wörld");
  assert.equal(B.from("00ff10", "hex").toString("hex"), "00ff10");
  assert.deepEqual([...B.concat([B.from([1, 2]), B.from([3])])], [1, 2, 3]);
  const w = B.alloc(8);
  w.writeUInt32LE(0xdeadbeef, 0);
  w.writeUInt32BE(0x01020304, 4);
  assert.equal(w.toString("hex"), "efbeadde01020304");
  assert.ok(B.from([1, 2]).equals(B.from([1, 2])));
  assert.equal(B.from([1, 2]).compare(B.from([1, 3])), -1);
});

test("crypto shim: SHA-512 matches node for several lengths", () => {
  for (const n of [0, 1, 111, 112, 127, 128, 129, 1000]) {
    const d = randomBytes(n);
    assert.equal(
      Buffer.from(sha512(d)).toString("hex"),
      createHash("sha512").update(d).digest("hex"),
      `len ${n}`,
    );
  }
});

test("fs shim: registered bytes read through descriptors, unknown paths are ENOENT", () => {
  registerFile("/mem/x", Uint8Array.from([1, 2, 3, 4, 5]));
  const fd = openSync("/mem/x");
  assert.equal(fstatSync(fd).size, 5);
  const out = new Uint8Array(4);
  assert.equal(readSync(fd, out, 1, 3, 3), 2);
  assert.deepEqual([...out], [0, 4, 5, 0]);
  closeSync(fd);
  assert.throws(() => openSync("/etc/passwd"), /ENOENT/);
});

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("crypto shim: SHA-256 and HMAC-SHA256/512 match node", () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 1000]) {
    const d = randomBytes(n);
    assert.equal(
      hex(wc.createHash("sha256").update(d).digest()),
      createHash("sha256").update(d).digest("hex"),
    );
    for (const kl of [16, 64, 100])
      for (const alg of ["sha256", "sha512"]) {
        const k = randomBytes(kl);
        assert.equal(
          hex(wc.createHmac(alg, k).update(d.subarray(0, 3)).update(d.subarray(3)).digest()),
          nc.createHmac(alg, k).update(d).digest("hex"),
          `${alg} key ${kl} len ${n}`,
        );
      }
  }
});

test("crypto shim: AES-ECB/CBC without padding match node for 128/192/256-bit keys", () => {
  for (const bits of [128, 192, 256]) {
    const key = randomBytes(bits / 8);
    const data = randomBytes(80);
    for (const mode of ["ecb", "cbc"]) {
      const iv = mode === "ecb" ? null : randomBytes(16);
      const n = nc.createCipheriv(`aes-${bits}-${mode}`, key, iv).setAutoPadding(false);
      const want = Buffer.concat([n.update(data), n.final()]);
      const w = wc.createCipheriv(`aes-${bits}-${mode}`, key, iv).setAutoPadding(false);
      // Split mid-block: the shim buffers partial blocks like node.
      const got = Buffer.concat([w.update(data.subarray(0, 21)), w.update(data.subarray(21)), w.final()]);
      assert.equal(hex(got), hex(want), `${bits} ${mode}`);
    }
  }
});

test("crypto shim: AES-GCM and AES-CCM encrypt, decrypt and reject bad tags like node", () => {
  for (const bits of [128, 256])
    for (const len of [0, 1, 15, 16, 17, 100, 1500]) {
      const key = randomBytes(bits / 8);
      const aad = randomBytes(32);
      const data = randomBytes(len);
      // GCM, 12-byte nonce (SMB3 transform and GMAC signing).
      const iv = randomBytes(12);
      const ne = nc.createCipheriv(`aes-${bits}-gcm` as "aes-128-gcm", key, iv);
      ne.setAAD(aad);
      const ct = Buffer.concat([ne.update(data), ne.final()]);
      const tag = ne.getAuthTag();
      const we = wc.createCipheriv(`aes-${bits}-gcm`, key, iv);
      we.setAAD(aad);
      assert.equal(hex(Buffer.concat([we.update(data), we.final()])), hex(ct), `gcm ${bits} ${len}`);
      assert.equal(hex(we.getAuthTag()), hex(tag));
      const wd = wc.createDecipheriv(`aes-${bits}-gcm`, key, iv, { authTagLength: 16 });
      wd.setAuthTag(tag);
      wd.setAAD(aad);
      assert.equal(
        hex(Buffer.concat([wd.update(ct.subarray(0, 7)), wd.update(ct.subarray(7)), wd.final()])),
        hex(data),
      );
      const bad = wc.createDecipheriv(`aes-${bits}-gcm`, key, iv, { authTagLength: 16 });
      bad.setAuthTag(Buffer.from(tag).fill(1, 0, 1));
      bad.setAAD(aad);
      bad.update(ct);
      if (tag[0] !== 1) assert.throws(() => bad.final(), /authenticate/);
      // CCM, 11-byte nonce, 16-byte tag (SMB 3.0 transform); OpenSSL refuses empty CCM messages.
      if (!len) continue;
      const nonce = randomBytes(11);
      const ce = nc.createCipheriv(`aes-${bits}-ccm` as "aes-128-ccm", key, nonce, { authTagLength: 16 });
      ce.setAAD(aad, { plaintextLength: len });
      const cct = Buffer.concat([ce.update(data), ce.final()]);
      const ctag = ce.getAuthTag();
      const cw = wc.createCipheriv(`aes-${bits}-ccm`, key, nonce, { authTagLength: 16 });
      cw.setAAD(aad, { plaintextLength: len });
      assert.equal(hex(Buffer.concat([cw.update(data), cw.final()])), hex(cct), `ccm ${bits} ${len}`);
      assert.equal(hex(cw.getAuthTag()), hex(ctag));
      const cd = wc.createDecipheriv(`aes-${bits}-ccm`, key, nonce, { authTagLength: 16 });
      cd.setAuthTag(ctag);
      cd.setAAD(aad, { plaintextLength: len });
      assert.equal(hex(cd.update(cct)), hex(data));
      cd.final();
      const cbad = wc.createDecipheriv(`aes-${bits}-ccm`, key, nonce, { authTagLength: 16 });
      cbad.setAuthTag(Buffer.from(ctag).map((x) => x ^ 0x80));
      cbad.setAAD(aad, { plaintextLength: len });
      assert.throws(() => {
        cbad.update(cct);
        cbad.final();
      }, /authenticate/);
    }
});

test("Buffer shim: write() and allocUnsafeSlow() as the packet store and the capture slabs use them", () => {
  for (const s of ["Create Request File: a.txt", "Create Request File: dïr\\fïlé€.txt", "日本"]) {
    const a = B.allocUnsafeSlow(64).fill(0);
    const b = Buffer.alloc(64);
    assert.equal(a.write(s, 5, "utf8"), b.write(s, 5, "utf8"), s);
    assert.deepEqual([...a], [...b], s);
    assert.equal(a.toString("utf8", 5, 5 + Buffer.byteLength(s)), s);
  }
  assert.equal(B.alloc(4).write("abcdef", 1), 3);
});
