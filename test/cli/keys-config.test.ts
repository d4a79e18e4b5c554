/** Key sources a user sets once: the `[keys]` section of the config file and SMBCMP_KEYS. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { smbcmpBin } from "./bin.js";

const ROOT = join(import.meta.dirname, "../..");
const CLI = smbcmpBin();
const PCAP = join(ROOT, "examples/encrypted.pcap");
const KEYS = join(ROOT, "examples/encrypted.keys");
const dir = mkdtempSync(join(tmpdir(), "smbcmp-keys-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function keys(env: Record<string, string>): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, "keys", PCAP], {
    encoding: "utf8",
    env: { ...process.env, SMBCMP_CONFIG: join(dir, "none"), SMBCMP_KEYS: "", ...env },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("no key anywhere: the session is listed as missing", () => {
  const r = keys({});
  assert.equal(r.status, 0);
  assert.match(r.out, /0x0000000061ddacfc .* missing/);
});

test("[keys] section with a session key line", () => {
  const conf = join(dir, "a.conf");
  writeFileSync(conf, "[keys]\n0x0000000061ddacfc = ae2468118c424ca366084302f4392ba1\n");
  assert.match(keys({ SMBCMP_CONFIG: conf }).out, /ok \(50 decrypted\)/);
});

test("[keys] files = key file path", () => {
  const conf = join(dir, "b.conf");
  writeFileSync(conf, `[keys]\nfiles = ${KEYS}\n`);
  assert.match(keys({ SMBCMP_CONFIG: conf }).out, /ok \(50 decrypted\)/);
});

test("SMBCMP_KEYS environment variable", () => {
  assert.match(keys({ SMBCMP_KEYS: KEYS }).out, /ok \(50 decrypted\)/);
});

test("a wrong key is reported as wrong, not as garbage", () => {
  const conf = join(dir, "c.conf");
  writeFileSync(conf, "[keys]\n0x0000000061ddacfc = 00000000000000000000000000000000\n");
  const r = keys({ SMBCMP_CONFIG: conf });
  assert.equal(r.status, 0);
  assert.match(r.out, /WRONG \(authentication tag mismatch: wrong key\?\)/);
});
