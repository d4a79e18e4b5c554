/**
 * Multichannel: a channel bound to an SMB 3.1.1 session (SMB2_SESSION_FLAG_BINDING) on another
 * connection. Real Samba captures made by tools/harness (test/fixtures/crypto/samba/bind-*.scenario.json,
 * smbtorture smb2.session.bind*), keys computed from the harness password by ntlm-keys.py.
 * bind-enc.pcap: the client requires encryption; bind-sign.pcap: signed only (frames 1-40);
 * bind302-channel.pcap: SMB 3.0.2 with encryption, only the connection that binds (tcp.stream 1).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { find, findAll } from "../../src/dissect/tree.js";
import { parseKeyFile } from "../../src/keys/index.js";
import { openTrace } from "../../src/trace/index.js";
import { fixtures } from "./helpers.js";

const DIR = join(fixtures, "samba");
const keysOf = (name: string) => parseKeyFile(readFileSync(join(DIR, name), "utf8"), name);

test("a bound channel's messages decrypt with the session's keys, not keys of the binding's hash", async () => {
  const t = await openTrace(join(DIR, "bind-enc.pcap"), { keys: keysOf("bind-enc.keys") });
  try {
    const encrypted = [...t.packets].filter((p) => p.summary.includes("Encrypted SMB3")).map((p) => p.no);
    assert.deepEqual(encrypted, []);
    // Frames 37-38 travel on the connection that bound session 0xd956a12c (frames 31-34).
    assert.match(t.packets.at(t.indexOf(37))!.summary, /^Decrypted SMB3;GetInfo Request/);
  } finally {
    t.close();
  }
  // As a user runs it.
  const bin = join(import.meta.dirname, "../../dist/bundle/main.mjs");
  const out = execFileSync(
    process.execPath,
    [bin, "list", join(DIR, "bind-enc.pcap"), "--keys", join(DIR, "bind-enc.keys")],
    {
      encoding: "utf8",
    },
  );
  assert.doesNotMatch(out, /Encrypted SMB3/);
});

test("a bound channel signs with its own authentication's key and its connection's preauth hash", async () => {
  const status = (tree: ReturnType<typeof findAll>) =>
    findAll(tree, "smbcmp.signature_status")
      .map((n) => n.show)
      .join(",");
  const both = keysOf("bind-sign.keys");
  const t = await openTrace(join(DIR, "bind-sign.pcap"), { keys: both });
  try {
    // 11: the session's own final response; 34: the binding's final response; 37, 38: the
    // bound channel; 35, 36: the first channel again.
    for (const no of [11, 34, 35, 36, 37, 38]) assert.equal(status(t.tree(no)), "good", `frame ${no}`);
    // The binding's preauth hash starts from its own connection's negotiate (MS-SMB2 3.3.5.5):
    // tshark 4.0 continues the session's chain instead and shows another value here.
    assert.equal(find(t.tree(33), "smb2.preauth_hash")?.show.slice(0, 23), "24:1e:bd:80:1d:6b:e3:37");
  } finally {
    t.close();
  }
  // Without the binding's key the bound channel cannot be verified; the first one still is.
  const first = both.filter((e) => e.sessionKey?.toString("hex") !== "6fc8cbb27ec305eece9384f5233840e6");
  const u = await openTrace(join(DIR, "bind-sign.pcap"), { keys: first });
  try {
    assert.equal(status(u.tree(35)), "good");
    assert.equal(status(u.tree(37)), "bad");
  } finally {
    u.close();
  }
});

test("SMB 3.0.2: a capture of the bound channel alone decrypts and verifies (no preauth hash involved)", async () => {
  const t = await openTrace(join(DIR, "bind302-channel.pcap"), { keys: keysOf("bind302-channel.keys") });
  try {
    const summaries = [...t.packets].map((p) => p.summary);
    assert.equal(summaries.filter((s) => s.includes("Encrypted SMB3")).length, 0);
    // Frames 20-21 are the bound channel's, in the session set up on the connection not captured.
    assert.match(t.packets.at(t.indexOf(20))!.summary, /^Decrypted SMB3;GetInfo Request/);
    // 16-19: the binding's requests and responses, signed (the last two with the channel's key).
    for (const no of [16, 17, 18, 19])
      assert.equal(find(t.tree(no), "smbcmp.signature_status")?.show, "good");
  } finally {
    t.close();
  }
});
