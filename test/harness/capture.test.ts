// End to end: real smbd + tcpdump + clients on loopback, checked with tshark.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  check,
  getPair,
  parseKeyFile,
  runPair,
  runScenario,
  STATUS_NAMES,
  summarise,
} from "../../tools/harness/index.js";
import { assertCleanedUp, captureSkipReason } from "./util.js";

const skip = captureSkipReason();

const out = mkdtempSync(join(tmpdir(), "smbcmp-harness-out-"));
after(() => rmSync(out, { recursive: true, force: true }));

test("file-ops-311: SMB 3.1.1 job is captured on port 445 with the expected commands and statuses", {
  skip,
}, async () => {
  let info = { tmpDir: "", pids: [] as number[] };
  const r = await runScenario("file-ops-311", { outDir: out, onStart: (i) => (info = i) });
  assert.equal(r.port, 445);
  assert.ok(r.smbdPort > 1024);
  assert.equal(r.keys.length, 1, "one session, one key set");
  assert.equal(r.dropped, 0, "tcpdump lost nothing");
  const s = summarise(r.pcap);
  assert.deepEqual(s.dialects, ["0x0311"]);
  const cmds = new Set(s.rows.map((x) => x.cmd));
  for (const c of [0, 1, 3, 5, 6, 8, 9, 14, 16, 17]) assert.ok(cmds.has(c), `command ${c} present`);
  const statuses = new Set(s.rows.filter((x) => x.response).map((x) => x.status));
  assert.ok(statuses.has(STATUS_NAMES.STATUS_SUCCESS));
  assert.ok(statuses.has(STATUS_NAMES.STATUS_NO_MORE_FILES), "directory listing ends with NO_MORE_FILES");
  assert.ok(!statuses.has(STATUS_NAMES.STATUS_ACCESS_DENIED));
  assert.match(readFileSync(r.log, "utf8"), /putting file hello.txt/);
  assert.deepEqual(assertCleanedUp(info), []);
});

test("enc-aes128gcm: keys are parsed, written to the key file, and make tshark decrypt everything", {
  skip,
}, async () => {
  const r = await runScenario("enc-aes128gcm", { outDir: out });
  assert.equal(r.keys.length, 1);
  const k = r.keys[0];
  assert.match(k.sesId, /^[0-9a-f]{16}$/);
  assert.match(k.sessionKey ?? "", /^[0-9a-f]{32}$/);
  assert.match(k.serverIn ?? "", /^[0-9a-f]{32}$/);
  const fromFile = parseKeyFile(readFileSync(r.pcap.replace(/\.pcap$/, ".keys"), "utf8"));
  assert.deepEqual(
    fromFile.map((e) => [e.sesId, e.sessionKey]),
    [[k.sesId, k.sessionKey]],
  );
  const s = summarise(r.pcap, fromFile);
  assert.equal(s.undecrypted, 0, "every transform frame decrypts");
  const fileOps = s.rows.filter((x) => x.cmd >= 3);
  assert.ok(fileOps.length > 10);
  assert.ok(
    fileOps.every((x) => x.encrypted),
    "tree connect and later are encrypted",
  );
  assert.ok(
    s.rows.some((x) => x.cmd === 9),
    "the decrypted WRITE is visible",
  );
});

test("pair veto-tmp: A succeeds, B shows STATUS_OBJECT_NAME_NOT_FOUND for the vetoed temp file", {
  skip,
}, async () => {
  const spec = getPair("veto-tmp");
  const r = await runPair(spec, out);
  // One tshark pass per side (tshark start-up is the slow part): the pair's own expectations...
  const a = summarise(r.a.pcap);
  const b = summarise(r.b.pcap);
  assert.deepEqual(check(a, spec.a.expect ?? {}), []);
  assert.deepEqual(check(b, spec.b.expect ?? {}), []);
  // ...and the difference spelled out.
  const nf = STATUS_NAMES.STATUS_OBJECT_NAME_NOT_FOUND;
  assert.equal(a.rows.filter((x) => x.status === nf).length, 0);
  assert.ok(b.rows.filter((x) => x.status === nf && x.cmd === 5).length >= 1, "a CREATE fails in B");
  // Same job: both sides negotiate the same dialect and use the same kinds of commands.
  assert.deepEqual(a.dialects, b.dialects);
});
