import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  formatKeyFile,
  parseKeyFile,
  parseKeys,
  rewritePort,
  sesIdFromWire,
  sesIdToWire,
  tsharkKeyArgs,
} from "../../tools/harness/index.js";

// Shape of smbclient 4.17 `--option=debugencryption=yes -d 10` output (AES-256: 32-byte keys wrap).
const DUMP = `gensec_update_done: spnego[0x5618b783beb0]: NT_STATUS_OK
debug encryption: dumping generated session keys
Session Id    [0000] D3 69 82 E7 00 00 00 00                             .i......
Session Key   [0000] 50 E5 10 36 D1 23 08 20   A6 AA 99 44 EB 1F 68 AB   P..6.#.  ...D..h.
Signing Key   [0000] F5 11 FB 0E BA CE 8F 1B   5D AB 9E 92 33 B5 84 A6   ........ ]...3...
App Key       [0000] AD 5F FA 30 BF 22 BC 4C   AA 1A 89 9F 67 D4 67 E6   ._.0.".L ....g.g.
ServerIn Key  [0000] 5F 5D 5A 34 5F 12 0D 28   55 79 2D BF A0 F2 DF 10   _]Z4_..( Uy-.....
              [0010] 00 11 22 33 44 55 66 77   88 99 AA BB CC DD EE FF   ..."3DUf w.......
ServerOut Key [0000] CE AD 95 9F F5 F3 81 0D   1B D7 37 89 71 4E 7A A5   ........ ..7.qNz.
 session setup ok
`;

test("parseKeys reads the labelled hex dumps, joins continuation lines, skips App Key", () => {
  const keys = parseKeys(DUMP + DUMP); // duplicates merge
  assert.equal(keys.length, 1);
  assert.deepEqual(keys[0], {
    sesId: "00000000e78269d3",
    sessionKey: "50e51036d1230820a6aa9944eb1f68ab",
    signingKey: "f511fb0ebace8f1b5dab9e9233b584a6",
    serverIn: "5f5d5a345f120d2855792dbfa0f2df10" + "00112233445566778899aabbccddeeff",
    serverOut: "cead959ff5f3810d1bd73789714e7aa5",
  });
});

test("parseKeys ignores logs without key dumps and truncated blocks", () => {
  assert.deepEqual(parseKeys("nothing here\n"), []);
  assert.deepEqual(
    parseKeys("debug encryption: dumping generated session keys\nSession Key   [0000] 50 E5\n"),
    [],
  );
});

test("session id conversions match tshark's display and UAT forms", () => {
  assert.equal(sesIdFromWire("d36982e700000000"), "00000000e78269d3");
  assert.equal(sesIdToWire("00000000e78269d3"), "d36982e700000000");
  assert.equal(sesIdToWire(sesIdFromWire("0123456789abcdef")), "0123456789abcdef");
});

test("key file round trip and tshark arguments", () => {
  const keys = parseKeys(DUMP);
  const text = formatKeyFile(keys, "made by a test");
  assert.match(text, /^# /);
  const back = parseKeyFile(`${text}\n# trailing comment\n`);
  assert.equal(back.length, 1);
  assert.equal(back[0].sesId, keys[0].sesId);
  assert.equal(back[0].sessionKey, keys[0].sessionKey);
  assert.equal(back[0].serverIn, keys[0].serverIn);
  const args = tsharkKeyArgs(back);
  assert.equal(args[0], "-o");
  // 32-byte keys are left for tshark to derive; 16-byte ones are passed.
  assert.equal(
    args[1],
    'uat:smb2_seskey_list:d36982e700000000,50e51036d1230820a6aa9944eb1f68ab,"cead959ff5f3810d1bd73789714e7aa5",""',
  );
});

/** One's complement sum over the IPv4 pseudo header + TCP segment (0 = checksum field valid). */
function tcpChecksum(frame: Buffer): number {
  const ip = frame.subarray(14, 34);
  const tcp = frame.subarray(34);
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, 0, tcp.length])]);
  let sum = 0;
  for (const b of [pseudo, tcp]) for (let i = 0; i < b.length; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return 0xffff & ~sum;
}

function pcapWithTcp(sport: number, dport: number): Buffer {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(1, 20); // Ethernet
  const frame = Buffer.alloc(14 + 20 + 20);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame[14 + 9] = 6;
  frame.writeUInt16BE(sport, 34);
  frame.writeUInt16BE(dport, 36);
  frame.writeUInt16BE(0x5010, 34 + 12); // data offset 5, ACK
  frame.writeUInt16BE(tcpChecksum(frame), 34 + 16); // makes the checksum valid (field was 0)
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(frame.length, 8);
  rec.writeUInt32LE(frame.length, 12);
  return Buffer.concat([hdr, rec, frame, rec, frame.subarray(0, 20)]); // last record truncated
}

test("rewritePort swaps the private port for 445 and keeps the checksum consistent", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-harness-test-"));
  try {
    const f = join(dir, "x.pcap");
    writeFileSync(f, pcapWithTcp(40000, 39999));
    assert.equal(rewritePort(f, 39999, 445), 1);
    const b = readFileSync(f);
    const tcp = 24 + 16 + 34;
    assert.equal(b.readUInt16BE(tcp), 40000);
    assert.equal(b.readUInt16BE(tcp + 2), 445);
    const frame = b.subarray(24 + 16, 24 + 16 + 54);
    assert.equal(tcpChecksum(frame), 0, "checksum still verifies after the rewrite");
    writeFileSync(f, Buffer.from("not a pcap, definitely not"));
    assert.throws(() => rewritePort(f, 1, 2), /not a classic pcap/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
