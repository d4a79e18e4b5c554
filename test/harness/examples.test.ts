// The committed example captures exist, are small, and tshark reads them as documented.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { EXAMPLE_LIMIT } from "../../tools/harness/examples.js";
import { parseKeyFile, STATUS_NAMES, summarise } from "../../tools/harness/index.js";

const ex = join(import.meta.dirname, "..", "..", "examples");

test("examples are under the size limit", () => {
  for (const f of ["good.pcap", "bad.pcap", "encrypted.pcap", "many-commands.pcap"]) {
    const n = statSync(join(ex, f)).size;
    assert.ok(n > 1000 && n <= EXAMPLE_LIMIT, `${f}: ${n} bytes`);
  }
});

test("good/bad differ by the vetoed temp file: OBJECT_NAME_NOT_FOUND only in bad", () => {
  const nf = STATUS_NAMES.STATUS_OBJECT_NAME_NOT_FOUND;
  const good = summarise(join(ex, "good.pcap"));
  const bad = summarise(join(ex, "bad.pcap"));
  assert.equal(good.rows.filter((r) => r.status === nf).length, 0);
  assert.ok(bad.rows.some((r) => r.cmd === 5 && r.status === nf));
  assert.deepEqual(good.dialects, bad.dialects);
});

test("encrypted.pcap decrypts with encrypted.keys (AES-128-GCM, SMB 3.1.1)", () => {
  const keys = parseKeyFile(readFileSync(join(ex, "encrypted.keys"), "utf8"));
  assert.equal(keys.length, 1);
  const s = summarise(join(ex, "encrypted.pcap"), keys);
  assert.deepEqual(s.dialects, ["0x0311"]);
  assert.equal(s.undecrypted, 0);
  assert.ok(
    s.rows.some((r) => r.cmd === 9 && r.encrypted),
    "a decrypted WRITE",
  );
});

test("many-commands.pcap holds many different SMB2 commands", () => {
  const cmds = new Set(summarise(join(ex, "many-commands.pcap")).rows.map((r) => r.cmd));
  for (const c of [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 16, 17]) assert.ok(cmds.has(c), `command ${c}`);
});
