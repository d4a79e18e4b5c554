/**
 * The field vocabulary (src/dissect/wireshark-fields.ts) is tshark's field list, regenerated from
 * the committed snapshot, and it holds every name our trees use for those protocols: a rule naming
 * a field we emit must never be called a typo, and a name we emit that Wireshark lacks is a bug.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { walk } from "../../src/dissect/tree.js";
import { coveredField, isField, typoOf } from "../../src/dissect/vocabulary.js";
import { openTrace } from "../../src/trace/index.js";
import { generate, OUT } from "../../tools/gen-fields.js";
import * as rpcNames from "../../tools/gen-rpc-names.js";
import { fixtureCaptures } from "../captures.js";

test("wireshark-fields.ts is generated from the committed tshark field list", () => {
  assert.equal(readFileSync(OUT, "utf8"), generate(), "run node --import tsx tools/gen-fields.ts");
});

test("wireshark-names.ts (RPC operation and error names) is generated from the committed tshark values", () => {
  assert.equal(
    readFileSync(rpcNames.OUT, "utf8"),
    rpcNames.generate(),
    "run node --import tsx tools/gen-rpc-names.ts",
  );
});

test("every field our trees name, in a protocol the vocabulary covers, is in it", async () => {
  const unknown = new Map<string, string>();
  let names = 0;
  for (const path of fixtureCaptures("corpus", "smb1", "smb2", "nbss", "crypto")) {
    const t = await openTrace(path);
    try {
      for (let i = 0; i < t.packets.length; i++) {
        walk(t.tree(t.packets.at(i)!.no), (n) => {
          names++;
          if (!isField(n.name) && coveredField(n.name) && !unknown.has(n.name))
            unknown.set(n.name, `${path} frame ${t.packets.at(i)!.no}`);
          return true;
        });
      }
    } finally {
      t.close();
    }
  }
  assert.ok(names > 500_000, `${names} nodes walked`);
  assert.deepEqual(
    [...unknown].map(([n, where]) => `${n} (${where})`),
    [],
  );
});

test("what a typo meant: only for an unknown name with a near one", () => {
  assert.equal(typoOf("smb2.filname"), "smb2.filename");
  assert.equal(typoOf("smb2.filename"), undefined);
  assert.equal(typoOf("tcp.prot"), undefined);
  assert.equal(typoOf("smb2.qqqqqqqqqqqq"), undefined);
});
