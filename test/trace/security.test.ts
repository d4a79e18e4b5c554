/**
 * SMB3 in the trace, end to end on real Samba captures: decryption with keys from key files, and
 * signature verification (HMAC-SHA256, AES-CMAC, AES-GMAC) shown as smbcmp.signature_status.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { find, findAll } from "../../src/dissect/tree.js";
import { detectAndParse, type KeyEntry } from "../../src/keys/index.js";
import { openTrace } from "../../src/trace/index.js";

const DIR = join(import.meta.dirname, "../fixtures/crypto/samba");
const keysOf = (name: string): KeyEntry[] =>
  detectAndParse(readFileSync(join(DIR, `${name}.keys.txt`), "utf8"), name);

async function statuses(name: string, keys: KeyEntry[]): Promise<Record<string, number>> {
  const t = await openTrace(join(DIR, `${name}.pcap`), { keys });
  const count: Record<string, number> = {};
  for (const p of t.packets)
    for (const n of findAll(t.tree(p.no), "smbcmp.signature_status"))
      count[n.show] = (count[n.show] ?? 0) + 1;
  t.close();
  return count;
}

for (const name of ["hmac210", "cmacsign311", "gmacsign"]) {
  test(`${name}: every signed message verifies with the right key, none with a wrong one`, async () => {
    const good = await statuses(name, keysOf(name));
    assert.ok((good.good ?? 0) >= 5, JSON.stringify(good));
    assert.equal(good.bad, undefined, JSON.stringify(good));
    const wrong = keysOf(name).map((k) => ({
      ...k,
      sessionKey: k.sessionKey && Buffer.from(k.sessionKey.map((b) => b ^ 0x5a)),
      signingKey: undefined,
    }));
    const bad = await statuses(name, wrong);
    assert.equal(bad.good, undefined, JSON.stringify(bad));
    assert.ok((bad.bad ?? 0) >= 5, JSON.stringify(bad));
  });
}

test("encrypted example: decrypted with its key file, opaque with a wrong key, summary says why", async () => {
  const pcap = join(import.meta.dirname, "../../examples/encrypted.pcap");
  const keys = detectAndParse(
    readFileSync(join(import.meta.dirname, "../../examples/encrypted.keys"), "utf8"),
    "encrypted.keys",
  );
  const t = await openTrace(pcap, { keys });
  const dec = [...t.packets].filter((p) => p.summary.startsWith("Decrypted SMB3;"));
  assert.ok(dec.length >= 20, `${dec.length} decrypted`);
  assert.equal([...t.packets].filter((p) => p.summary === "Encrypted SMB3").length, 0);
  assert.ok([...t.packets].some((p) => /Write Request/.test(p.summary)));
  t.close();
  const w = await openTrace(pcap, {
    keys: keys.map((k) => ({ sesId: k.sesId, sessionKey: Buffer.alloc(16, 1), source: "wrong" })),
  });
  const enc = [...w.packets].filter((p) => p.summary === "Encrypted SMB3");
  assert.ok(enc.length >= 20);
  const labels = findAll(w.tree(enc[0]!.no), "smbcmp.transform.error").map((n) => n.show);
  assert.deepEqual(labels, ["authentication tag mismatch: wrong key?"]);
  // Not decrypted: the ciphertext is Wireshark's transform Data field (the whole of it in `show`).
  const data = findAll(w.tree(enc[0]!.no), "smb2.header.transform.enc_data");
  assert.equal(data.length, 1);
  const msgSize = Number(find(w.tree(enc[0]!.no), "smb2.header.transform.msg_size")!.show);
  assert.equal(data[0]!.show.split(":").length, msgSize);
  assert.match(data[0]!.label, /^Data: [0-9a-f]{72}…$/);
  assert.equal(findAll(w.tree(enc[0]!.no), "smbcmp.smb2.encrypted_data").length, 0);
  w.close();
});
