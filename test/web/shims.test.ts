/** The browser shims behave like the Node built-ins they stand in for (the engine relies on it). */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";
import { Buffer as B } from "../../src/web/shims/buffer.js";
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
