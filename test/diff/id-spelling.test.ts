/**
 * Ids are bound from MessageInfo (fileId, sesId, tid, asyncId) and compared in the trees: both
 * spellings must meet on one canonical id, or an id is bound under one and looked up under the
 * other (SMB1 FIDs below 0x1000 were: `0188` against the number 0x188). Checked on every message of
 * the corpus and the fixtures.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { messageTree } from "../../src/diff/align.js";
import { canonicalId, type IdKind, identityKind } from "../../src/diff/identity.js";
import type { MsgRef } from "../../src/diff/ops.js";
import { walk } from "../../src/dissect/tree.js";
import { openTrace } from "../../src/trace/index.js";
import { fixtureCaptures } from "../captures.js";

test("every id of a message's MessageInfo is, canonically, an id of that kind in its tree", async () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const f of fixtureCaptures("corpus", "smb1", "smb2")) {
    const t = await openTrace(f);
    try {
      for (let i = 0; i < t.packets.length; i++) {
        const p = t.packets.at(i)!;
        for (let k = 0; k < p.messages.length; k++) {
          const m = p.messages[k]!;
          const inTree = new Map<IdKind, Set<string>>();
          const ref: MsgRef = { pkt: i, msg: k };
          walk(messageTree(t, ref), (n) => {
            const kind = identityKind(n.name);
            if (kind) {
              const s = inTree.get(kind) ?? new Set<string>();
              inTree.set(kind, s.add(canonicalId(kind, n.value)));
            }
            return true;
          });
          const info: [IdKind, string | number | undefined][] = [
            ["fid", m.fileId],
            ["session", m.sesId],
            ["tree", m.tid],
            ["async", m.asyncId],
          ];
          for (const [kind, v] of info) {
            const ids = inTree.get(kind);
            if (v === undefined || v === "" || !ids) continue;
            checked++;
            const c = canonicalId(kind, v);
            if (!ids.has(c) && wrong.length < 10)
              wrong.push(`${f} frame ${p.no}: ${kind} ${c}, tree has ${[...ids].join(" ")}`);
          }
        }
      }
    } finally {
      t.close();
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked > 40_000, `${checked} ids checked`);
});
