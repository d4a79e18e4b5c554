import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { Cipher, Dialect, SigningAlgo } from "../../src/smb2/crypto/constants.js";
import { PreauthTracker } from "../../src/smb2/crypto/preauth.js";

const sha = (...b: Buffer[]) => createHash("sha512").update(Buffer.concat(b)).digest();

function msg(
  cmd: number,
  resp: boolean,
  status: number,
  sesId: bigint,
  messageId: bigint,
  body: Buffer,
): Buffer {
  const h = Buffer.alloc(64);
  h.writeUInt32BE(0xfe534d42, 0);
  h.writeUInt16LE(64, 4);
  h.writeUInt32LE(status, 8);
  h.writeUInt16LE(cmd, 12);
  h.writeUInt32LE(resp ? 1 : 0, 16);
  h.writeBigUInt64LE(messageId, 24);
  h.writeBigUInt64LE(sesId, 40);
  return Buffer.concat([h, body]);
}

function ctx(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  const pad = Buffer.alloc((8 - (data.length % 8)) % 8);
  return Buffer.concat([h, data, pad]);
}

function negotiateResponse(dialect: number, contexts: Buffer[]): Buffer {
  const body = Buffer.alloc(64);
  body.writeUInt16LE(65, 0);
  body.writeUInt16LE(dialect, 4);
  body.writeUInt16LE(contexts.length, 6);
  body.writeUInt32LE(0x7f, 24);
  body.writeUInt32LE(128, 60); // contexts right after the fixed part (64 + 64)
  return msg(0, true, 0, 0n, 0n, Buffer.concat([body, ...contexts]));
}

const u16s = (...v: number[]) => {
  const b = Buffer.alloc(2 * v.length);
  v.forEach((x, i) => {
    b.writeUInt16LE(x, 2 * i);
  });
  return b;
};

test("negotiate contexts give dialect, cipher, signing and compression; hashes chain per session", () => {
  const t = new PreauthTracker();
  const negReq = msg(0, false, 0, 0n, 0n, Buffer.from("negotiate request body"));
  const negResp = negotiateResponse(Dialect.SMB311, [
    ctx(1, Buffer.concat([u16s(1, 32, 1), Buffer.alloc(32, 9)])),
    ctx(2, u16s(1, Cipher.AES256GCM)),
    ctx(3, Buffer.concat([u16s(3, 0), Buffer.from([1, 0, 0, 0]), u16s(2, 3, 4)])),
    ctx(8, u16s(1, SigningAlgo.AESGMAC)),
  ]);
  t.feed(negReq);
  t.feed(negResp);
  assert.equal(t.dialect, Dialect.SMB311);
  assert.equal(t.cipherId, Cipher.AES256GCM);
  assert.equal(t.signingAlgo, SigningAlgo.AESGMAC);
  assert.equal(t.preauthAlgo, 1);
  assert.deepEqual(t.compressionAlgos, [2, 3, 4]);
  assert.equal(t.compressionChained, true);
  const conn = sha(sha(Buffer.alloc(64), negReq), negResp);
  assert.deepEqual(t.connectionHash(), conn);

  // Two sessions set up at once, both first legs with SessionId 0, told apart by MessageId.
  const a1 = msg(1, false, 0, 0n, 1n, Buffer.from("A1"));
  const b1 = msg(1, false, 0, 0n, 2n, Buffer.from("B1"));
  const b1r = msg(1, true, 0xc0000016, 7n, 2n, Buffer.from("B1r"));
  const a1r = msg(1, true, 0xc0000016, 5n, 1n, Buffer.from("A1r"));
  const a2 = msg(1, false, 0, 5n, 3n, Buffer.from("A2"));
  const b2 = msg(1, false, 0, 7n, 4n, Buffer.from("B2"));
  const a2r = msg(1, true, 0, 5n, 3n, Buffer.from("A2r"));
  const b2r = msg(1, true, 0xc000006d, 7n, 4n, Buffer.from("logon failure"));
  for (const m of [a1, b1, b1r, a1r, a2, b2]) t.feed(m);
  assert.equal(t.sessionHash(5n), undefined, "not before STATUS_SUCCESS");
  t.feed(a2r);
  t.feed(b2r);
  assert.deepEqual(t.sessionHash(5n), sha(sha(sha(conn, a1), a1r), a2));
  assert.equal(t.sessionHash(7n), undefined, "a failed session has no hash");
  // Re-authentication of session 5 leaves its keys' hash alone.
  t.feed(msg(1, false, 0, 5n, 9n, Buffer.from("reauth")));
  t.feed(msg(1, true, 0, 5n, 9n, Buffer.from("reauth ok")));
  assert.deepEqual(t.sessionHash(5n), sha(sha(sha(conn, a1), a1r), a2));
  assert.equal(t.isBinding(5n), false);
  // A channel binding of session 9 (SMB2_SESSION_FLAG_BINDING) is recognised.
  const bind = msg(1, false, 0, 9n, 11n, Buffer.from([25, 0, 1, 0, 0, 0, 0, 0]));
  t.feed(bind);
  t.feed(msg(1, true, 0, 9n, 11n, Buffer.from("bound")));
  assert.equal(t.isBinding(9n), true);
  assert.deepEqual(t.sessionHash(9n), sha(conn, bind));
  // Other commands are not hashed.
  t.feed(msg(3, false, 0, 5n, 10n, Buffer.from("tree connect")));
  assert.deepEqual(t.connectionHash(), conn);
});

test("3.0 and 2.1 negotiate responses; malformed input is ignored", () => {
  const t = new PreauthTracker();
  t.feed(negotiateResponse(Dialect.SMB300, []));
  assert.equal(t.cipherId, Cipher.AES128CCM);
  assert.equal(t.signingAlgo, SigningAlgo.AESCMAC);
  assert.equal(t.sessionHash(1n), undefined);
  const t2 = new PreauthTracker();
  t2.feed(negotiateResponse(Dialect.SMB210, []));
  assert.equal(t2.signingAlgo, SigningAlgo.HMACSHA256);
  assert.equal(t2.cipherId, Cipher.None);
  const t3 = new PreauthTracker();
  const bad = negotiateResponse(Dialect.SMB311, [ctx(2, u16s(1, 2))]);
  bad.writeUInt16LE(50, 64 + 6); // 50 contexts announced
  bad.writeUInt16LE(0xffff, 128 + 2); // first one far too long
  t3.feed(bad);
  t3.feed(bad.subarray(0, 70));
  t3.feed(Buffer.alloc(3));
  t3.feed(Buffer.from("not smb2 at all, but long enough to look like a header........................"));
  assert.equal(t3.dialect, Dialect.SMB311);
  // A flood of unanswered first legs stays bounded; the latest ones still pair with their responses.
  for (let i = 0; i < 5000; i++) t3.feed(msg(1, false, 0, 0n, BigInt(i), Buffer.from("x")));
  t3.feed(msg(1, true, 0, 77n, 4999n, Buffer.from("ok")));
  assert.ok(t3.sessionHash(77n));
});
