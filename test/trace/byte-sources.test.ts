/**
 * Trace.byteSources: a packet's PDUs and then the plaintexts its transforms produced, and the `src`
 * of the nodes dissected from a plaintext, so a hex pane shows the bytes a field's offset is in.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { IgnoreRules } from "../../src/diff/ignore.js";
import { diffTrees, treesEqual, walkDiff } from "../../src/diff/tree-diff.js";
import { type FieldNode, find, findAll, walk } from "../../src/dissect/tree.js";
import { compileFilter, filterTrace } from "../../src/filter/index.js";
import { detectAndParse } from "../../src/keys/index.js";
import { openTrace } from "../../src/trace/index.js";
import type { ByteSource } from "../../src/trace/types.js";
import { decryptTransform, encryptTransform, transformKeys } from "../../tools/fuzz/crypt.js";
import { connection, hostileFixtures } from "../../tools/fuzz/fixtures.js";
import { compressedUnchained, smb2Header } from "../../tools/fuzz/smb.js";
import { lz77Compress } from "../compression/compressors.js";

const EX = join(import.meta.dirname, "../../examples");
const keys = () => detectAndParse(readFileSync(join(EX, "encrypted.keys"), "utf8"), "encrypted.keys");

/** Every node's bytes lie inside the source its offset refers to. */
function assertInBounds(nodes: readonly FieldNode[], sources: ByteSource[], pdu: number): void {
  walk(nodes, (n) => {
    if (n.offset < 0) return true;
    const s = sources[n.src ?? pdu];
    assert.ok(s, `${n.name}: no source ${n.src}`);
    assert.ok(n.offset + n.length <= s.bytes.length, `${n.name} ${n.offset}+${n.length} > ${s.label}`);
    return true;
  });
}

test("encrypted example: a decrypted field's offset is into the Decrypted SMB3 source", async () => {
  const t = await openTrace(join(EX, "encrypted.pcap"), { keys: keys() });
  const p = [...t.packets].find((x) => x.summary.includes("Create Request File: secret.txt"));
  assert.ok(p);
  const tree = t.tree(p.no);
  const sources = t.byteSources!(p.no);
  assert.deepEqual(
    sources.map((s) => s.label),
    ["PDU 1", "Decrypted SMB3"],
  );
  assert.deepEqual(
    sources.map((s) => !!s.plain),
    [false, true],
  );
  assert.equal(sources[0]!.bytes.readUInt32LE(0), 0x424d53fd, "wire bytes start with the transform");
  assert.equal(sources[1]!.bytes.readUInt32LE(0), 0x424d53fe, "plaintext starts with an SMB2 header");
  const name = find(tree, "smb2.filename")!;
  assert.equal(name.show, "secret.txt");
  assert.equal(name.src, 1);
  const plain = sources[1]!.bytes.subarray(name.offset, name.offset + name.length);
  assert.equal(plain.toString("utf16le"), "secret.txt");
  const wire = sources[0]!.bytes.subarray(name.offset, name.offset + name.length);
  assert.notEqual(wire.toString("utf16le"), "secret.txt");
  // The transform header is on the wire: no src; everything under the decrypted data has one.
  const hdr = find(tree, "smbcmp.smb2.transform")!;
  walk([hdr], (n) => {
    assert.equal(n.src, undefined, n.name);
    return true;
  });
  const holder = find(tree, "smbcmp.smb2.encrypted_data")!;
  assert.equal(holder.src, undefined);
  walk(holder.children ?? [], (n) => {
    assert.equal(n.src, 1, n.name);
    return true;
  });
  assertInBounds(tree, sources, 0);
  // Same numbering when the tree is cached and the sources are rebuilt, and in all-layers trees.
  for (let k = 0; k < 8; k++) t.tree(p.no + 1 + k);
  assert.deepEqual(
    t.byteSources!(p.no).map((s) => s.bytes.toString("hex")),
    sources.map((s) => s.bytes.toString("hex")),
  );
  assert.equal(find(t.tree(p.no, { allLayers: true }), "smb2.filename")!.src, 1);
  // `src` is no difference for the diff engine.
  const copy = structuredClone(tree);
  walk(copy, (n) => {
    delete n.src;
    return true;
  });
  const rules = new IgnoreRules([]);
  assert.ok(treesEqual(tree, copy, { rules }));
  walkDiff(diffTrees(tree, copy, { rules }), (d) => {
    assert.equal(d.kind, "same", d.name);
    return true;
  });
  t.close();
});

test("a filtered view's byteSources are the trace's (frame numbers, not view indexes)", async () => {
  const t = await openTrace(join(EX, "encrypted.pcap"), { keys: keys() });
  const view = filterTrace(t, compileFilter('smb2.filename contains "secret"'));
  assert.ok(view.packets.length >= 2 && view.packets.length < t.packets.length);
  // The view first: the trace keeps the last packets' plaintexts, which would hide a wrong lookup.
  for (const p of view.packets) {
    const got = view.byteSources!(p.no).map((s) => `${s.label}:${s.bytes.toString("hex")}`);
    assert.ok(got.length >= 1);
    const want = t.byteSources!(p.no).map((s) => `${s.label}:${s.bytes.toString("hex")}`);
    assert.deepEqual(got, want);
  }
  t.close();
});

test("without the key: wire bytes only, no node points elsewhere", async () => {
  const t = await openTrace(join(EX, "encrypted.pcap"));
  for (const p of t.packets) {
    const tree = t.tree(p.no);
    assert.deepEqual(
      t.byteSources!(p.no).map((s) => s.label),
      ["PDU 1"],
    );
    walk(tree, (n) => {
      assert.equal(n.src, undefined);
      return true;
    });
  }
  t.close();
});

test("compressed: a decompressed field's offset is into the Decompressed SMB3 source", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-src-"));
  try {
    const body = Buffer.alloc(56);
    body.writeUInt16LE(57, 0);
    body.writeUInt32LE(0x80, 24); // DesiredAccess
    body.writeUInt32LE(1, 36); // CreateDisposition
    body.writeUInt16LE(64 + 56, 44); // NameOffset
    const name = Buffer.from("dir\\squeezed-squeezed-squeezed.txt", "utf16le");
    body.writeUInt16LE(name.length, 46);
    const msg = Buffer.concat([smb2Header({ cmd: 5, msgId: 7n }), body, name]);
    const file = join(dir, "compressed.pcap");
    writeFileSync(file, connection([compressedUnchained(msg.length, 2, 0, lz77Compress(msg))]));
    const t = await openTrace(file);
    const p = t.packets.at(0)!;
    assert.match(p.summary, /Create Request File: dir\\squeezed/);
    const tree = t.tree(p.no);
    const sources = t.byteSources!(p.no);
    assert.deepEqual(
      sources.map((s) => s.label),
      ["PDU 1", "Decompressed SMB3"],
    );
    assert.deepEqual(sources[1]!.bytes, msg);
    const n = find(tree, "smb2.filename")!;
    assert.equal(n.src, 1);
    assert.equal(
      sources[1]!.bytes.subarray(n.offset, n.offset + n.length).toString("utf16le"),
      name.toString("utf16le"),
    );
    assertInBounds(tree, sources, 0);
    t.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("decrypted, then decompressed: the compression header in one plaintext, the message in the next", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-src-"));
  try {
    // The example's create request, its plaintext compressed and encrypted again with its key.
    const t = await openTrace(join(EX, "encrypted.pcap"), { keys: keys() });
    const no = [...t.packets].find((x) => x.summary.includes("Create Request File: secret.txt"))!.no;
    const pdu = t.pduBytes!(no)[0]!;
    t.close();
    const dec = decryptTransform(pdu, transformKeys(readFileSync(join(EX, "encrypted.keys"), "utf8")));
    assert.ok(dec);
    const comp = compressedUnchained(dec.plain.length, 2, 0, lz77Compress(dec.plain));
    const file = join(dir, "sealed-compressed.pcap");
    writeFileSync(file, connection([encryptTransform(pdu, comp, dec.key, dec.mode)]));
    const u = await openTrace(file, { keys: keys() });
    const p = u.packets.at(0)!;
    assert.match(p.summary, /Create Request File: secret\.txt/);
    const tree = u.tree(p.no);
    const sources = u.byteSources!(p.no);
    assert.deepEqual(
      sources.map((s) => s.label),
      ["PDU 1", "Decrypted SMB3", "Decompressed SMB3"],
    );
    assert.deepEqual(sources[1]!.bytes, comp);
    assert.deepEqual(sources[2]!.bytes, dec.plain);
    assert.deepEqual(
      findAll(tree, "smb2.protocol_id").map((n) => [
        n.src,
        sources[n.src ?? 0]!.bytes.readUInt32BE(n.offset),
      ]),
      [
        [undefined, 0xfd534d42],
        [1, 0xfc534d42],
        [2, 0xfe534d42],
      ],
    );
    const name = find(tree, "smb2.filename")!;
    assert.equal(name.src, 2);
    assert.equal(
      sources[2]!.bytes.subarray(name.offset, name.offset + name.length).toString("utf16le"),
      "secret.txt",
    );
    assertInBounds(tree, sources, 0);
    u.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("nested transforms: each level's nodes point at the plaintext they came from", async () => {
  const dir = mkdtempSync(join(tmpdir(), "smbcmp-src-"));
  try {
    const file = join(dir, "nested.pcap");
    writeFileSync(file, hostileFixtures()["nested-compression.pcap"]!);
    const t = await openTrace(file);
    const p = t.packets.at(1)!;
    const tree = t.tree(p.no);
    const sources = t.byteSources!(p.no);
    // Five wraps: four open (the limit), the fifth is shown as too deep, inside the fourth's output.
    assert.deepEqual(
      sources.map((s) => s.label),
      ["PDU 1", "Decompressed SMB3", "Decompressed SMB3 #2", "Decompressed SMB3 #3", "Decompressed SMB3 #4"],
    );
    const ids = findAll(tree, "smb2.protocol_id");
    assert.deepEqual(
      ids.map((n) => n.src),
      [undefined, 1, 2, 3],
    );
    for (const n of ids) {
      const b = sources[n.src ?? 0]!.bytes;
      assert.equal(b.readUInt32BE(n.offset), 0xfc534d42, `protocol id in ${sources[n.src ?? 0]!.label}`);
    }
    assert.equal(find(tree, "_ws.malformed")!.src, 4);
    assertInBounds(tree, sources, 0);
    t.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
