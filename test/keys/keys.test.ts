import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  detectAndParse,
  detectFormat,
  KeyParseError,
  mergeEntries,
  normalizeSesId,
  parseKernelLog,
  parseKeyArg,
  parseKeyFile,
  parseSambaLog,
  parseWiresharkUat,
  readDmesg,
  sesIdToBigInt,
  sesIdToWireHex,
} from "../../src/keys/index.js";

const fixtures = join(import.meta.dirname, "../fixtures/crypto");
const read = (p: string) => readFileSync(join(fixtures, p), "utf8");
const SMB3_KEY = "28f2847263c83dc00621f742dd3f2e7b";

test("-k: smb3.pcap's session as wire bytes (uat form) and as a 0x-number map to the same entry", () => {
  const a = parseKeyArg(`3d00009400480000,${SMB3_KEY}`);
  const b = parseKeyArg(`0x000048009400003d,${SMB3_KEY}`);
  // tshark shows smb2.sesid == 0x000048009400003d for this capture (see test/fixtures/crypto/smb3.json).
  assert.equal(a.sesId, "000048009400003d");
  assert.deepEqual({ ...a, source: "" }, { ...b, source: "" });
  assert.equal(sesIdToWireHex(a.sesId), "3d00009400480000");
  assert.equal(sesIdToBigInt(a.sesId), 0x000048009400003dn);
  assert.equal(a.sessionKey?.toString("hex"), SMB3_KEY);
  const four = parseKeyArg(`0x48009400003d,-,${"11".repeat(32)},${"22".repeat(32)}`);
  assert.equal(four.sesId, "000048009400003d");
  assert.equal(four.sessionKey, undefined);
  assert.equal(four.serverIn?.length, 32);
  assert.equal(four.serverOut?.toString("hex"), "22".repeat(32));
  for (const bad of ["", "3d00,xx", `3d0000940048000,${SMB3_KEY}`, `0x1,abcd`, `0x1`, `0x1,${SMB3_KEY},zz`]) {
    assert.throws(() => parseKeyArg(bad), KeyParseError, bad);
  }
});

test("normalizeSesId accepts every written form", () => {
  assert.equal(normalizeSesId("3d 00 00 94 00 48 00 00"), "000048009400003d");
  assert.equal(normalizeSesId("3d:00:00:94:00:48:00:00"), "000048009400003d");
  assert.equal(normalizeSesId("0X48009400003D"), "000048009400003d");
  assert.equal(normalizeSesId(String(0x48009400003d)), "000048009400003d");
  assert.equal(normalizeSesId("18446744073709551616"), undefined);
  assert.equal(normalizeSesId("hello"), undefined);
});

test("smbcmp key file", () => {
  const text = [
    "# smbcmp keys",
    `3d00009400480000 ${SMB3_KEY}   # smb3.pcap`,
    "",
    `0x0000281cac000069,b25a135fc3dc14269f20d7cbc8716b6b`,
    `0x5 - ${"aa".repeat(16)} ${"bb".repeat(16)}`,
  ].join("\n");
  const e = parseKeyFile(text, "k.txt");
  assert.equal(e.length, 3);
  assert.equal(e[0]!.sesId, "000048009400003d");
  assert.equal(e[0]!.source, "k.txt:2");
  assert.equal(e[1]!.sesId, "0000281cac000069");
  assert.equal(e[2]!.serverOut?.toString("hex"), "bb".repeat(16));
  assert.throws(() => parseKeyFile("0x1 nothex", "k.txt"), /k.txt:1/);
  assert.equal(detectFormat(text), "smbcmp");
  // The SMB 2.1 fixture's key file is in this format.
  const h = detectAndParse(read("samba/hmac210.keys.txt"));
  assert.equal(h.length, 1);
  assert.equal(h[0]!.sessionKey?.length, 16);
});

test("Samba debug log: whole smbclient -d 10 log, and key excerpts", () => {
  const full = read("samba/aes256gcm.full.log");
  const json = JSON.parse(read("samba-aes256gcm.json")) as { sesid: string; key: string };
  assert.equal(detectFormat(full), "samba");
  const e = detectAndParse(full, "aes256gcm.full.log");
  assert.equal(e.length, 1);
  assert.equal(sesIdToWireHex(e[0]!.sesId), json.sesid);
  assert.equal(e[0]!.sessionKey?.toString("hex"), json.key);
  assert.equal(e[0]!.serverIn?.length, 32);
  assert.equal(e[0]!.serverOut?.length, 32);
  assert.equal(e[0]!.signingKey?.length, 16);
  assert.match(e[0]!.source, /^aes256gcm.full.log:\d+$/);
  // Two sessions in one text; 16-byte keys.
  const two = parseSambaLog(read("samba/aes128gcm.keys.txt") + "noise\n" + read("samba/gmacsign.keys.txt"));
  assert.equal(two.length, 2);
  assert.notEqual(two[0]!.sesId, two[1]!.sesId);
  assert.equal(two[1]!.serverIn?.length, 16);
  // Kerberos: a 32-byte session key over two dump lines.
  const krb = parseSambaLog(read("samba/krb-aes256gcm.keys.txt"));
  assert.equal(krb[0]!.sessionKey?.length, 32);
  assert.equal(
    krb[0]!.sessionKey?.toString("hex"),
    (JSON.parse(read("samba-krb-aes256gcm.json")) as { key: string }).key,
  );
  // smbd's own log (server side, `debug encryption = yes`): indented, with algorithm lines between.
  const srv = detectAndParse(read("samba/smbd-server.log"), "log.127.0.0.1");
  assert.equal(srv.length, 1);
  assert.equal(srv[0]!.sessionKey?.length, 16);
  assert.equal(srv[0]!.serverIn?.length, 16);
  assert.equal(srv[0]!.serverOut?.length, 16);
  assert.notDeepEqual(srv[0]!.serverIn, srv[0]!.serverOut);
  // ASCII columns that look like hex must not leak into the keys.
  const tricky =
    "Session Id    [0000] 01 00 00 00 00 00 00 00                             ........\n" +
    "Session Key   [0000] 41 42 43 44 45 46 30 31   41 42 43 44 45 46 30 31   ABCDEF01 ABCDEF01\n";
  const t = parseSambaLog(tricky);
  assert.equal(t[0]!.sesId, "0000000000000001");
  assert.equal(t[0]!.sessionKey?.toString("hex"), "41424344454630314142434445463031");
});

test("Linux cifs client and ksmbd dmesg dumps", () => {
  // Written in the format of fs/smb/client/smb2transport.c (cifs_dbg VFS, "%*ph"), smb3.pcap's keys.
  const dmesg = [
    "[ 1234.567890] CIFS: VFS: generate_smb3signingkey: dumping generated AES session keys",
    "[ 1234.567891] CIFS: VFS: Session Id    3d 00 00 94 00 48 00 00",
    "[ 1234.567892] CIFS: VFS: Cipher type   1",
    `[ 1234.567893] CIFS: VFS: Session Key   ${SMB3_KEY.match(/../g)!.join(" ")}`,
    "[ 1234.567894] CIFS: VFS: Signing Key   " + "01 ".repeat(15) + "01",
    "[ 1234.567895] CIFS: VFS: ServerIn Key  " + "02 ".repeat(15) + "02",
    "[ 1234.567896] CIFS: VFS: ServerOut Key " + "03 ".repeat(15) + "03",
    "[ 1300.000000] ksmbd: Session Id    79164837199933",
    "[ 1300.000001] ksmbd: Session Key   " + "04 ".repeat(15) + "04",
    "[ 1300.000002] ksmbd: ServerIn Key  " + "05 ".repeat(31) + "05",
    "[ 1300.000003] ksmbd: ServerOut Key " + "06 ".repeat(31) + "06",
  ].join("\n");
  assert.equal(detectFormat(dmesg), "kernel");
  const e = parseKernelLog(dmesg, "dmesg");
  assert.equal(e.length, 2);
  assert.equal(e[0]!.sesId, "000048009400003d");
  assert.equal(e[0]!.sessionKey?.toString("hex"), SMB3_KEY);
  assert.equal(e[0]!.serverIn?.toString("hex"), "02".repeat(16));
  assert.equal(e[0]!.serverOut?.toString("hex"), "03".repeat(16));
  assert.equal(e[0]!.source, "dmesg:2");
  // ksmbd's "ServerIn Key" is its own encryption key (server→client): swapped into our terms.
  assert.equal(e[1]!.sesId, (79164837199933).toString(16).padStart(16, "0"));
  assert.equal(e[1]!.serverOut?.toString("hex"), "05".repeat(32));
  assert.equal(e[1]!.serverIn?.toString("hex"), "06".repeat(32));
});

test("Wireshark smb2_seskey_list uat file", () => {
  const text = [
    "# This file is automatically generated, DO NOT MODIFY.",
    `"3d00009400480000","${SMB3_KEY}","",""`,
    `"690000ac1c280000","b25a135fc3dc14269f20d7cbc8716b6b"`,
    `"0100000000000000","","${"aa".repeat(32)}","${"bb".repeat(32)}"`,
  ].join("\n");
  assert.equal(detectFormat(text), "wireshark");
  const e = parseWiresharkUat(text, "uat");
  assert.equal(e.length, 3);
  assert.equal(e[0]!.sesId, "000048009400003d");
  assert.equal(e[1]!.sesId, "0000281cac000069");
  // Field order: Session ID, Session Key, Server-to-Client, Client-to-Server.
  assert.equal(e[2]!.serverOut?.toString("hex"), "aa".repeat(32));
  assert.equal(e[2]!.serverIn?.toString("hex"), "bb".repeat(32));
  assert.throws(() => parseWiresharkUat(`"3d00","${SMB3_KEY}"`), /8 bytes/);
  assert.throws(() => parseWiresharkUat(`"3d00009400480000","${SMB3_KEY}","x"`), /2 or 4/);
  assert.throws(() => parseWiresharkUat(`"3d00009400480000,`), /unterminated/);
});

test("detectAndParse rejects text without keys; mergeEntries joins sources", () => {
  assert.throws(() => detectAndParse("# nothing here\n"), /no session keys/);
  const m = mergeEntries([
    parseKeyArg(`0x1,${SMB3_KEY}`),
    { sesId: "0000000000000001", serverIn: Buffer.alloc(16, 1), source: "log:3" },
    parseKeyArg(`0x2,${SMB3_KEY}`),
  ]);
  assert.equal(m.length, 2);
  assert.equal(m[0]!.serverIn?.length, 16);
  assert.equal(m[0]!.source, "-k, log:3");
});

test("readDmesg: clear error when not permitted, parses output otherwise", () => {
  assert.throws(
    () =>
      readDmesg(() => ({
        status: 1,
        stdout: "",
        stderr: "dmesg: read kernel buffer failed: Operation not permitted",
      })),
    /Operation not permitted.*dmesg_restrict/,
  );
  assert.throws(
    () => readDmesg(() => ({ status: null, stdout: "", stderr: "", error: new Error("spawn dmesg ENOENT") })),
    /ENOENT/,
  );
  const ok = readDmesg(() => ({
    status: 0,
    stdout:
      "[1.0] CIFS: VFS: Session Id    01 00 00 00 00 00 00 00\n[1.0] CIFS: VFS: Session Key   " +
      "00 ".repeat(15) +
      "00\n",
    stderr: "",
  }));
  assert.equal(ok.length, 1);
  // The real one runs (here it works or fails with a KeyParseError, never anything else).
  try {
    assert.ok(Array.isArray(readDmesg()));
  } catch (e) {
    assert.ok(e instanceof KeyParseError);
  }
});
