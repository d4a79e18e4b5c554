/** MS-DTYP security descriptors and SID names against tshark 4.0.17's `nt.*` fields. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Cursor } from "../../src/dissect/cursor.js";
import { Fields } from "../../src/dissect/fields.js";
import { type FieldNode, walk } from "../../src/dissect/tree.js";
import { parseSid, securityDescriptor, sidDisplay, sidNames } from "../../src/dtyp/index.js";

const FIX: { hex: string; keys: string[] }[] = JSON.parse(
  readFileSync(new URL("../fixtures/smb2/files/tshark-secdesc.json", import.meta.url), "utf8"),
);

function keys(nodes: readonly FieldNode[]): string[] {
  const k: string[] = [];
  walk(nodes, (n) => {
    k.push(n.name.startsWith("smbcmp.") ? `=${n.label}` : `${n.name}=${n.show}`);
    return true;
  });
  return k;
}

test("security descriptors match tshark field by field", () => {
  for (const fx of FIX) {
    const buf = Buffer.from(fx.hex, "hex");
    const out: FieldNode[] = [];
    securityDescriptor(new Fields(new Cursor(buf), out), buf.length);
    // The recorded fields include the two tshark hides (PDML hide="yes"), which we leave out.
    const shown = fx.keys.filter((k) => !/^nt\.sid\.(wkwn|domain)=/.test(k));
    assert.deepEqual(keys(out).sort(), shown.sort());
    // Light mode reads the same bytes without building nodes.
    const light: FieldNode[] = [];
    const lf = new Fields(new Cursor(buf), light, true);
    securityDescriptor(lf, buf.length);
    assert.equal(light.length, 0);
    assert.equal(lf.c.pos, buf.length);
  }
});

test("truncated descriptors are flagged, not thrown", () => {
  const buf = Buffer.from(FIX[0]!.hex, "hex");
  for (let cut = 0; cut < buf.length; cut += 3) {
    const f = new Fields(new Cursor(buf.subarray(0, cut)), []);
    securityDescriptor(f, buf.length);
  }
});

function sidBytes(s: string): Buffer {
  const p = s.split("-").slice(1).map(Number);
  const n = p.length - 2;
  const b = Buffer.alloc(8 + 4 * n);
  b[0] = p[0]!;
  b[1] = n;
  b.writeUIntBE(p[1]!, 2, 6);
  for (let i = 0; i < n; i++) b.writeUInt32LE(p[i + 2]!, 8 + 4 * i);
  return b;
}

test("well-known SID names as tshark shows them", () => {
  const cases: [string, string][] = [
    ["S-1-1-0", "S-1-1-0  (Everyone)"],
    ["S-1-5-18", "S-1-5-18  (Local System)"],
    ["S-1-5-32-544", "S-1-5-32-544  (Local Group-Administrators)"],
    ["S-1-5-32-553", "S-1-5-32-553  (Local Group-<locally defined>)"],
    ["S-1-16-4096", "S-1-16-4096  (Mandatory LevelMandatory Level-Low)"],
    ["S-1-5-21-111-222-333-500", "S-1-5-21-111-222-333-500  (Domain SID-Administrator)"],
    ["S-1-5-21-111-222-333-1000", "S-1-5-21-111-222-333-1000  (Domain SID-Domain RID)"],
    ["S-1-5-21-1-2-3-4-5", "S-1-5-21-1-2-3-4-5  (Domain SID-Domain RID-<locally defined>)"],
    ["S-1-5-5-0-1234", "S-1-5-5-0-1234  (Logon Session-<locally defined>)"],
    ["S-1-22-1-1000", "S-1-22-1-1000"],
    ["S-1-5-16", "S-1-5-16"],
  ];
  for (const [s, want] of cases) assert.equal(sidDisplay(parseSid(sidBytes(s))), want);
  // A domain SID cut short names its authority only, with no RID.
  assert.deepEqual(sidNames(parseSid(sidBytes("S-1-5-21-1-2"))), { name: "Domain SID" });
});
